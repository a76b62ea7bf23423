"""The queue on a real Redis: intake in one round trip, duplicates, ack, reclaim, dead letters."""

from __future__ import annotations

import redis.asyncio.connection as aioconnection

from luka_bot.jobs import Job, JobQueue
from luka_bot.store.keys import MESSAGE_TTL, UPDATE_DEDUPE_TTL


def _intake_args(keys, update_id=1, text="hello", message_id=10, revision=0):
    return dict(
        update_id=update_id,
        record_key=keys.message(-100, message_id),
        record={"text": text, "user_id": "7", "revision": str(revision)},
        record_ttl=MESSAGE_TTL,
        job={"chat_id": "-100", "message_id": str(message_id), "revision": str(revision)},
    )


async def test_intake_records_the_message_and_enqueues_its_job_in_one_round_trip(any_redis, keys, monkeypatch):
    queue = JobQueue(any_redis, keys)
    await queue.ensure_group()
    sends = []
    original_send = aioconnection.AbstractConnection.send_packed_command

    async def counting_send(self, command, check_health=True):
        sends.append(command)
        return await original_send(self, command, check_health)

    monkeypatch.setattr(aioconnection.AbstractConnection, "send_packed_command", counting_send)
    result = await queue.take_in(**_intake_args(keys))
    monkeypatch.undo()

    assert len(sends) == 1
    assert not result.duplicate and result.job_id
    assert await any_redis.hgetall(keys.message(-100, 10)) == {"text": "hello", "user_id": "7", "revision": "0"}
    assert 0 < await any_redis.ttl(keys.message(-100, 10)) <= MESSAGE_TTL
    assert 0 < await any_redis.ttl(keys.update_seen(1)) <= UPDATE_DEDUPE_TTL
    entries = await any_redis.xrange(keys.jobs)
    assert entries == [(result.job_id, {"chat_id": "-100", "message_id": "10", "revision": "0"})]


async def test_intake_joins_the_callers_own_pipeline(any_redis, keys):
    queue = JobQueue(any_redis, keys)
    async with any_redis.pipeline(transaction=True) as pipe:
        pipe.sadd(keys.groups, "-100")
        slot = queue.intake(pipe, **_intake_args(keys))
        pipe.scard(keys.groups)
        results = await pipe.execute()
    outcome = slot.read(results)
    assert not outcome.duplicate
    assert results[-1] == 1
    assert await any_redis.xlen(keys.jobs) == 1


async def test_a_duplicate_update_neither_rewrites_the_record_nor_enqueues_a_second_job(any_redis, keys):
    queue = JobQueue(any_redis, keys)
    first = await queue.take_in(**_intake_args(keys, text="original"))
    again = await queue.take_in(**_intake_args(keys, text="replayed"))
    assert not first.duplicate
    assert again.duplicate and again.job_id is None
    assert await any_redis.xlen(keys.jobs) == 1
    assert await any_redis.hget(keys.message(-100, 10), "text") == "original"


async def test_a_new_update_for_the_same_message_is_a_new_job(any_redis, keys):
    # An edit arrives as a new update id, which is its revision: it must be judged again.
    queue = JobQueue(any_redis, keys)
    await queue.take_in(**_intake_args(keys, update_id=1, text="v1"))
    edited = await queue.take_in(**_intake_args(keys, update_id=2, text="v2", revision=2))
    assert not edited.duplicate
    assert await any_redis.xlen(keys.jobs) == 2
    assert await any_redis.hget(keys.message(-100, 10), "text") == "v2"


async def test_a_late_duplicate_of_an_older_revision_does_not_put_back_the_old_text(any_redis, keys):
    # On a cluster the record and the job are written by two scripts; each must be safe to repeat.
    queue = JobQueue(any_redis, keys)
    await queue.take_in(**_intake_args(keys, update_id=1, text="v1"))
    await queue.take_in(**_intake_args(keys, update_id=2, text="v2", revision=2))
    again = await queue.take_in(**_intake_args(keys, update_id=1, text="v1"))
    assert again.duplicate
    assert await any_redis.hget(keys.message(-100, 10), "text") == "v2"


async def test_a_job_stays_pending_until_acknowledged_and_then_leaves_the_stream(any_redis, keys):
    queue = JobQueue(any_redis, keys)
    await queue.ensure_group()
    await queue.enqueue({"n": "1"})
    [job] = await queue.read("c1", count=10, block_ms=0)
    assert job.attempt == 1 and job.fields == {"n": "1"}
    stats = await queue.backlog()
    assert (stats.length, stats.pending, stats.undelivered) == (1, 1, 0)
    await queue.ack(job)
    stats = await queue.backlog()
    assert (stats.length, stats.pending, stats.undelivered) == (0, 0, 0)


async def test_backlog_counts_undelivered_jobs(any_redis, keys):
    queue = JobQueue(any_redis, keys)
    await queue.ensure_group()
    for n in range(5):
        await queue.enqueue({"n": str(n)})
    await queue.read("c1", count=2, block_ms=0)
    stats = await queue.backlog()
    assert (stats.length, stats.pending, stats.undelivered, stats.dead_letters) == (5, 2, 3, 0)


async def test_backlog_of_a_queue_never_used_is_empty(any_redis, keys):
    stats = await JobQueue(any_redis, keys).backlog()
    assert (stats.length, stats.pending, stats.undelivered, stats.dead_letters) == (0, 0, 0, 0)


async def test_ensure_group_twice_is_harmless(any_redis, keys):
    queue = JobQueue(any_redis, keys)
    await queue.ensure_group()
    await queue.ensure_group()
    assert len(await any_redis.xinfo_groups(keys.jobs)) == 1


async def test_reclaim_takes_jobs_of_a_silent_consumer_and_counts_the_attempt(any_redis, keys):
    queue = JobQueue(any_redis, keys)
    await queue.ensure_group()
    await queue.enqueue({"n": "1"})
    [taken] = await queue.read("dead", count=1, block_ms=0)
    assert await queue.reclaim("alive", min_idle_ms=60_000, count=10) == []  # not idle long enough
    [reclaimed] = await queue.reclaim("alive", min_idle_ms=0, count=10)
    assert reclaimed == Job(taken.id, {"n": "1"}, attempt=2)
    [pending] = await any_redis.xpending_range(keys.jobs, keys.jobs_group, "-", "+", 10)
    assert pending["consumer"] == "alive"


async def test_a_restarted_consumer_reads_its_own_pending_jobs_again(any_redis, keys):
    queue = JobQueue(any_redis, keys)
    await queue.ensure_group()
    for n in range(3):
        await queue.enqueue({"n": str(n)})
    await queue.read("c1", count=3, block_ms=0)
    first, cursor = await queue.read_own_pending("c1", count=2)
    assert [j.fields["n"] for j in first] == ["0", "1"] and all(j.attempt == 2 for j in first)
    rest, cursor = await queue.read_own_pending("c1", count=2, after=cursor)
    assert [j.fields["n"] for j in rest] == ["2"] and cursor is None
    assert await queue.read_own_pending("other", count=2) == ([], None)


async def test_dead_letter_keeps_the_job_with_its_error_and_acknowledges_it(any_redis, keys):
    queue = JobQueue(any_redis, keys)
    await queue.ensure_group()
    await queue.enqueue({"chat_id": "-100", "message_id": "5"})
    [job] = await queue.read("c1", count=1, block_ms=0)
    await queue.dead_letter(job, "ValueError('bad')")
    [letter] = await queue.dead_letters()
    assert letter["chat_id"] == "-100" and letter["message_id"] == "5"
    assert letter["error"] == "ValueError('bad')" and letter["attempts"] == "1" and letter["job_id"] == job.id
    stats = await queue.backlog()
    assert (stats.length, stats.pending, stats.dead_letters) == (0, 0, 1)


async def test_claim_for_retry_does_not_take_a_job_another_consumer_just_reclaimed(any_redis, keys):
    queue = JobQueue(any_redis, keys)
    await queue.ensure_group()
    await queue.enqueue({"n": "1"})
    [job] = await queue.read("c1", count=1, block_ms=0)
    await queue.reclaim("c2", min_idle_ms=0, count=1)
    assert await queue.claim_for_retry("c1", job, min_idle_ms=60_000) is None
    [pending] = await any_redis.xpending_range(keys.jobs, keys.jobs_group, "-", "+", 10)
    assert pending["consumer"] == "c2"


async def test_a_deferred_job_leaves_the_stream_and_returns_when_due_with_its_history(any_redis, keys):
    queue = JobQueue(any_redis, keys, max_attempts=3)
    await queue.ensure_group()
    await queue.enqueue({"n": "1"})
    [job] = await queue.read("c1", 10, 10)
    due = await queue.defer(job, 60, counts=False, update={"slot": "42", "_attempts": "99"}, now=1000.0)
    assert due == 1060.0
    stats = await queue.backlog()
    assert (stats.length, stats.pending, stats.delayed) == (0, 0, 1), "acked and parked in one step"
    assert await queue.promote_due(now=1059.0) == 0, "not before its time"
    assert await queue.promote_due(now=1060.0) == 1
    [again] = await queue.read("c1", 10, 10)
    assert again.fields["n"] == "1" and again.fields["slot"] == "42"
    assert again.attempt == 1, "a deferral that does not count leaves the attempt number alone"
    assert again.deferrals == 1 and again.since == job.since
    await queue.defer(again, 0, counts=True, now=2000.0)
    await queue.promote_due(now=2000.0)
    [third] = await queue.read("c1", 10, 10)
    assert third.attempt == 2 and third.deferrals == 2, "a counted deferral is a failed attempt"


async def test_enqueue_once_enqueues_a_job_only_the_first_time(any_redis, keys):
    queue = JobQueue(any_redis, keys, names=keys.notice_queue)
    await queue.ensure_group()
    marker = f"{keys.prefix}:progress:1:2:0"
    assert await queue.enqueue_once(marker, "queued:member", 60, {"kind": "member"}) is True
    assert await queue.enqueue_once(marker, "queued:member", 60, {"kind": "member"}) is False
    assert await queue.enqueue_once(marker, "queued:log", 60, {"kind": "log"}) is True
    assert (await queue.backlog()).length == 2
    assert await any_redis.xlen(keys.jobs) == 0, "the notice stream is not the moderation stream"
