"""Community end to end: the sanction ladder, admin commands and their misuse, appeals and the log
chat, member commands and achievements, through the Telegram emulator over real HTTP."""

from __future__ import annotations

import itertools

from luka_bot.moderation.learning import SampleLabel
from luka_bot.policy.group import Language
from luka_bot.policy.ladder_settings import SanctionKind
from luka_bot.store.moderation_state import RedisSampleStore
from luka_bot.telegram.durations import ACCEPTED_FORMATS

from .harness import ALICE, BOB, GROUP, OWNER, audit_entry, settled, wait_for

LOG = -1001000000777
_variants = itertools.count(1)


def spam() -> str:
    """Obvious spam the inline rule tier removes, different each time (no duplicate-text shortcut)."""
    n = next(_variants)
    return f"💰💰 EARN ${500 + n} DAILY 💰💰 join https://t.me/+AbCdEfGh{n}23 now!!! write me in DM #{n}"


async def status(c, user: dict, chat_id: int = GROUP) -> str:
    return (await c.member(chat_id, user["id"]))["status"]


async def set_status(c, user: dict, new: str) -> None:
    await c.set_member(GROUP, user["id"], new)


async def press(c, message: dict, user: dict, label: str, chat_id: int = GROUP) -> dict:
    button = next(b for row in message["reply_markup"]["inline_keyboard"] for b in row if label in b["text"])
    callback_id = await c.press(chat_id, message["message_id"], user, button["callback_data"])

    async def answered():
        answer = await c.callback_answer(callback_id)
        return answer if answer["answered"] else None

    return await wait_for(answered, timeout=5)


async def bot_text(c, contains: str, chat_id: int = GROUP, *, timeout: float = 10) -> dict:
    async def found():
        return [m for m in await c.bot_messages(chat_id) if contains in m["text"]]

    return (await wait_for(found, timeout=timeout))[-1]


async def deleted(c, message_id: int, chat_id: int = GROUP) -> bool:
    return any(m["message_id"] == message_id and m["deleted_at"] for m in await c.messages(chat_id))


async def wait_status(c, user: dict, expected: str) -> None:
    async def check():
        return await status(c, user) == expected

    await wait_for(check, timeout=10)


async def successful_bans(c) -> int:
    return len([x for x in await c.calls("banChatMember") if x["ok"]])


# --- the ladder --------------------------------------------------------------------------------


async def test_the_ladder_warns_mutes_bans_and_respects_an_unban_in_telegram(stack):
    c = stack.control
    sanctions = stack.app.dispatcher["sanctions"]

    first = await c.post(spam(), user=BOB)
    await wait_for(lambda: deleted(c, first), timeout=5)
    await bot_text(c, "Bob, this is a warning")
    assert await status(c, BOB) == "member"

    second = await c.post(spam(), user=BOB)
    await wait_for(lambda: deleted(c, second), timeout=5)
    await wait_status(c, BOB, "restricted")
    await bot_text(c, "Bob is muted for 1 h")

    # An admin lets Bob speak again in the Telegram client: the bot forgets its mute.
    await set_status(c, BOB, "member")
    await wait_for(lambda: _no_sanction(sanctions, BOB), timeout=5)

    third = await c.post(spam(), user=BOB)
    await wait_for(lambda: deleted(c, third), timeout=5)
    await wait_status(c, BOB, "kicked")
    await bot_text(c, "Bob is banned for 24 h")
    assert await successful_bans(c) == 1

    # Unbanned in Telegram: a clean message is never met with the old ban.
    await set_status(c, BOB, "member")
    await wait_for(lambda: _no_sanction(sanctions, BOB), timeout=5)
    clean = await c.post("sorry everyone, it will not happen again", user=BOB)
    await wait_for(lambda: audit_entry(stack, clean), timeout=10)
    await wait_for(lambda: settled(stack), timeout=10)
    assert await status(c, BOB) == "member" and not await deleted(c, clean)
    assert await successful_bans(c) == 1, "no ban on a stale flag"

    # The next violation continues the ladder (its last step repeats), once.
    fourth = await c.post(spam(), user=BOB)
    await wait_for(lambda: deleted(c, fourth), timeout=5)
    await wait_status(c, BOB, "kicked")
    await wait_for(lambda: settled(stack), timeout=10)  # the fourth message's job is done
    assert await successful_bans(c) == 2


async def _no_sanction(sanctions, user: dict) -> bool:
    return await sanctions.active_sanction(GROUP, user["id"]) is None


# --- appeals and the log chat --------------------------------------------------------------------


async def _set_up_log_chat(c) -> None:
    await c.post("admins only", user=OWNER, chat_id=LOG, chat_title="Admin log")
    await c.make_admin(LOG, OWNER["id"])
    await c.post(f"/setlog {LOG}", user=OWNER)
    await bot_text(c, "now go to «Admin log»")
    await bot_text(c, "moderation log of «Test group»", chat_id=LOG)


async def test_appeal_then_restore_unmutes_reposts_and_teaches(stack):
    c = stack.control
    reputation = stack.app.dispatcher["reputation"]
    await _set_up_log_chat(c)

    await c.post(spam(), user=BOB)
    await bot_text(c, "Automatic action", chat_id=LOG)
    offending = spam()
    await c.post(offending, user=BOB)
    await wait_status(c, BOB, "restricted")
    notice = await bot_text(c, "Bob is muted")
    assert (await reputation.stats(GROUP, BOB["id"])).violations.__len__() == 2

    # Only Bob can appeal his notice.
    refused = await press(c, notice, ALICE, "Appeal")
    assert "Only the member" in refused["text"]
    answer = await press(c, notice, BOB, "Appeal")
    assert "sent to the admins" in answer["text"]
    record = await bot_text(c, "Appeal", chat_id=LOG)
    assert "Bob" in record["text"] and "mute" in record["text"]

    # A member cannot press the admins' button; the admin restores.
    refused = await press(c, record, ALICE, "Restore", chat_id=LOG)
    assert "admins" in refused["text"]
    assert await status(c, BOB) == "restricted"
    await press(c, record, OWNER, "Restore", chat_id=LOG)
    await wait_status(c, BOB, "member")
    repost = await bot_text(c, "restored a message from Bob")
    assert offending in repost["text"]
    samples = await RedisSampleStore(stack.app.redis.client, stack.app.keys).load(GROUP)
    assert [s.label for s in samples] == [SampleLabel.HAM]
    assert len((await reputation.stats(GROUP, BOB["id"])).violations) == 1
    assert await stack.app.dispatcher["sanctions"].active_sanction(GROUP, BOB["id"]) is None

    # The record says who decided and has no buttons left; a second press changes nothing.
    async def closed():
        current = next(m for m in await c.bot_messages(LOG) if m["message_id"] == record["message_id"])
        return current if "Restored by Olga" in current["text"] and not current["reply_markup"] else None

    await wait_for(closed, timeout=5)


async def test_confirm_keeps_the_sanction(stack):
    c = stack.control
    await c.post("/setlog", user=OWNER)
    await bot_text(c, "its own log chat")
    await c.post(spam(), user=BOB)
    record = await bot_text(c, "Automatic action")
    answer = await press(c, record, OWNER, "Confirm")
    assert answer["text"] == "Confirmed."
    await bot_text(c, "Confirmed by Olga")
    assert len((await stack.app.dispatcher["reputation"].stats(GROUP, BOB["id"])).violations) == 1


async def test_a_broken_log_chat_does_not_stop_enforcement(stack):
    c = stack.control
    await _set_up_log_chat(c)
    await c.set_member(LOG, c.bot_id, "left")
    spam_id = await c.post(spam(), user=BOB)
    await wait_for(lambda: deleted(c, spam_id), timeout=5)
    await bot_text(c, "Bob, this is a warning")


# --- admin commands and their misuse ---------------------------------------------------------------


async def test_admin_command_misuse_gets_clear_answers(stack):
    c = stack.control
    bobs = await c.post("hello there", user=BOB)

    await c.post("/ban", user=ALICE, reply_to=bobs)
    await bot_text(c, "Only the group's admins can use /ban")
    await c.post("/mute", user=OWNER)
    await bot_text(c, "Reply to the member's message with /mute")
    await c.post("/mute 5 parsecs", user=OWNER, reply_to=bobs)
    refusal = await bot_text(c, "is not a duration I understand")
    assert "5 parsecs" in refusal["text"] and ACCEPTED_FORMATS in refusal["text"]
    owners = await c.post("I am the owner", user=OWNER)
    await c.post("/ban", user=OWNER, reply_to=owners)
    await bot_text(c, "admins cannot be sanctioned")
    await c.post("/warn", user=ALICE, reply_to=bobs)
    await bot_text(c, "Only the group's admins can use /warn")
    await c.post("/spam", user=ALICE, reply_to=bobs)
    await bot_text(c, "Only the group's admins can use /spam")
    assert await status(c, BOB) == "member"
    assert not await c.calls("banChatMember") and not await c.calls("restrictChatMember")


async def test_admin_commands_mute_unmute_ban_unban_warn_unwarn_pardon(stack):
    c = stack.control
    reputation = stack.app.dispatcher["reputation"]
    bobs = await c.post("my message", user=BOB)

    await c.post("/mute 30m", user=OWNER, reply_to=bobs)
    await wait_status(c, BOB, "restricted")
    notice = await bot_text(c, "Bob is muted for 30 min")
    assert any("Appeal" in b["text"] for row in notice["reply_markup"]["inline_keyboard"] for b in row)
    await c.post("/unmute", user=OWNER, reply_to=bobs)
    await wait_status(c, BOB, "member")
    await bot_text(c, "Bob can write again")

    await c.post("/ban 2d", user=OWNER, reply_to=bobs)
    await wait_status(c, BOB, "kicked")
    await bot_text(c, "Bob is banned for 2 d")
    assert (await stack.app.dispatcher["sanctions"].active_sanction(GROUP, BOB["id"])).kind is SanctionKind.BAN
    await c.post("/unban", user=OWNER, reply_to=bobs)
    await wait_status(c, BOB, "left")
    await bot_text(c, "Bob is unbanned")
    await c.post("/unban", user=OWNER, reply_to=bobs)
    await bot_text(c, "Bob is not banned")

    await c.post("/warn", user=OWNER, reply_to=bobs)
    await bot_text(c, "this is a warning from an admin")
    assert len((await reputation.stats(GROUP, BOB["id"])).violations) == 1
    await c.post("/unwarn", user=OWNER, reply_to=bobs)
    await bot_text(c, "the last violation (rule violation) was removed")
    assert len((await reputation.stats(GROUP, BOB["id"])).violations) == 0
    await c.post("/unwarn", user=OWNER, reply_to=bobs)
    await bot_text(c, "Bob has no violations")

    await c.post("/warn", user=OWNER, reply_to=bobs)
    # Updates are handled concurrently, as a person's two quick commands would be: wait for the first.
    await wait_for(lambda: _violations_are(reputation, 1), timeout=10)
    await c.post("/pardon", user=OWNER, reply_to=bobs)
    await bot_text(c, "1 violation forgiven")
    assert len((await reputation.stats(GROUP, BOB["id"])).violations) == 0


async def _violations_are(reputation, n: int) -> bool:
    return len((await reputation.stats(GROUP, BOB["id"])).violations) == n


async def test_spam_as_a_reply_deletes_sanctions_and_teaches(stack):
    c = stack.control
    odd = await c.post("check out my cooking course, link in my profile", user=ALICE)
    command = await c.post("/spam", user=OWNER, reply_to=odd)
    await wait_for(lambda: deleted(c, odd), timeout=5)
    await bot_text(c, "Alice, this is a warning")
    await wait_for(lambda: deleted(c, command), timeout=5)
    stats = await stack.app.dispatcher["reputation"].stats(GROUP, ALICE["id"])
    assert [v.category.value for v in stats.violations] == ["spam"]
    samples = await RedisSampleStore(stack.app.redis.client, stack.app.keys).load(GROUP)
    assert [s.label for s in samples] == [SampleLabel.SPAM]


async def test_not_spam_on_a_notice_restores_and_adds_a_ham_sample(stack):
    c = stack.control
    odd = await c.post("selling my old bike, DM me", user=ALICE)
    await c.post("/spam", user=OWNER, reply_to=odd)
    notice = await bot_text(c, "Alice, this is a warning")
    refused = await press(c, notice, BOB, "Not spam")
    assert "admins" in refused["text"]
    await press(c, notice, OWNER, "Not spam")
    await bot_text(c, "restored a message from Alice")
    samples = await RedisSampleStore(stack.app.redis.client, stack.app.keys).load(GROUP)
    assert [s.label for s in samples] == [SampleLabel.SPAM, SampleLabel.HAM]
    assert (await stack.app.dispatcher["reputation"].stats(GROUP, ALICE["id"])).violations == ()


# --- member commands ---------------------------------------------------------------------------


async def test_rep_and_top(stack):
    c = stack.control
    reputation = stack.app.dispatcher["reputation"]
    policy = (await stack.app.dispatcher["group_settings"].get(GROUP)).ladder
    await reputation.record_helpful(GROUP, ALICE["id"], quality=9, policy=policy)
    await reputation.award(GROUP, ALICE["id"], "first_helpful", reward_points=100)
    await reputation.award(GROUP, BOB["id"], "some_award", reward_points=5)  # no achievement to earn on /top

    await c.post("/rep", user=ALICE)
    card = await bot_text(c, "Reputation: 115")
    assert "Alice" in card["text"] and "Helpful answers: 1 (quality: 1)" in card["text"]
    assert "🤝 First Helpful Answer" in card["text"]

    await c.post("/top", user=BOB)
    board = (await bot_text(c, "Top members"))["text"]
    assert "1. Alice — 115" in board and "2. Bob — 5" in board


async def test_report_goes_to_the_admins_or_the_log_chat(stack):
    c = stack.control
    odd = await c.post("anyone want cheap followers?", user=BOB)
    await c.post("/report", user=ALICE)
    await bot_text(c, "Reply to the member's message with /report")

    await c.post("/report", user=ALICE, reply_to=odd)
    flagged = await bot_text(c, "flagged this message for the admins")
    assert flagged["reply_to_message_id"] == odd and "Olga" in flagged["text"]

    await _set_up_log_chat(c)
    await c.post("/report", user=ALICE, reply_to=odd)
    report = await bot_text(c, "Report", chat_id=LOG)
    assert "anyone want cheap followers?" in report["text"] and "Alice" in report["text"]
    await bot_text(c, "the admins have been told")


async def test_setlog_misuse(stack):
    c = stack.control
    await c.post("/setlog", user=ALICE)
    await bot_text(c, "Only the group's admins can use /setlog")
    await c.post("/setlog hello", user=OWNER)
    await bot_text(c, "Use /setlog alone")
    await c.post("/setlog -1009999", user=OWNER)
    await bot_text(c, "I cannot post to -1009999")
    await c.post("elsewhere", user=ALICE, chat_id=LOG, chat_title="Alice's group")
    await c.post(f"/setlog {LOG}", user=OWNER)
    await bot_text(c, "You must be an admin of Alice's group too")


# --- achievements --------------------------------------------------------------------------------


async def test_an_achievement_is_announced_once(stack):
    c = stack.control
    reputation = stack.app.dispatcher["reputation"]
    policy = (await stack.app.dispatcher["group_settings"].get(GROUP)).ladder
    for _ in range(99):
        await reputation.record_message(GROUP, ALICE["id"], policy=policy)
    await c.post("my hundredth message, what a journey", user=ALICE)
    await bot_text(c, "Alice earned 💬 100 Messages", timeout=10)
    one_more = await c.post("and one more", user=ALICE)
    await wait_for(lambda: audit_entry(stack, one_more), timeout=10)
    await wait_for(lambda: settled(stack), timeout=10)  # its job, and any announcement it queued, are done
    assert (await reputation.stats(GROUP, ALICE["id"])).messages == 101
    announcements = [m for m in await c.bot_messages() if "100 Messages" in m["text"]]
    assert len(announcements) == 1
    assert "hundred_messages" in await reputation.earned(GROUP, ALICE["id"])


async def test_achievements_are_awarded_silently_when_announcements_are_off(stack):
    c = stack.control
    repo = stack.app.dispatcher["group_settings"]
    settings = await repo.get(GROUP)
    await repo.save(GROUP, settings.model_copy(update={"announce_achievements": False}))
    reputation = stack.app.dispatcher["reputation"]
    for _ in range(99):
        await reputation.record_message(GROUP, BOB["id"], policy=settings.ladder)
    hundredth = await c.post("my hundredth message", user=BOB)
    await wait_for(lambda: audit_entry(stack, hundredth), timeout=10)
    await wait_for(lambda: settled(stack), timeout=10)  # its job, and any announcement it queued, are done
    assert "hundred_messages" in await reputation.earned(GROUP, BOB["id"])
    assert not [m for m in await c.bot_messages() if "100" in m["text"]]


async def test_texts_follow_the_groups_language(stack):
    c = stack.control
    repo = stack.app.dispatcher["group_settings"]
    settings = await repo.get(GROUP)
    await repo.save(GROUP, settings.model_copy(update={"language": Language.RU}))
    bobs = await c.post("привет", user=BOB)
    await c.post("/mute 5 парсеков", user=OWNER, reply_to=bobs)
    await bot_text(c, "непонятная длительность")
    await c.post("/ban", user=ALICE, reply_to=bobs)
    await bot_text(c, "доступна только администраторам")
    await c.post("/mute 2ч", user=OWNER, reply_to=bobs)
    await bot_text(c, "запрет писать на 2 ч")


async def test_an_appeal_from_a_private_notice_reaches_the_admins_in_the_group_without_a_log_chat(stack):
    c = stack.control
    await c.start_private(BOB["id"])
    await c.post(spam(), user=BOB)

    async def dm():
        found = [m for m in await c.messages(BOB["id"]) if m["from"]["is_bot"] and m["reply_markup"]]
        return found[-1] if found else None

    notice = await wait_for(dm, timeout=10)
    answer = await press(c, notice, BOB, "Appeal", chat_id=BOB["id"])
    assert "sent to the admins" in answer["text"]
    record = await bot_text(c, "Appeal")
    # In the group itself the record names the removed message but never shows it again.
    assert "EARN" not in record["text"] and "t.me" not in record["text"]
    assert not any(e["type"] == "url" for e in record.get("entities") or [])
    again = await press(c, notice, BOB, "Appeal", chat_id=BOB["id"])
    assert "already" in again["text"]
    await press(c, record, OWNER, "Restore")
    await bot_text(c, "restored a message from Bob")
