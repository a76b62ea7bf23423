"""Telegram faults never lose a moderation action (issue 8), end to end through the emulators.

- a 429 whose retry_after is far beyond what a call may sleep defers the job durably: it is not
  dead-lettered, survives kill -9 and deletes the spam once due;
- a notice that meets a 429 storm is still sent (its "sent" marker is written after the send);
- deleting never waits for a busy group's notice budget;
- a lost delete right or an expired 48-hour window is audited as such, nobody is warned for it
  and the admins get a hint;
- a raid of rule-certain spam is deleted with exactly one delete call per message, also when the
  process holding a message's claim died before acting.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid

import pytest

from luka_bot.jobs.partitions import PartitionedQueue
from luka_bot.jobs.queue import JobQueue
from luka_bot.store.audit import AuditLog
from luka_bot.store.keys import Keys
from tests.helpers import redis_client

from .harness import ALICE, BOB, GROUP, Control, wait_for
from .test_durability_e2e import emulators, free_port, message_deleted, start_process  # noqa: F401 - fixture

SPAM_VERDICT = {"action": "delete", "category": "spam", "confidence": 0.97, "reason": "advertising"}
JUDGE_ALL = {"llm_judge": "all"}
# Certain for the gateway's rule tier: removed inline, before any worker sees the job.
RAID_TEXT = "double your bitcoin in 24 hours, offer {n}, kindly dm"


def member(n: int) -> dict:
    return {"id": 5000 + n, "first_name": f"Raider{n}"}


async def audit_of(audit: AuditLog, message_id: int) -> dict | None:
    for entry in await audit.recent(GROUP, count=500):
        if entry.fields.get("message_id") == str(message_id):
            return entry.fields
    return None


async def delete_calls(c: Control) -> dict[int, int]:
    """How many successful delete calls named each message id (deleteMessage and deleteMessages)."""
    counts: dict[int, int] = {}
    for call in await c.calls():
        if not call["ok"] or call["method"] not in ("deleteMessage", "deleteMessages"):
            continue
        ids = call.get("message_ids") or [call.get("message_id")]
        for message_id in ids:
            counts[message_id] = counts.get(message_id, 0) + 1
    return counts


async def idle(queue: JobQueue | PartitionedQueue) -> bool:
    stats = await queue.backlog()
    return stats.length == 0 and stats.pending == 0 and stats.delayed == 0


# --- retry_after beyond any inline wait ------------------------------------------------------
async def test_a_long_retry_after_defers_the_job_durably_through_kill_9(emulators, tmp_path, embedded_redis_url):  # noqa: F811 - the fixture imported above
    c = emulators
    prefix = f"ra{uuid.uuid4().hex[:8]}"
    keys = Keys(prefix=prefix)
    await c.llm_script(contains="plutocoin", verdict=SPAM_VERDICT)
    await c.fault("deleteMessage", 429, times=1, retry_after=300)
    port = free_port()
    env = {"REDIS_URL": embedded_redis_url, "REDIS_KEY_PREFIX": prefix, "JOB_PARTITIONS": "4"}
    redis = redis_client(embedded_redis_url)
    queue = PartitionedQueue(redis, keys, 4)  # as the bot process splits its stream
    process = await start_process(c, tmp_path, port, **env)
    try:
        spam = await c.post("plutocoin presale, 100x guaranteed", user=BOB)

        async def deferred() -> list:
            return [(due, fields) for due, fields in await queue.delayed() if fields.get("message_id") == str(spam)]

        [(due, fields)] = await wait_for(deferred, timeout=20)
        assert due >= time.time() + 290, "deferred for what Telegram asked, not retried within a second"
        assert fields["_attempts"] == "0", "a rate limit is not a failed attempt"
        assert (await queue.backlog()).dead_letters == 0

        process.send_signal(signal.SIGKILL)
        await process.wait()
        process = await start_process(c, tmp_path, port, **env)
        # The restarted bot keeps the deferral: it is still waiting, with the same due time.
        assert [d for d, _ in await deferred()] == [due]
        assert not await message_deleted(c, spam)

        # Five minutes pass (the wait itself is not what is tested; its durability is).
        delayed_set = queue.for_chat(GROUP).names.delayed
        [member_json] = [
            m for m in await redis.zrange(delayed_set, 0, -1) if json.loads(m).get("message_id") == str(spam)
        ]
        await redis.zadd(delayed_set, {member_json: time.time()})
        await wait_for(lambda: message_deleted(c, spam), timeout=20)
        codes = [call["error_code"] for call in await c.calls("deleteMessage") if call.get("message_id") == spam]
        assert codes == [429, None]
        await wait_for(lambda: idle(queue), timeout=10)
        assert (await queue.backlog()).dead_letters == 0
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), timeout=20)
        async for key in redis.scan_iter(match=f"{prefix}:*", count=500):
            await redis.delete(key)
        await redis.aclose()


@pytest.mark.parametrize("stack", [JUDGE_ALL], indirect=True)
async def test_a_telegram_outage_longer_than_the_attempt_budget_still_ends_in_the_deletion(stack):
    """15 answers of 502 in a row: more than JOB_MAX_ATTEMPTS (5) attempts' worth, each of which
    the session retries twice. Before, the job was dead-lettered and the spam stayed."""
    c = stack.control
    await c.llm_script(contains="outagecoin", verdict=SPAM_VERDICT)
    await c.fault("deleteMessage", 502, times=15)
    spam = await c.post("outagecoin presale, 100x", user=BOB)
    await wait_for(lambda: message_deleted(c, spam), timeout=90, interval=0.2)
    codes = [x["error_code"] for x in await c.calls("deleteMessage") if x.get("message_id") == spam]
    assert codes == [502] * 15 + [None]
    assert (await stack.app.queue.backlog()).dead_letters == 0
    record = await wait_for(lambda: audit_of(stack.app.audit, spam), timeout=10)
    assert record["removal"] == "deleted"


# --- notices ------------------------------------------------------------------------------
@pytest.mark.parametrize("stack", [JUDGE_ALL], indirect=True)
async def test_a_notice_that_meets_a_429_storm_is_still_sent(stack):
    c = stack.control
    await c.llm_script(contains="stormcoin", verdict=SPAM_VERDICT)
    # More 429s in a row than the session middleware waits out inline.
    await c.fault("sendMessage", 429, times=8, retry_after=1)
    spam = await c.post("stormcoin airdrop, claim today", user=BOB)
    await wait_for(lambda: message_deleted(c, spam), timeout=15)

    async def notice() -> list:
        return [m for m in await c.bot_messages() if "Bob" in m["text"]]

    sent = await wait_for(notice, timeout=40)
    assert len(sent) == 1
    statuses = [call["error_code"] for call in await c.calls("sendMessage")]
    assert statuses.count(429) == 8 and statuses[-1] is None


@pytest.mark.parametrize("stack", [{**JUDGE_ALL, "worker_concurrency": 2}], indirect=True)
async def test_deleting_never_waits_for_a_busy_groups_notice_budget(stack):
    """40 violations in one group; its notice budget is 20 a minute, so 20 notices must wait a
    minute. Before, a waiting notice held a worker slot and the deletions queued behind the
    notices: the last spam went only when nearly every notice had been sent (about a minute
    here). Now the notices wait in their own queue and the spam goes at once."""
    c = stack.control
    await c.llm_script(contains="floodcoin", verdict=SPAM_VERDICT)
    spam = [await c.post(f"floodcoin offer number {n}, dm me", user=member(n)) for n in range(40)]

    async def all_deleted() -> bool:
        messages = {m["message_id"]: m for m in await c.messages()}
        return all(messages[i]["deleted_at"] for i in spam)

    await wait_for(all_deleted, timeout=60)
    sent = [m for m in await c.bot_messages() if "Raider" in m["text"]]
    assert 40 - len(sent) >= 10, f"the last spam went only after {len(sent)} of 40 notices: deleting waited for them"
    # Once every job is acknowledged, its notice is queued: the ones not sent yet wait, durably.
    await wait_for(lambda: idle(stack.app.queue), timeout=15)
    stats = await stack.app.notice_queue.backlog()
    sent = [m for m in await c.bot_messages() if "Raider" in m["text"]]
    assert stats.delayed + stats.length >= 40 - len(sent), "every notice not yet sent waits in the notice queue"
    assert (await stack.app.queue.backlog()).dead_letters == 0


# --- lost rights, expired window ----------------------------------------------------------
@pytest.mark.parametrize("stack", [JUDGE_ALL], indirect=True)
async def test_a_lost_delete_right_is_audited_as_such_and_the_admins_are_told(stack):
    c = stack.control
    await c.llm_script(contains="rightcoin", verdict=SPAM_VERDICT)
    # An admin takes the bot's right to delete messages away.
    await c.set_member(GROUP, c.bot_id, "administrator", rights={"can_delete_messages": False})
    spam = await c.post("rightcoin presale, join now", user=BOB)

    async def hint() -> list:
        return [m for m in await c.bot_messages() if "right to delete" in m["text"]]

    [told] = await wait_for(hint, timeout=15)
    assert "Bob" in told["text"] and "rightcoin" not in told["text"], "the spam is named, not repeated"
    record = await wait_for(lambda: audit_of(stack.app.audit, spam), timeout=10)
    assert record["removal"] == "no_rights" and "delete:" not in record["actions"]
    assert "can't be deleted" in record["errors"]
    assert not await message_deleted(c, spam)
    warned = [m for m in await c.bot_messages() if "Bob" in m["text"] and m["message_id"] != told["message_id"]]
    assert warned == [], "nobody is warned for a removal that did not happen"
    stats = await stack.app.dispatcher["reputation"].stats(GROUP, BOB["id"])
    assert stats.violations == () and stats.last_violation_at is None, "no violation counted for it"


@pytest.mark.parametrize("stack", [JUDGE_ALL], indirect=True)
async def test_a_message_past_the_48_hour_window_is_audited_as_expired(stack):
    c = stack.control
    await c.llm_script(contains="oldcoin", verdict=SPAM_VERDICT)
    await c.llm_config(judge_delay=1.0)
    spam = await c.post("oldcoin giveaway, write me", user=ALICE)
    # The verdict arrives when the message is already 49 hours old (a backlog after an outage).
    await c.advance_clock(49 * 3600)

    async def hint() -> list:
        return [m for m in await c.bot_messages() if "48 hours" in m["text"]]

    [told] = await wait_for(hint, timeout=15)
    assert "Alice" in told["text"]
    record = await wait_for(lambda: audit_of(stack.app.audit, spam), timeout=10)
    assert record["removal"] == "expired" and "delete:" not in record["actions"]
    warned = [m for m in await c.bot_messages() if "Alice" in m["text"] and m["message_id"] != told["message_id"]]
    assert warned == []


# --- exactly one enforcement --------------------------------------------------------------
async def test_a_raid_of_rule_certain_spam_is_deleted_once_per_message(stack):
    c = stack.control
    spam = [await c.post(RAID_TEXT.format(n=n), user=member(n)) for n in range(60)]

    async def all_deleted() -> bool:
        messages = {m["message_id"]: m for m in await c.messages()}
        return all(messages[i]["deleted_at"] for i in spam)

    await wait_for(all_deleted, timeout=30)
    # Every job was finished too (the worker's copy of each inline action included).
    await wait_for(lambda: idle(stack.app.queue), timeout=30)
    counts = await delete_calls(c)
    doubles = {i: counts.get(i, 0) for i in spam if counts.get(i, 0) != 1}
    assert doubles == {}, f"{len(doubles)} messages were not deleted by exactly one call"
    records = [await audit_of(stack.app.audit, i) for i in spam]
    assert all(r is not None and r["removal"] == "deleted" for r in records)
    assert any("t_inline" in r for r in records), "the gateway's inline tier acted (the race is exercised)"


@pytest.mark.parametrize("stack", [{**JUDGE_ALL, "action_claim_lease": 2.0}], indirect=True)
async def test_a_claim_left_by_a_killed_process_delays_the_action_until_its_lease_ends(stack):
    """What kill -9 between claim and act leaves behind is a claim with nothing done: the worker
    must wait for its lease to end (no second actor while it might still act) and then act."""
    c = stack.control
    await c.llm_script(contains="leasecoin", verdict=SPAM_VERDICT)
    next_id = max(m["message_id"] for m in await c.messages()) + 1
    claim = stack.app.keys.action_claim(GROUP, next_id, 0)
    await stack.app.redis.client.set(claim, "a-process-that-died", px=2000)
    claimed_at = await c.now()
    spam = await c.post("leasecoin presale, 100x", user=BOB)
    assert spam == next_id
    await wait_for(lambda: message_deleted(c, spam), timeout=15)
    [call] = [x for x in await c.calls("deleteMessage") if x["ok"] and x.get("message_id") == spam]
    assert call["at"] >= claimed_at + 1.9, "nobody acted while the dead holder's lease ran"
    await wait_for(lambda: idle(stack.app.queue), timeout=10)
    assert (await delete_calls(c)).get(spam) == 1
