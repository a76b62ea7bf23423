"""What members and admins see: notices (private or self-deleting), and the admin-only settings menu."""

from __future__ import annotations

import pytest

from luka_bot.texts import render
from luka_bot.texts.settings import TEXTS as SETTINGS_TEXTS

from .harness import ALICE, BOB, GROUP, OWNER, jobs_taken_in, settled, wait_for

SPAM = "💰💰 EARN $500 DAILY 💰💰 join https://t.me/+AbCdEfGh123 now!!! write me in DM"


@pytest.mark.parametrize("stack", [{"notice_lifetime": 1.0}], indirect=True)
async def test_a_member_who_never_started_the_bot_gets_a_public_notice_that_deletes_itself(stack):
    c = stack.control
    message = await c.post(SPAM, user=BOB)

    async def notice():
        return [m for m in await c.bot_messages() if "Bob" in m["text"] and m["reply_to_message_id"] is None]

    shown = (await wait_for(notice, timeout=10))[0]
    assert by_id_deleted(await c.messages(), message)
    await wait_for(lambda: _deleted(c, shown["message_id"]), timeout=10)


def by_id_deleted(messages: list[dict], message_id: int) -> bool:
    return any(m["message_id"] == message_id and m["deleted_at"] for m in messages)


async def _deleted(c, message_id: int) -> bool:
    return by_id_deleted(await c.messages(), message_id)


async def test_a_member_who_started_the_bot_is_told_privately(stack):
    c = stack.control
    await c.start_private(BOB["id"])
    await wait_for(lambda: c.private_messages(BOB["id"]), timeout=5)
    message = await c.post(SPAM, user=BOB)

    async def dm():
        texts = [m["text"] for m in await c.private_messages(BOB["id"])]
        return [t for t in texts if "removed" in t]

    notice = (await wait_for(dm, timeout=10))[0]
    assert "Test group" in notice
    assert by_id_deleted(await c.messages(), message)
    await wait_for(lambda: settled(stack), timeout=10)  # every notice of that message is sent
    assert not [m for m in await c.bot_messages() if "Bob" in m["text"]], "no public notice when a DM was sent"


async def test_settings_menu_is_for_admins_only(stack):
    c = stack.control
    await c.post("/settings", user=ALICE)

    async def refusal():
        return [m for m in await c.bot_messages() if m["text"] == render(SETTINGS_TEXTS, "not_admin", "en")]

    await wait_for(refusal, timeout=5)
    await c.post("/settings", user=OWNER)

    async def menu():
        return [m for m in await c.bot_messages() if m["reply_markup"]]

    panel = (await wait_for(menu, timeout=5))[0]
    buttons = [b for row in panel["reply_markup"]["inline_keyboard"] for b in row]
    moderation = next(b for b in buttons if "Moderation" in b["text"])
    assert moderation["text"].startswith("🛡️✅")

    # A member presses the admin's button: refused, nothing changes.
    answer_id = await c.press(GROUP, panel["message_id"], ALICE, moderation["callback_data"])
    answer = await wait_for(lambda: _answered(c, answer_id), timeout=5)
    assert answer["text"] == render(SETTINGS_TEXTS, "not_admin", "en")
    assert (await stack.app.dispatcher["group_settings"].get(GROUP)).moderation_enabled

    # The admin turns moderation off: saved, and the menu shows it.
    await c.press(GROUP, panel["message_id"], OWNER, moderation["callback_data"])

    async def switched_off():
        current = next(m for m in await c.bot_messages() if m["message_id"] == panel["message_id"])
        return [b for row in current["reply_markup"]["inline_keyboard"] for b in row if b["text"].startswith("🛡️❌")]

    await wait_for(switched_off, timeout=5)
    assert not (await stack.app.dispatcher["group_settings"].get(GROUP)).moderation_enabled
    taken_in = jobs_taken_in(stack)
    spam = await c.post(SPAM, user=BOB)
    # Its job is written and done: with moderation off it decides nothing (and audits nothing).
    await wait_for(lambda: jobs_taken_in(stack) > taken_in and settled(stack), timeout=10)
    assert not by_id_deleted(await c.messages(), spam), "moderation off: nothing is removed"


async def _answered(c, callback_id: str):
    answer = await c.callback_answer(callback_id)
    return answer if answer.get("answered") else None


async def test_an_admins_persona_and_rules_reach_the_models(stack):
    c = stack.control
    await c.post("/setpersona You are a pirate. Answer like one.", user=OWNER)
    await c.post("/setrules No talk about football.", user=OWNER)
    await c.post("/setpersona I am not an admin", user=ALICE)

    async def saved():
        settings = await stack.app.dispatcher["group_settings"].get(GROUP)
        return settings if settings.rules_text and settings.persona_prompt else None

    settings = await wait_for(saved, timeout=5)
    assert settings.persona_prompt == "You are a pirate. Answer like one."
    await c.post("@luka_test_bot ahoy?", user=ALICE)

    async def assistant_request():
        return [r for r in await c.llm_requests() if r.get("stream") and "ahoy" in str(r["messages"])]

    request = (await wait_for(assistant_request, timeout=10))[0]
    assert "You are a pirate" in request["messages"][0]["content"]


async def test_a_member_promoted_in_telegram_is_an_admin_at_once(stack):
    c = stack.control
    await c.post("/settings", user=ALICE)  # refused, and the admin list is now cached

    async def refusal():
        return [m for m in await c.bot_messages() if m["text"] == render(SETTINGS_TEXTS, "not_admin", "en")]

    await wait_for(refusal, timeout=5)
    await c.make_admin(GROUP, ALICE["id"])
    # The chat_member update drops the cached admin list: then ALICE reads as an admin.
    await wait_for(lambda: stack.app.dispatcher["admins"].is_admin(GROUP, ALICE["id"]), timeout=5)
    await c.post("/settings", user=ALICE)

    async def menu():
        return [m for m in await c.bot_messages() if m["reply_markup"]]

    await wait_for(menu, timeout=5)


async def test_admins_configure_the_rule_checks_with_policy(stack):
    c = stack.control
    await c.post("/policy add stop_words grandma's secret recipe", user=OWNER)

    async def saved():
        return [m for m in await c.bot_messages() if m["text"].startswith("🛡️ Saved: stop_words")]

    await wait_for(saved, timeout=5)
    await c.post("/policy set floods.max_emojis lots", user=OWNER)

    async def refused():
        return [m for m in await c.bot_messages() if m["text"].startswith("Not changed: floods.max_emojis")]

    await wait_for(refused, timeout=5)
    await c.post("/policy reset", user=ALICE)  # not an admin
    await wait_for(lambda: _count_refusals(c, 1), timeout=5)
    message = await c.post("Want to know GRANDMA'S SECRET RECIPE? it is love", user=BOB)
    await wait_for(lambda: _deleted(c, message), timeout=10)
    assert (await stack.app.dispatcher["group_settings"].get(GROUP)).rules.stop_words == ["grandma's secret recipe"]


async def _count_refusals(c, n: int) -> bool:
    return len([m for m in await c.bot_messages() if m["text"] == render(SETTINGS_TEXTS, "not_admin", "en")]) == n
