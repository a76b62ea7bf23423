"""Onboarding end to end: the bot checks its own rights and privacy mode when added to a group or
when its rights change, tells the admins what to fix (en/ru), and publishes its command menus."""

from __future__ import annotations

from luka_bot.policy.group import Language

from .harness import ALICE, GROUP, wait_for
from .test_community_e2e import bot_text

BOT_ID = 123456
TOKEN = "123456:test-token"


async def _bot_status(c, chat_id: int, body: dict) -> None:
    await c._json("POST", f"{c.tg_url}/_emulator/chats/{chat_id}/members/{BOT_ID}", body)


async def test_a_right_taken_away_is_reported_with_the_fix(stack):
    c = stack.control
    await _bot_status(c, GROUP, {"status": "administrator", "rights": {"can_delete_messages": False}})
    report = (await bot_text(c, "took away a right I need"))["text"]
    assert "Delete messages" in report and "Administrators" in report
    assert "Ban users" not in report  # it still has that one

    # Given back: the admins hear that all is well now.
    await _bot_status(c, GROUP, {"status": "administrator"})
    await bot_text(c, "I have what I need here")


async def test_the_report_is_in_the_groups_language(stack):
    c = stack.control
    repo = stack.app.dispatcher["group_settings"]
    await repo.save(GROUP, (await repo.get(GROUP)).model_copy(update={"language": Language.RU}))
    await _bot_status(
        c, GROUP, {"status": "administrator", "rights": {"can_restrict_members": False, "can_pin_messages": False}}
    )
    report = (await bot_text(c, "отобрал у меня нужное право"))["text"]
    assert "Блокировка пользователей" in report and "Закрепление сообщений" in report


async def test_added_as_a_plain_member_with_privacy_on_says_both(stack):
    c = stack.control
    other = -1001000000555
    await c.post("hello", user=ALICE, chat_id=other)
    await _bot_status(c, other, {"status": "left"})  # removed: nothing to say, nobody to tell
    await c._json("POST", f"{c.tg_url}/_emulator/bot", {"can_read_all_group_messages": False})
    await _bot_status(c, other, {"status": "member"})  # added back, without admin rights
    report = (await bot_text(c, "cannot fully protect this group", chat_id=other))["text"]
    assert "I am not an admin" in report and "Privacy mode is on" in report and "/setprivacy" in report
    assert len([m for m in await c.bot_messages(other)]) == 1


async def test_command_menus_per_scope_and_language(stack):
    c = stack.control

    async def menu(scope: str, lang: str | None) -> list[str]:
        body = {"scope": {"type": scope}, **({"language_code": lang} if lang else {})}
        answer = await c._json("POST", f"{c.tg_url}/bot{TOKEN}/getMyCommands", body)
        return [f"{x['command']}: {x['description']}" for x in answer["result"]]

    admins_ru = await wait_for(lambda: menu("all_chat_administrators", "ru"), timeout=10)
    assert "spam: ответом: удалить как спам и запомнить" in admins_ru and any(x.startswith("ask:") for x in admins_ru)
    members_en = await menu("all_group_chats", "en")
    assert "top: the group's best members" in members_en and not any(x.startswith("spam:") for x in members_en)
    assert await menu("default", None) == await menu("all_group_chats", "en")
    assert any("ваша репутация" in x for x in await menu("all_group_chats", "ru"))
