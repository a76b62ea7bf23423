"""Assistant budgets, notes and the recent-message index against real Redis protocol servers."""

from __future__ import annotations

import asyncio

from luka_bot.store.conversation import ConversationStore, message_record
from luka_bot.store.notes import NotesStore, note_name
from luka_bot.store.usage import Refusal, UsageStore


async def test_admission_is_atomic_one_of_many_concurrent_questions_passes_the_cooldown(any_redis, keys):
    usage = UsageStore(any_redis, keys)
    results = await asyncio.gather(*[usage.admit(-1, 7, member_limit=0, group_limit=0, cooldown=30) for _ in range(20)])
    assert sum(r.admitted for r in results) == 1
    assert {r.refusal for r in results if not r.admitted} == {Refusal.COOLDOWN}
    assert all(0 < r.value <= 30_000 for r in results if not r.admitted)


async def test_budgets_stop_the_member_then_the_group(any_redis, keys):
    usage = UsageStore(any_redis, keys)
    now = 1_800_000_000.0
    assert (await usage.admit(-1, 7, member_limit=100, group_limit=150, cooldown=0, now=now)).admitted
    await usage.record(-1, 7, "Alice", 120, purpose="answer", now=now)
    refused = await usage.admit(-1, 7, member_limit=100, group_limit=150, cooldown=0, now=now)
    assert (refused.refusal, refused.value) == (Refusal.MEMBER_BUDGET, 120)
    assert (await usage.admit(-1, 8, member_limit=100, group_limit=150, cooldown=0, now=now)).admitted
    await usage.record(-1, 8, "Bob", 40, purpose="summary", now=now)
    assert (
        await usage.admit(-1, 9, member_limit=100, group_limit=150, cooldown=0, now=now)
    ).refusal is Refusal.GROUP_BUDGET
    assert (await usage.admit(-1, 7, member_limit=100, group_limit=150, cooldown=0, now=now + 86_400)).admitted, (
        "a new UTC day starts a new budget"
    )
    [today, _] = await usage.days(-1, 2, now=now)
    assert (today.total, today.by_purpose) == (160, {"answer": 120, "summary": 40})
    assert await usage.top_users(-1, 7, 5, now=now) == [(7, "Alice", 120), (8, "Bob", 40)]


async def test_a_refusal_notice_is_claimed_once_per_period(any_redis, keys):
    usage = UsageStore(any_redis, keys)
    claims = [await usage.claim_notice(-1, 7, Refusal.MEMBER_BUDGET, period="2027-01-01", ttl=60) for _ in range(3)]
    assert claims == [True, False, False]
    assert await usage.claim_notice(-1, 7, Refusal.MEMBER_BUDGET, period="2027-01-02", ttl=60)


async def test_notes_round_trip_and_names_are_checked(any_redis, keys):
    notes = NotesStore(any_redis, keys)
    assert note_name("#WiFi") == "wifi" and note_name("no spaces") is None and note_name("") is None
    await notes.save(-1, "wifi", "lemon42")
    assert await notes.get(-1, "wifi") == "lemon42" and await notes.get(-2, "wifi") is None
    assert await notes.all(-1) == {"wifi": "lemon42"}
    assert await notes.delete(-1, "wifi") and not await notes.delete(-1, "wifi")


async def test_recent_leaves_out_removed_and_bot_messages(any_redis, keys):
    store = ConversationStore(any_redis, keys)
    for message_id, (text, is_bot) in enumerate(
        [("hello", False), ("spam", False), ("bot says", True), ("bye", False)], 1
    ):
        await store.record(
            -1,
            message_id,
            message_record(
                user_id=message_id,
                name=f"U{message_id}",
                text=text,
                kind="text",
                date=100.0 + message_id,
                reply_to=None,
                is_bot=is_bot,
            ),
        )
        await any_redis.zadd(keys.recent_messages(-1), {str(message_id): 100.0 + message_id})
    await store.mark_removed(-1, 2, "spam")
    assert [m.text for m in await store.recent(-1)] == ["hello", "bye"]
    assert [m.text for m in await store.recent(-1, since=103.5)] == ["bye"]
    assert [m.text for m in await store.recent(-1, limit=2)] == ["bye"]
