"""The worker on a real Redis: ack after success, retries, dead letters, reclaim, bounded
concurrency, shutdown that drains and leaves the rest for the next start."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from luka_bot.jobs import Job, JobQueue, Retry, Worker
from luka_bot.metrics import Metrics
from tests.helpers import wait_for

WAIT_S = 10.0  # upper bound for a condition to become true; never a speed assertion


async def eventually(condition: Callable[[], Awaitable[bool] | bool], what: str) -> None:
    try:
        await wait_for(condition, timeout=WAIT_S, interval=0.01)
    except AssertionError:
        raise AssertionError(f"never happened: {what}") from None


def fast_worker(queue: JobQueue, handler, **overrides) -> Worker:
    options = dict(
        consumer="w1",
        concurrency=4,
        block_ms=50,
        reclaim_idle_ms=60_000,
        retry_base_s=0.01,
        retry_max_s=0.05,
        stats_interval_s=0.05,
    )
    options.update(overrides)
    return Worker(queue, handler, **options)


@pytest.fixture
async def queue(any_redis, keys) -> JobQueue:
    queue = JobQueue(any_redis, keys, max_attempts=3)
    await queue.ensure_group()
    return queue


@pytest.fixture
async def start(queue) -> AsyncIterator[Callable[..., Worker]]:
    """Starts workers on the test's queue; any still running at the end is stopped before the
    Redis fixture cleans up, so a failed test leaves nothing behind."""
    running: dict[Worker, asyncio.Task[None]] = {}

    def start_worker(handler, **overrides) -> Worker:
        worker = fast_worker(queue, handler, **overrides)
        running[worker] = asyncio.create_task(worker.run())
        return worker

    start_worker.running = running  # type: ignore[attr-defined]
    yield start_worker
    for worker, task in running.items():
        if not task.done():
            await worker.stop(0)
        await asyncio.wait_for(task, WAIT_S)


async def stopped(start, worker: Worker, deadline: float = 5.0) -> None:
    await worker.stop(deadline)
    await asyncio.wait_for(start.running[worker], WAIT_S)


async def test_a_job_is_acknowledged_only_after_its_handler_finished(queue, start):
    release = asyncio.Event()
    started = asyncio.Event()

    async def handler(job: Job) -> None:
        started.set()
        await release.wait()

    worker = start(handler)
    await queue.enqueue({"n": "1"})
    await asyncio.wait_for(started.wait(), WAIT_S)
    stats = await queue.backlog()
    assert (stats.length, stats.pending) == (1, 1)
    release.set()
    await eventually(lambda: _is_empty(queue), "the job acknowledged")
    await stopped(start, worker)


async def _is_empty(queue: JobQueue) -> bool:
    stats = await queue.backlog()
    return stats.length == 0 and stats.pending == 0


async def test_a_failing_job_is_retried_then_dead_lettered_with_its_error(queue, start):
    attempts: list[int] = []
    metrics = Metrics()

    async def handler(job: Job) -> None:
        attempts.append(job.attempt)
        raise ValueError("classifier exploded")

    worker = start(handler, metrics=metrics)
    await queue.enqueue({"chat_id": "-100", "message_id": "9"})
    await eventually(lambda: _dead_letters(queue, 1), "the job dead-lettered")
    assert attempts == [1, 2, 3]
    [letter] = await queue.dead_letters()
    assert "classifier exploded" in letter["error"] and letter["attempts"] == "3"
    assert letter["message_id"] == "9"
    stats = await queue.backlog()
    assert (stats.length, stats.pending, stats.dead_letters) == (0, 0, 1)
    await eventually(
        lambda: metrics.registry.get_sample_value("luka_jobs_dead_letter") == 1, "dead letters shown in metrics"
    )
    sample = metrics.registry.get_sample_value
    assert sample("luka_jobs_done_total", {"outcome": "retry"}) == 2
    await eventually(lambda: sample("luka_jobs_done_total", {"outcome": "dead_letter"}) == 1, "dead letter counted")
    await stopped(start, worker)


async def _dead_letters(queue: JobQueue, count: int) -> bool:
    return (await queue.backlog()).dead_letters >= count


async def test_a_handler_can_ask_for_a_retry_and_then_succeed(queue, start):
    attempts: list[int] = []
    metrics = Metrics()

    async def handler(job: Job) -> None:
        attempts.append(job.attempt)
        if job.attempt == 1:
            raise Retry(defer=0.05, reason="llm rate limited")

    worker = start(handler, metrics=metrics)
    await queue.enqueue({"n": "1"})
    await eventually(lambda: attempts == [1, 2], "the retry")
    await eventually(lambda: _is_empty(queue), "the retried job acknowledged")
    await eventually(
        lambda: metrics.registry.get_sample_value("luka_jobs_done_total", {"outcome": "done"}) == 1,
        "the job counted as done",
    )
    assert (await queue.backlog()).dead_letters == 0
    await stopped(start, worker)


async def test_jobs_of_a_crashed_consumer_are_reclaimed_by_another(queue, start):
    await queue.enqueue({"n": "1"})
    [lost] = await queue.read("crashed", count=1, block_ms=0)  # read, then the process died
    handled: list[Job] = []

    async def handler(job: Job) -> None:
        handled.append(job)

    worker = start(handler, consumer="survivor", reclaim_idle_ms=100)
    await eventually(lambda: _is_empty(queue), "the lost job finished")
    assert [(j.id, j.attempt) for j in handled] == [(lost.id, 2)]
    await stopped(start, worker)


async def test_a_job_that_keeps_killing_its_worker_ends_as_a_dead_letter_without_running(queue, start):
    await queue.enqueue({"n": "poison"})
    await queue.read("crashed", count=1, block_ms=0)
    for _ in range(2):  # two more deliveries that never finished: three in all
        await queue.reclaim("crashed", min_idle_ms=0, count=1)
    handled: list[Job] = []

    async def handler(job: Job) -> None:
        handled.append(job)

    worker = start(handler, consumer="survivor", reclaim_idle_ms=100)
    await eventually(lambda: _dead_letters(queue, 1), "the poison job dead-lettered")
    assert handled == []
    [letter] = await queue.dead_letters()
    assert letter["n"] == "poison" and letter["attempts"] == "4"
    await stopped(start, worker)


async def test_no_more_jobs_run_at_once_than_the_concurrency_bound(queue, start):
    bound = 3
    running = 0
    most = 0
    release = asyncio.Event()
    metrics = Metrics()

    async def handler(job: Job) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        try:
            await release.wait()
        finally:
            running -= 1

    for n in range(20):
        await queue.enqueue({"n": str(n)})
    worker = start(handler, concurrency=bound, metrics=metrics)
    await eventually(lambda: running == bound, "the slots filled")
    # Two more turns of the worker's loop with every slot taken (each turn could have read ahead):
    # the event that proves the decision not to read was made, not a fixed sleep.
    for _ in range(2):
        beat = worker.last_beat
        await eventually(lambda b=beat: worker.last_beat > b, "the worker's loop turned again")
    stats = await queue.backlog()
    assert (running, most) == (bound, bound)
    assert metrics.registry.get_sample_value("luka_jobs_in_flight") == bound
    assert (stats.pending, stats.undelivered) == (bound, 20 - bound)  # it did not read ahead
    release.set()
    await eventually(lambda: _is_empty(queue), "all jobs finished")
    await eventually(
        lambda: metrics.registry.get_sample_value("luka_jobs_done_total", {"outcome": "done"}) == 20,
        "every job counted as done",
    )
    assert most == bound
    await stopped(start, worker)


async def test_stop_drains_quick_jobs_and_leaves_slow_ones_for_the_next_start(queue, start):
    runs: collections.Counter[str] = collections.Counter()
    finished: collections.Counter[str] = collections.Counter()
    both_started = asyncio.Event()
    quick_may_finish = asyncio.Event()

    async def first_life(job: Job) -> None:
        name = job.fields["name"]
        runs[name] += 1
        if runs["quick"] and runs["slow"]:
            both_started.set()
        if name == "slow":
            await asyncio.Event().wait()  # outlives any shutdown deadline
        await quick_may_finish.wait()
        finished[name] += 1

    await queue.enqueue({"name": "quick"})
    await queue.enqueue({"name": "slow"})
    worker = start(first_life, consumer="bot-1")
    await asyncio.wait_for(both_started.wait(), WAIT_S)

    stopping = asyncio.create_task(worker.stop(deadline=0.5))
    await asyncio.sleep(0)
    await queue.enqueue({"name": "arrived-during-shutdown"})
    quick_may_finish.set()
    await stopping
    await asyncio.wait_for(start.running[worker], WAIT_S)

    assert finished == {"quick": 1}
    stats = await queue.backlog()
    assert (stats.pending, stats.undelivered) == (1, 1)  # slow left pending, new one untouched

    # The next start, same consumer name, picks up what it left at once (no reclaim delay).
    second_runs: list[tuple[str, int]] = []

    async def second_life(job: Job) -> None:
        second_runs.append((job.fields["name"], job.attempt))

    restarted = start(second_life, consumer="bot-1", reclaim_idle_ms=600_000)
    await eventually(lambda: _is_empty(queue), "the restarted worker finished the backlog")
    assert sorted(second_runs) == [("arrived-during-shutdown", 1), ("slow", 2)]
    await stopped(start, restarted)


async def test_two_workers_on_one_stream_handle_each_job_exactly_once(queue, start):
    handled: collections.Counter[str] = collections.Counter()
    active: set[str] = set()
    overlaps: list[str] = []

    def handler_for(name: str):
        async def handler(job: Job) -> None:
            if job.id in active:
                overlaps.append(job.id)
            active.add(job.id)
            await asyncio.sleep(0)
            handled[job.fields["n"]] += 1
            active.discard(job.id)

        return handler

    workers = [start(handler_for(name), consumer=name) for name in ("a", "b")]
    for n in range(200):
        await queue.enqueue({"n": str(n)})
    await eventually(lambda: _is_empty(queue), "all jobs finished")
    assert handled == {str(n): 1 for n in range(200)}
    assert overlaps == []
    for worker in workers:
        await stopped(start, worker)


async def test_stop_of_an_idle_worker_returns_promptly(queue, start):
    async def handler(job: Job) -> None:
        raise AssertionError("no job was enqueued")

    worker = start(handler, block_ms=60_000)
    await asyncio.sleep(0.1)
    await stopped(start, worker)
    assert start.running[worker].exception() is None


async def test_jobs_enqueued_by_intake_reach_the_handler(queue, start, keys):
    seen: list[dict[str, str]] = []

    async def handler(job: Job) -> None:
        seen.append(job.fields)

    worker = start(handler)
    for update_id in (1, 1, 2):  # update 1 delivered twice
        await queue.take_in(
            update_id=update_id,
            record_key=keys.message(-1, update_id),
            record={"text": "x"},
            record_ttl=60,
            job={"update": str(update_id)},
        )
    await eventually(lambda: len(seen) == 2, "both updates judged")
    await eventually(lambda: _is_empty(queue), "all acknowledged")
    assert sorted(s["update"] for s in seen) == ["1", "2"]
    await stopped(start, worker)


async def test_a_job_slower_than_the_reclaim_idle_time_is_not_run_twice(queue, start):
    runs: collections.Counter[str] = collections.Counter()
    slow_started = asyncio.Event()

    async def slow(job: Job) -> None:
        runs[job.id] += 1
        slow_started.set()
        await asyncio.sleep(1.0)  # five times the reclaim idle time below

    async def eager(job: Job) -> None:
        runs[job.id] += 1

    await queue.enqueue({"n": "1"})
    start(slow, consumer="slow", reclaim_idle_ms=200)
    await asyncio.wait_for(slow_started.wait(), WAIT_S)
    start(eager, consumer="eager", reclaim_idle_ms=200)  # reclaims anything idle for 200 ms
    await eventually(lambda: _is_empty(queue), "the slow job finished")
    assert list(runs.values()) == [1]


async def test_extend_lease_leaves_a_job_another_consumer_took_over(queue, any_redis, keys):
    await queue.enqueue({"n": "1"})
    [job] = await queue.read("c1", count=1, block_ms=0)
    assert await queue.extend_lease("c1", [job.id]) == 1
    await queue.reclaim("c2", min_idle_ms=0, count=1)
    assert await queue.extend_lease("c1", [job.id]) == 0
    [pending] = await any_redis.xpending_range(keys.jobs, keys.jobs_group, "-", "+", 10)
    assert (pending["consumer"], pending["times_delivered"]) == ("c2", 2)


class FlakyQueue(JobQueue):
    """A queue whose first reads fail as if Redis went away."""

    failures_left = 2

    async def read(self, consumer: str, count: int, block_ms: int) -> list[Job]:
        if self.failures_left:
            self.failures_left -= 1
            raise RedisConnectionError("Connection closed by server.")
        return await super().read(consumer, count, block_ms)


async def test_a_redis_outage_does_not_end_the_worker(any_redis, keys):
    queue = FlakyQueue(any_redis, keys)
    handled: list[str] = []

    async def handler(job: Job) -> None:
        handled.append(job.fields["n"])

    await queue.enqueue({"n": "1"})
    worker = fast_worker(queue, handler)
    runner = asyncio.create_task(worker.run())
    try:
        await eventually(lambda: handled == ["1"], "the job handled once Redis answered again")
        assert queue.failures_left == 0
    finally:
        await worker.stop(1)
        await asyncio.wait_for(runner, WAIT_S)


async def test_deferrals_that_do_not_count_never_use_up_the_attempt_budget(queue, start):
    """A Telegram 429 storm must postpone a deletion, not dead-letter it: 3 attempts allowed,
    the job is deferred 6 times without counting and then succeeds."""
    runs: list[int] = []

    async def handler(job: Job) -> None:
        runs.append(job.attempt)
        if len(runs) <= 6:
            raise Retry(defer=0.02, reason="telegram 429, retry_after", counts=False)

    start(handler, promote_interval_s=0.01)
    await queue.enqueue({"n": "1"})
    await eventually(lambda: len(runs) == 7, "the job ran once more after six deferrals")
    await eventually(lambda: _idle(queue), "the job was acknowledged")
    stats = await queue.backlog()
    assert stats.dead_letters == 0 and stats.delayed == 0
    assert runs == [1] * 7, "a deferral that does not count leaves the attempt number alone"


async def test_counted_retries_still_end_as_a_dead_letter(queue, start):
    async def handler(job: Job) -> None:
        raise Retry(defer=0.01, reason="bad answer", counts=True)

    start(handler, promote_interval_s=0.01)
    await queue.enqueue({"n": "1"})
    await eventually(lambda: _dead(queue, 1), "the job was dead-lettered")
    [letter] = await queue.dead_letters()
    assert letter["attempts"] == "3" and "bad answer" in letter["error"]


async def test_a_job_deferred_past_the_max_defer_age_is_dead_lettered_not_dropped(queue, start):
    async def handler(job: Job) -> None:
        raise Retry(defer=0.05, reason="still rate limited", counts=False)

    start(handler, promote_interval_s=0.01, max_defer_age_s=0.3)
    await queue.enqueue({"n": "1"})
    await eventually(lambda: _dead(queue, 1), "the job was dead-lettered once too old")
    [letter] = await queue.dead_letters()
    assert "max defer age" in letter["error"] and letter["n"] == "1"


async def test_a_deferral_survives_the_worker_dying_and_is_not_run_early(queue, start):
    """The deferral lives in Redis: a worker killed while a job waits (its task cancelled without
    stop(), as kill -9 would leave it) loses nothing, and the next worker runs the job once due."""
    ran_at: list[float] = []
    deferred_until: list[float] = []

    async def first(job: Job) -> None:
        deferred_until.append(time.time() + 1.0)
        raise Retry(defer=1.0, reason="retry_after 1", counts=False)

    worker = start(first, promote_interval_s=0.01)
    await queue.enqueue({"n": "1"})
    await eventually(lambda: _delayed(queue, 1), "the job sits in the delayed set")
    task = start.running.pop(worker)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task

    async def second(job: Job) -> None:
        ran_at.append(time.time())

    # A killed worker's last blocking read can still be open at the server and take the job once it
    # is promoted (into the dead consumer's pending list); production takes such jobs back after
    # JOB_RECLAIM_IDLE, and so does this worker, sooner.
    start(second, consumer="w2", promote_interval_s=0.01, reclaim_idle_ms=300)
    await eventually(lambda: len(ran_at) == 1, "the restarted worker ran the deferred job")
    assert ran_at[0] >= deferred_until[0] - 0.05, "not before its time"
    await eventually(lambda: _idle(queue), "and acknowledged it")


async def _idle(queue: JobQueue) -> bool:
    stats = await queue.backlog()
    return stats.length == 0 and stats.pending == 0 and stats.delayed == 0


async def _dead(queue: JobQueue, count: int) -> bool:
    return (await queue.backlog()).dead_letters >= count


async def _delayed(queue: JobQueue, count: int) -> bool:
    return (await queue.backlog()).delayed >= count
