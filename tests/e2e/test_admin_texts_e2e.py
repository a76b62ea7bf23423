"""Texts and commands an admin or member notices (issue 13), end to end through the emulator:
/setrules alone keeps the rules, /top shows the best, an admin's /spam is not "automatic",
dry runs reach the log chat, private chats speak the user's language, Russian counts agree,
/policy is a summary with sections."""

from __future__ import annotations

from luka_bot.policy.group import Language

from .harness import ALICE, BOB, GROUP, OWNER, wait_for
from .test_community_e2e import LOG, _set_up_log_chat, bot_text, deleted, spam


async def _russian(stack) -> None:
    repo = stack.app.dispatcher["group_settings"]
    await repo.save(GROUP, (await repo.get(GROUP)).model_copy(update={"language": Language.RU}))


async def test_a_bare_setrules_shows_usage_and_the_rules_and_keeps_them(stack):
    c = stack.control
    await c.post("/setrules No ads. Be kind to each other.", user=OWNER)
    await bot_text(c, "Rules saved (30 characters)")
    await c.post("/setrules", user=OWNER)
    shown = await bot_text(c, "Write the rules after the command")
    assert "No ads. Be kind to each other." in shown["text"]
    settings = await stack.app.dispatcher["group_settings"].get(GROUP)
    assert settings.rules_text == "No ads. Be kind to each other."
    await c.post("/setrules off", user=OWNER)
    await bot_text(c, "Rules removed")
    assert (await stack.app.dispatcher["group_settings"].get(GROUP)).rules_text == ""


async def test_russian_counts_agree_with_the_number(stack):
    c = stack.control
    await _russian(stack)
    await c.post("/setrules " + "п" * 44, user=OWNER)
    await bot_text(c, "Правила сохранены (44 символа)")
    await c.post("/setrules " + "п" * 21, user=OWNER)
    await bot_text(c, "Правила сохранены (21 символ)")
    await c.post("/setrules", user=OWNER)
    await bot_text(c, "Напишите правила после команды")


async def test_top_lists_the_best_members_not_the_most_punished(stack):
    c = stack.control
    reputation = stack.app.dispatcher["reputation"]
    await reputation.award(GROUP, ALICE["id"], "some_award", reward_points=10)
    await c.post(spam(), user=BOB)  # Bob's violation takes his points below zero
    await wait_for(lambda: _points_below_zero(reputation, BOB), timeout=10)
    await c.post("/top", user=ALICE)
    board = (await bot_text(c, "Top members"))["text"]
    assert "1. Alice — 10" in board and "Bob" not in board


async def _points_below_zero(reputation, user: dict) -> bool:
    return (await reputation.stats(GROUP, user["id"])).points < 0


async def test_top_with_no_one_above_zero_says_how_to_earn(stack):
    c = stack.control
    await c.post(spam(), user=BOB)
    await wait_for(lambda: _points_below_zero(stack.app.dispatcher["reputation"], BOB), timeout=10)
    await c.post("/top", user=ALICE)
    answer = await bot_text(c, "Nobody has earned reputation yet")
    assert "Bob" not in answer["text"]


async def test_an_admins_spam_is_logged_as_the_admins_action(stack):
    c = stack.control
    await _set_up_log_chat(c)
    bobs = await c.post("my cousin sells lovely garden chairs", user=BOB)
    await c.post("/spam", user=OWNER, reply_to=bobs)
    card = await bot_text(c, "Removed by an admin", chat_id=LOG)
    assert "Automatic action" not in card["text"] and "garden chairs" in card["text"]


async def test_a_dry_run_still_shows_the_log_chat_what_would_have_happened(stack):
    c = stack.control
    await _set_up_log_chat(c)
    repo = stack.app.dispatcher["group_settings"]
    await repo.save(GROUP, (await repo.get(GROUP)).model_copy(update={"dry_run": True}))
    message = await c.post(spam(), user=BOB)
    card = await bot_text(c, "Dry run", chat_id=LOG)
    assert "nothing was done" in card["text"] and "Bob" in card["text"] and "message removed" in card["text"]
    assert not await deleted(c, message)


async def test_the_private_greeting_and_help_speak_the_users_language(stack):
    c = stack.control
    ivan = {"id": 2001, "first_name": "Иван", "language_code": "ru"}
    await c.start_private(ivan["id"], **ivan)

    async def greeting():
        found = [m for m in await c.messages(ivan["id"]) if m["from"]["is_bot"]]
        return found[-1] if found else None

    text = (await wait_for(greeting, timeout=10))["text"]
    assert "ассистент и модератор" in text and "/report — " in text and "/spam — " in text
    await c.post("/help", user={"id": 2002, "first_name": "Ann", "language_code": "en"}, chat_id=2002)

    async def english():
        found = [m for m in await c.messages(2002) if m["from"]["is_bot"]]
        return found[-1] if found else None

    assert "Commands for everyone in a group" in (await wait_for(english, timeout=10))["text"]


async def test_policy_is_a_short_summary_with_sections_in_detail(stack):
    c = stack.control
    await c.post("/policy add stop_words grandma's secret recipe", user=OWNER)
    await bot_text(c, "Saved: stop_words")
    await c.post("/policy", user=OWNER)
    summary = (await bot_text(c, "Moderation rules of this group"))["text"]
    assert len(summary.splitlines()) <= 10
    assert "general" in summary and "1 setting changed" in summary and "links" in summary
    assert "floods.max_emojis =" not in summary
    await c.post("/policy floods", user=OWNER)
    details = (await bot_text(c, "floods.max_emojis = 12"))["text"]
    assert "links.deny_domains" not in details
    await _russian(stack)
    await c.post("/policy", user=OWNER)
    await bot_text(c, "изменено: 1 настройка")
