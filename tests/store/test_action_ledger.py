"""The enforcement ledger and the deletion schedule: one actor holds a revision at a time, only
the holder frees it, a finished revision stays done, and due deletions come out in order."""

from __future__ import annotations

from luka_bot.store.action_ledger import ActionLedger, Revision
from luka_bot.store.audit import AuditLog
from luka_bot.store.scheduled_deletions import ScheduledDeletions

REV = Revision(-100777, 42, 0)


async def test_a_second_actor_finds_the_claim_busy_until_the_holder_releases(redis, keys) -> None:
    ledger = ActionLedger(redis, keys)
    first = await ledger.try_claim(REV, "a", 5000)
    second = await ledger.try_claim(REV, "b", 5000)
    assert first.claimed and not second.claimed and 0 < second.retry_in <= 5
    await ledger.release(REV, "b")  # not the holder's token: the claim stays
    assert not (await ledger.try_claim(REV, "c", 5000)).claimed
    await ledger.release(REV, "a")
    assert (await ledger.try_claim(REV, "c", 5000)).claimed


async def test_finishing_writes_the_audit_marks_done_and_frees_the_claim(redis, keys) -> None:
    ledger, audit = ActionLedger(redis, keys), AuditLog(redis, keys)
    attempt = await ledger.try_claim(REV, "a", 5000)
    await ledger.record_step(REV, "delete", "deleted")
    assert attempt.claimed and not await ledger.is_done(REV)
    audit_key, entry, _ = audit.prepare(REV.chat_id, {"action": "delete"})
    await ledger.finish(REV, "a", audit_key, entry)
    again = await ledger.try_claim(REV, "b", 5000)
    assert await ledger.is_done(REV) and again.claimed and again.done
    assert again.progress == {"delete": "deleted"}  # what a retry must not repeat
    assert [e.fields["action"] for e in await audit.recent(REV.chat_id)] == ["delete"]


async def test_the_rights_hint_is_given_once_per_group_and_reason(redis, keys) -> None:
    ledger = ActionLedger(redis, keys)
    assert await ledger.first_rights_hint(-1, "no_rights")
    assert not await ledger.first_rights_hint(-1, "no_rights")
    assert await ledger.first_rights_hint(-1, "expired")


async def test_only_due_deletions_come_out_and_done_ones_leave(redis, keys) -> None:
    deletions = ScheduledDeletions(redis, keys)
    await deletions.schedule(-1, 10, at=100.0)
    await deletions.schedule(-2, 20, at=50.0)
    await deletions.schedule(-1, 30, at=500.0)
    assert await deletions.due(now=200.0) == [(-2, 20), (-1, 10)]
    await deletions.done(-2, 20)
    assert await deletions.due(now=1000.0) == [(-1, 10), (-1, 30)]
