"""The gate's Redis repository on both backends: claims happen once, deadlines come due, prompts
are forgotten only by their own message."""

from __future__ import annotations

import asyncio

from luka_bot.gate.repository import GateRepository, Pending, Prompt


async def test_a_pending_newcomer_is_released_exactly_once(any_redis, keys):
    repo = GateRepository(any_redis, keys)
    await repo.hold(-1, Pending(7, "Nina", deadline=100.0, join_message_id=3))
    assert [p.user_id for p in await repo.pending(-1)] == [7]
    claims = await asyncio.gather(*(repo.release(-1, 7) for _ in range(5)))
    assert [c for c in claims if c is not None] == [Pending(7, "Nina", 100.0, 3)]
    assert await repo.pending(-1) == [] and await repo.due(1000.0) == []


async def test_deadlines_come_due_in_order_across_chats(any_redis, keys):
    repo = GateRepository(any_redis, keys)
    await repo.hold(-1, Pending(7, "a", deadline=10.0))
    await repo.hold(-2, Pending(8, "b", deadline=20.0))
    assert await repo.due(5.0) == []
    assert await repo.due(15.0) == [(-1, 7)]
    assert await repo.due(25.0) == [(-1, 7), (-2, 8)]


async def test_a_prompt_is_cleared_only_by_its_own_message(any_redis, keys):
    repo = GateRepository(any_redis, keys)
    await repo.set_prompt(-1, Prompt(10, "abc"))
    await repo.set_prompt(-1, Prompt(11, "def"))  # a newer join replaced it
    assert not await repo.clear_prompt(-1, 10)
    assert await repo.prompt(-1) == Prompt(11, "def")
    assert await repo.clear_prompt(-1, 11) and await repo.prompt(-1) is None


async def test_joins_are_counted_in_a_sliding_window_and_a_raid_starts_once(any_redis, keys):
    repo = GateRepository(any_redis, keys)
    counts = [(await repo.record_join(-1, 100 + i, 1000.0 + i, window_s=5))[0] for i in range(8)]
    assert counts == [1, 2, 3, 4, 5, 5, 5, 5]  # the window is the last five seconds: (now - 5, now]
    starts = await asyncio.gather(*(repo.start_raid(-1, 5000.0, 60) for _ in range(4)))
    assert starts.count(True) == 1
    assert (await repo.record_join(-1, 200, 1010.0, window_s=5))[1] == 5000.0
    assert await repo.end_raid(-1) and await repo.raid_until(-1) is None


async def test_approvals(any_redis, keys):
    repo = GateRepository(any_redis, keys)
    assert await repo.approve(-1, 5) and not await repo.approve(-1, 5)
    assert await repo.is_approved(-1, 5) and not await repo.is_approved(-2, 5)
    assert await repo.approved(-1) == [5]
    assert await repo.unapprove(-1, 5) and not await repo.is_approved(-1, 5)


async def test_a_link_offer_is_taken_once_and_only_by_the_group_it_was_made_for(any_redis, keys):
    repo = GateRepository(any_redis, keys)
    await repo.offer_link(-1, -2, by=7, code="abc")
    assert await repo.take_link_offer("abc", -3) is None  # the wrong group uses it up, and gets nothing
    await repo.offer_link(-1, -2, by=7, code="def")
    assert await repo.take_link_offer("def", -2) == -1
    assert await repo.take_link_offer("def", -2) is None
    await repo.link(-2, -1)
    assert await repo.linked(-1) == [-2] and await repo.linked(-2) == [-1]
    assert await repo.unlink(-1, -2) and not await repo.unlink(-1, -2)
    assert await repo.linked(-1) == []


async def test_a_spam_ban_in_a_linked_group_counts_until_lifted_there(any_redis, keys):
    repo = GateRepository(any_redis, keys)
    await repo.link(-1, -2)
    await repo.note_spam_ban(42, -2)
    assert await repo.linked_banned(-1, 42) and not await repo.linked_banned(-1, 43)
    assert await repo.lift_spam_ban(42, -2) and not await repo.lift_spam_ban(42, -2)
    assert not await repo.linked_banned(-1, 42)


async def test_an_asked_request_is_taken_once_and_a_decline_appealed_once(any_redis, keys):
    repo = GateRepository(any_redis, keys)
    await repo.ask(-1, 42, {"name": "Ann", "lang": "en"})
    await repo.ask(-2, 42, {"name": "Ann", "lang": "ru"})
    assert await repo.waiting_chats(42) == [-2, -1]
    assert await repo.take_request(-1, 42) == {"name": "Ann", "lang": "en"}
    assert await repo.take_request(-1, 42) is None  # another process answered it
    assert await repo.waiting_chats(42) == [-2]
    await repo.declined(-1, 42, {"name": "Ann", "reasons": "cas"})
    assert await repo.mark_appealed(-1, 42) and not await repo.mark_appealed(-1, 42)
    await repo.unmark_appealed(-1, 42)  # the post to the admins failed: may try again
    assert await repo.mark_appealed(-1, 42)
    assert (await repo.decline_record(-1, 42))["reasons"] == "cas"
    await repo.forget_decline(-1, 42)
    assert await repo.decline_record(-1, 42) == {}
