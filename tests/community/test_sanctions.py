from __future__ import annotations

import pytest

from luka_bot.community.reputation import ReputationStore
from luka_bot.community.sanctions import ActiveSanction, SanctionStore
from luka_bot.moderation.verdict import Category
from luka_bot.policy.ladder_settings import DAY, HOUR, LadderPolicy, SanctionKind

CHAT, USER = -100123, 42


async def test_temporary_sanction_ends_by_itself(sanctions: SanctionStore, clock):
    await sanctions.set_sanction(CHAT, USER, SanctionKind.MUTE, clock.now + HOUR)
    assert await sanctions.active_sanction(CHAT, USER) == ActiveSanction(SanctionKind.MUTE, clock.now + HOUR)
    clock.advance(HOUR)
    assert await sanctions.active_sanction(CHAT, USER) is None


async def test_permanent_ban_stays(sanctions: SanctionStore, clock):
    await sanctions.set_sanction(CHAT, USER, SanctionKind.BAN, None)
    clock.advance(400 * DAY)
    assert await sanctions.active_sanction(CHAT, USER) == ActiveSanction(SanctionKind.BAN, None)


async def test_a_warning_is_not_stored_as_a_sanction(sanctions: SanctionStore):
    with pytest.raises(ValueError):
        await sanctions.set_sanction(CHAT, USER, SanctionKind.WARN, None)


async def test_ladder_ban_then_admin_unbans_in_telegram(sanctions: SanctionStore, reputation: ReputationStore, clock):
    """The original's stale 'banned' flag re-banned a member an admin had let back in."""
    policy = LadderPolicy()
    for n in range(3):
        outcome = await reputation.record_violation(CHAT, USER, Category.SPAM, policy=policy, violation_id=str(n))
    assert outcome.sanction.kind is SanctionKind.BAN
    await sanctions.set_sanction(CHAT, USER, outcome.sanction.kind, outcome.sanction.until(clock.now))
    # Telegram then reports our own ban, and later the admin's unban (status "left").
    await sanctions.sync_member_status(CHAT, USER, status="kicked", until_date=clock.now + DAY)
    clock.advance(60)
    assert await sanctions.sync_member_status(CHAT, USER, status="left") is None
    assert await sanctions.active_sanction(CHAT, USER) is None


@pytest.mark.parametrize(
    ("status", "can_send", "until", "expected"),
    [
        ("kicked", None, 0, ActiveSanction(SanctionKind.BAN, None)),
        ("kicked", None, 5000.0, ActiveSanction(SanctionKind.BAN, 5000.0)),
        ("restricted", False, 0, ActiveSanction(SanctionKind.MUTE, None)),
        ("restricted", True, 0, None),
        ("member", None, None, None),
        ("administrator", None, None, None),
        ("left", None, None, None),
    ],
    ids=[
        "banned-forever",
        "banned-until",
        "muted-forever",
        "restricted-but-may-write",
        "back-as-member",
        "promoted",
        "unbanned",
    ],
)
async def test_telegram_member_status_replaces_what_we_believed(keys, redis, status, can_send, until, expected):
    clock_now = 1000.0
    store = SanctionStore(redis, keys, clock=lambda: clock_now)
    await store.set_sanction(CHAT, USER, SanctionKind.MUTE, clock_now + HOUR)
    result = await store.sync_member_status(CHAT, USER, status=status, until_date=until, can_send_messages=can_send)
    assert result == expected
    assert await store.active_sanction(CHAT, USER) == expected


async def test_clear_reports_whether_there_was_a_sanction(sanctions: SanctionStore):
    assert not await sanctions.clear_sanction(CHAT, USER)
    await sanctions.set_sanction(CHAT, USER, SanctionKind.BAN, None)
    assert await sanctions.clear_sanction(CHAT, USER)
