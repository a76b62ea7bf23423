"""The moderation job stream split into partitions by chat, so a Redis Cluster spreads the work.

Each partition is a whole `JobQueue` (stream, consumer group, delayed set, dead letters and the
intake's update markers) under one hash tag, `{j<n>}`: every script and MULTI of a partition
touches one cluster slot, and different partitions land on different nodes. A chat always maps
to the same partition, so its jobs stay in one stream in the order they were taken in, exactly
as with a single stream. Every worker process runs one loop per partition (`PartitionedWorker`),
so all workers share all partitions through the partitions' consumer groups; pending reclaim,
retries and deferrals are each partition's own, unchanged.

With JOB_PARTITIONS=1 there is one partition and everything behaves as a single queue.
"""

from __future__ import annotations

import asyncio
import heapq
import json
import math
import zlib
from collections.abc import Callable, Mapping
from typing import Any

import redis.asyncio as aioredis
import structlog

from luka_bot.jobs.queue import JobQueue, QueueStats
from luka_bot.jobs.worker import Worker
from luka_bot.store.keys import Keys, QueueNames
from luka_bot.store.redis import fields_to_store, stream_entries

log = structlog.get_logger(__name__)


def partition_of(chat_id: int, partitions: int) -> int:
    """The partition of a chat: stable across processes and restarts (not Python's salted hash)."""
    return zlib.crc32(str(chat_id).encode()) % partitions


class PartitionedQueue:
    """The moderation queue as N `JobQueue` partitions, routed by chat id."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, partitions: int = 1, *, max_attempts: int = 5) -> None:
        if partitions < 1:
            raise ValueError("JOB_PARTITIONS must be at least 1")
        self._keys = keys
        self.partitions = [
            JobQueue(redis, keys, max_attempts=max_attempts, names=keys.job_partition(n)) for n in range(partitions)
        ]

    @property
    def keys(self) -> Keys:
        return self._keys

    def for_chat(self, chat_id: int) -> JobQueue:
        return self.partitions[partition_of(chat_id, len(self.partitions))]

    async def ensure_group(self) -> None:
        for queue in self.partitions:
            await queue.ensure_group()

    async def backlog(self) -> QueueStats:
        stats = [await queue.backlog() for queue in self.partitions]
        return QueueStats(
            length=sum(s.length for s in stats),
            pending=sum(s.pending for s in stats),
            undelivered=sum(s.undelivered for s in stats),
            dead_letters=sum(s.dead_letters for s in stats),
            delayed=sum(s.delayed for s in stats),
        )

    async def dead_letters(self, count: int = 100) -> list[dict[str, str]]:
        """The most recent dead letters of all partitions, newest first."""
        per_partition = [await queue.dead_letters(count) for queue in self.partitions]
        merged = heapq.merge(*per_partition, key=lambda entry: _entry_key(entry["id"]), reverse=True)
        return list(merged)[:count]

    async def delayed(self, count: int = 100) -> list[tuple[float, dict[str, str]]]:
        """The deferred jobs of all partitions that are due first."""
        per_partition = [await queue.delayed(count) for queue in self.partitions]
        return list(heapq.merge(*per_partition, key=lambda entry: entry[0]))[:count]


def _entry_key(entry_id: str) -> tuple[int, int]:
    millis, _, seq = entry_id.partition("-")
    try:
        return int(millis), int(seq or 0)
    except ValueError:
        return 0, 0


class PartitionedWorker:
    """One `Worker` loop per partition in this process, started and stopped together.

    The process's concurrency is shared out: each partition's loop runs at most
    ceil(concurrency / partitions) jobs at once."""

    def __init__(self, queue: PartitionedQueue, make_worker: Callable[[JobQueue, int], Worker], concurrency: int):
        share = max(1, math.ceil(concurrency / len(queue.partitions)))
        self.workers = [make_worker(partition, share) for partition in queue.partitions]

    @property
    def consumer(self) -> str:
        return self.workers[0].consumer

    @property
    def in_flight(self) -> int:
        return sum(worker.in_flight for worker in self.workers)

    @property
    def last_beat(self) -> float:
        """The stalest loop's last turn: health is only as good as the worst partition."""
        return min(worker.last_beat for worker in self.workers)

    async def run(self) -> None:
        """Run every partition's loop; ends when they all end (stop()). A loop that ends by an
        error ends the others too, so the app sees the worker gone (health, restart)."""
        tasks = [asyncio.create_task(worker.run(), name=f"worker:{n}") for n, worker in enumerate(self.workers)]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                if not task.cancelled() and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def stop(self, deadline: float = 10.0) -> None:
        await asyncio.gather(*(worker.stop(deadline) for worker in self.workers))


async def adopt_legacy_queues(
    redis: aioredis.Redis, keys: Keys, jobs: PartitionedQueue, notices: JobQueue, *, batch: int = 500
) -> int:
    """Move what the queues of versions before the partitioned layout hold into today's queues.

    Those versions kept one moderation stream `<prefix>:mod:jobs` (and the notice stream) without
    hash tags. At start, before any worker reads, every entry of the old streams (delivered or
    not: their consumers are gone with the old process), of the old delayed sets and of the old
    dead-letter streams is added to the queue that owns it now, then deleted from the old key.
    Adding comes first, so a crash in between runs a job twice (the handlers are idempotent)
    rather than never. Returns how many entries moved; 0 once nothing old is left."""
    legacy_jobs, legacy_notices = keys.legacy_queues

    def to_notices(_fields: Mapping[str, str]) -> JobQueue:
        return notices

    routes: list[tuple[QueueNames, Callable[[Mapping[str, str]], JobQueue]]] = [
        (legacy_jobs, _by_chat(jobs)),
        (legacy_notices, to_notices),
    ]
    moved = 0
    for old, route in routes:
        moved += await _move_stream(redis, old.stream, route, "stream", batch)
        moved += await _move_stream(redis, old.dead_letter, route, "dead_letter", batch)
        moved += await _move_delayed(redis, old, route, batch)
    if moved:
        log.warning("jobs.legacy_queues_moved", entries=moved)
    return moved


def _by_chat(jobs: PartitionedQueue) -> Callable[[Mapping[str, str]], JobQueue]:
    def route(fields: Mapping[str, str]) -> JobQueue:
        try:
            return jobs.for_chat(int(fields.get("chat_id") or 0))
        except ValueError:
            return jobs.partitions[0]

    return route


async def _move_stream(
    redis: aioredis.Redis, old: str, route: Callable[[Mapping[str, str]], JobQueue], stream: str, batch: int
) -> int:
    """Moves `old`'s entries to the `stream` ("stream" or "dead_letter") of the queue `route` picks."""
    moved = 0
    while True:
        entries = stream_entries(await redis.xrange(old, count=batch))
        if not entries:
            if moved:
                await redis.delete(old)  # the emptied stream and its consumer group
            return moved
        for entry_id, fields in entries:
            if fields:
                await redis.xadd(getattr(route(fields).names, stream), fields_to_store(fields))
            await redis.xdel(old, entry_id)
            moved += 1


async def _move_delayed(
    redis: aioredis.Redis, old: QueueNames, route: Callable[[Mapping[str, str]], JobQueue], batch: int
) -> int:
    moved = 0
    while True:
        rows: list[Any] = await redis.zrange(old.delayed, 0, batch - 1, withscores=True)
        if not rows:
            return moved
        for member, score in rows:
            try:
                fields = json.loads(member)
            except ValueError:
                fields = {}
            target = route(fields if isinstance(fields, dict) else {})
            await redis.zadd(target.names.delayed, {member: float(score)})
            await redis.zrem(old.delayed, member)
            moved += 1
