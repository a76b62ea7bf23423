"""The outbound limiter: one budget per group shared by every process, kept in Redis."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from luka_bot.telegram.actions import rate_limit
from luka_bot.telegram.actions.rate_limit import OutboundLimiter


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The limiter's clock stopped: a test's takes all happen at one instant, however slowly Redis
    answers. On a loaded machine the buckets refilled between them and the exact waits moved."""
    now = time.time()
    monkeypatch.setattr(rate_limit, "time", SimpleNamespace(time=lambda: now, monotonic=time.monotonic))


async def test_a_group_gets_its_burst_then_must_wait(any_redis, keys):
    limiter = OutboundLimiter(any_redis, keys, group_per_minute=20)
    started = time.monotonic()
    waits = [await limiter.try_take(-100) for _ in range(21)]
    elapsed = time.monotonic() - started
    assert waits[:20] == [0.0] * 20
    # One send every 3 s at 20 a minute; the bucket refills while the 21 takes run, which on a
    # loaded machine can be a second or more, so the wait is 3 s less the time already spent.
    assert 3.0 - elapsed - 0.1 < waits[20] <= 3.0


async def test_two_processes_share_one_budget(any_redis, keys):
    first = OutboundLimiter(any_redis, keys, group_per_minute=20)
    second = OutboundLimiter(any_redis, keys, group_per_minute=20)
    taken = [await (first if n % 2 else second).try_take(-200) for n in range(25)]
    assert sum(1 for wait in taken if wait == 0) == 20


async def test_groups_do_not_share_budgets_and_private_chats_have_none(any_redis, keys):
    limiter = OutboundLimiter(any_redis, keys, group_per_minute=2, global_per_second=1000)
    assert [await limiter.try_take(-1) for _ in range(3)][-1] > 0
    assert await limiter.try_take(-2) == 0
    assert all([await limiter.try_take(42) == 0 for _ in range(50)])


async def test_the_global_budget_caps_everything(any_redis, keys, frozen_clock):
    limiter = OutboundLimiter(any_redis, keys, group_per_minute=1000, global_per_second=5)
    waits = [await limiter.try_take(-(n + 1)) for n in range(6)]
    assert waits[:5] == [0.0] * 5 and waits[5] > 0


async def test_reservations_give_each_notice_its_own_later_slot(any_redis, keys, frozen_clock):
    """Past the burst, each caller is given the next free slot (3 s apart at 20 a minute), so a
    deferred notice wakes exactly once instead of racing every other waiter for one token."""
    limiter = OutboundLimiter(any_redis, keys, group_per_minute=20)
    waits = [await limiter.reserve(-300) for _ in range(23)]
    assert waits[:20] == [0.0] * 20
    later = waits[20:]
    assert 2.5 < later[0] <= 3.0 and 5.5 < later[1] <= 6.0 and 8.5 < later[2] <= 9.0
    assert await limiter.try_take(-300) > 8.5, "a plain take sees the reserved slots as used"
    assert await limiter.reserve(777) == 0.0, "private chats have no group budget"


async def test_a_send_for_a_removed_question_is_refused_in_the_same_call_and_costs_no_token(any_redis, keys):
    limiter = OutboundLimiter(any_redis, keys, group_per_minute=2)
    removed = keys.verdict(-300, 7)
    assert await limiter.take(-300, unless=removed) is True  # not removed: sent, one token taken
    await any_redis.set(removed, "spam")
    for _ in range(5):
        assert await limiter.take(-300, unless=removed) is False
    # The refused sends took nothing: the group's second token is still there.
    assert await limiter.try_take(-300) == 0.0
    assert await limiter.try_take(-300) > 0
