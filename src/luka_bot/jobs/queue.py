"""The durable moderation job queue: one Redis Stream read through one consumer group.

Delivery is at-least-once. A job stays in the group's pending list (PEL) from the moment a
consumer reads it until that consumer acknowledges it, so a crash, a cancelled task or a
restart never loses it: the same consumer reads its own pending entries again on start, and
any other consumer takes entries that sat idle too long (XAUTOCLAIM).

The attempt number of a job is the PEL's delivery count. Redis raises it on every delivery
(XREADGROUP, XCLAIM, XAUTOCLAIM), so it survives restarts and tells a poison job (one that
kills its worker every time) from a fresh one without any counter of our own.

An acknowledged job is also deleted from the stream (XACK + XDEL in one MULTI). The stream then
holds exactly the work not yet finished (undelivered + pending), so its length is a true
backlog and memory stays proportional to the backlog rather than to the traffic history.

Deferred jobs (`defer`) leave the stream for a sorted set scored by when they are due, in one
MULTI with their ack, and `promote_due` moves them back as new entries once due. A deferral
therefore survives any restart and is never taken early by another consumer's reclaim. A job
that moved through the delayed set carries its history in reserved fields (`_attempts`: counted
attempts before this entry, `_deferrals`, `_since`: when it was first enqueued), so its attempt
number is the delivery count of the current entry plus `_attempts`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
import structlog
from redis.exceptions import ResponseError

from luka_bot.store.keys import (
    DEAD_LETTER_MAXLEN,
    JOBS_MAXLEN,
    UPDATE_DEDUPE_TTL,
    Keys,
    QueueNames,
)
from luka_bot.store.redis import fields_to_store, multi, stream_entries, text, text_fields
from luka_bot.store.round_trips import RoundTrips, Script

log = structlog.get_logger(__name__)

# The intake is two scripts, each on one Redis Cluster slot: the message record lives with its
# chat (`{c<chat>}`), the update marker and the job with the chat's queue partition (`{j<n>}`).
# Telegram re-sends an update until the intake answered, so each script is safe to run again:
# - the job script sets the marker and adds the job in one step, so a duplicate delivery (a
#   retried webhook, two gateways) never enqueues a second job and a job is never half written;
# - the record script writes the record only when no revision of the message as new is stored: a
#   duplicate delivery does not rewrite it, nor does a late duplicate of an older update put back
#   text that an edit replaced.
# Both go in one round trip with the rest of the intake; on a cluster the pipeline sends each to
# its node, and a failure of either fails the intake, which Telegram then delivers again.
# On a batch of round trips (store/round_trips.py) they go by EVALSHA, the batch mending a
# NOSCRIPT; on a plain pipeline by EVAL, which cannot fail with NOSCRIPT inside a MULTI.
#
# KEYS: update marker, job stream; ARGV: marker ttl, stream maxlen, then the job's field/value pairs
_INTAKE_SCRIPT = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return false
end
return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3, #ARGV))
"""

# KEYS: message record; ARGV: record ttl, revision, then the record's field/value pairs
_RECORD_SCRIPT = """
local stored = tonumber(redis.call('HGET', KEYS[1], 'revision'))
if stored and stored >= tonumber(ARGV[2]) then
  return 0
end
redis.call('HSET', KEYS[1], unpack(ARGV, 3, #ARGV))
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
"""
INTAKE = Script.of(_INTAKE_SCRIPT)
RECORD = Script.of(_RECORD_SCRIPT)

# Acknowledges finished jobs and deletes them from the stream in one atomic step (as the MULTI
# XACK + XDEL did), for any number of them: a batch's acks share one command.
# KEYS: stream; ARGV: group, then entry ids
ACK = Script.of("""
redis.call('XACK', KEYS[1], ARGV[1], unpack(ARGV, 2))
return redis.call('XDEL', KEYS[1], unpack(ARGV, 2))
""")

# Resets the idle time of jobs still being worked on, so no other consumer reclaims them while
# the handler runs, but only for entries this consumer still owns: never takes one back.
# KEYS: job stream; ARGV: group, consumer, then entry ids. Returns how many were extended.
_EXTEND_LEASE_SCRIPT = """
local extended = 0
for i = 3, #ARGV do
  local entry = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)[1]
  if entry and entry[2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    extended = extended + 1
  end
end
return extended
"""

# Moves due deferred jobs back into the stream, atomically per batch: a job is either in the
# sorted set or in the stream, never in both nor in neither.
# KEYS: delayed set, stream; ARGV: now, batch size, stream maxlen
_PROMOTE_SCRIPT = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, member in ipairs(due) do
  local ok, fields = pcall(cjson.decode, member)
  redis.call('ZREM', KEYS[1], member)
  if ok and type(fields) == 'table' then
    local flat = {}
    for k, v in pairs(fields) do
      flat[#flat + 1] = tostring(k)
      flat[#flat + 1] = tostring(v)
    end
    if #flat > 0 then
      redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', unpack(flat))
    end
  end
end
return #due
"""

# Enqueues a job only if its marker field was not set yet (a retried producer enqueues it once).
# KEYS: marker hash, stream; ARGV: marker field, marker ttl, stream maxlen, then field/value pairs
_ENQUEUE_ONCE_SCRIPT = """
if redis.call('HSETNX', KEYS[1], ARGV[1], '1') == 0 then
  return false
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], '*', unpack(ARGV, 4, #ARGV))
"""

# Fields the queue keeps on a job that went through the delayed set (see the module docstring).
ATTEMPTS_FIELD = "_attempts"
DEFERRALS_FIELD = "_deferrals"
SINCE_FIELD = "_since"
RESERVED_FIELDS = frozenset({ATTEMPTS_FIELD, DEFERRALS_FIELD, SINCE_FIELD})


def entry_time(entry_id: str) -> float:
    """When a stream entry was added (its id's millisecond part), in Unix seconds."""
    try:
        return int(entry_id.split("-", 1)[0]) / 1000
    except ValueError:
        return time.time()


@dataclass(frozen=True)
class Job:
    id: str
    fields: dict[str, str]
    attempt: int  # 1 on first delivery; counts every delivery, restarts and reclaims included

    @property
    def deferrals(self) -> int:
        """How often this job was deferred (Retry) so far, counted or not."""
        return _int(self.fields.get(DEFERRALS_FIELD))

    @property
    def since(self) -> float:
        """When the job was first enqueued (Unix seconds), across deferrals."""
        since = self.fields.get(SINCE_FIELD)
        try:
            return float(since) if since else entry_time(self.id)
        except ValueError:
            return entry_time(self.id)


def _int(value: str | None) -> int:
    try:
        return max(0, int(value or 0))
    except ValueError:
        return 0


def _job(entry_id: str, fields: dict[str, str], delivered: int) -> Job:
    return Job(entry_id, fields, delivered + _int(fields.get(ATTEMPTS_FIELD)))


@dataclass(frozen=True)
class QueueStats:
    length: int  # entries in the stream: undelivered + pending (acked jobs are deleted)
    pending: int  # delivered to a consumer, not yet acknowledged
    undelivered: int  # waiting for their first delivery (the group's lag)
    dead_letters: int  # entries in the dead-letter stream
    delayed: int = 0  # deferred jobs waiting in the delayed set for their time


@dataclass(frozen=True)
class IntakeResult:
    """`duplicate`: this update id was taken in before, so nothing was written now. (If the
    client re-sent the transaction after a lost reply, the first send may have done the work:
    either way the job exists exactly once.)"""

    duplicate: bool
    job_id: str | None  # the stream entry id of the job; None for a duplicate update


@dataclass(frozen=True)
class IntakeSlot:
    """Where the intake's answer sits in the results of the pipeline it was queued on."""

    index: int

    def read(self, results: Sequence[Any]) -> IntakeResult:
        raw = results[self.index]
        if isinstance(raw, Exception):
            raise raw
        if raw is None:
            return IntakeResult(duplicate=True, job_id=None)
        return IntakeResult(duplicate=False, job_id=text(raw))


def _flat(pairs: Mapping[str, Any]) -> list[str]:
    flat: list[str] = []
    for field, value in pairs.items():
        flat.extend((str(field), str(value)))
    return flat


def _stream_entries(reply: Any) -> list[tuple[str, dict[str, str] | None]]:
    """Entries of the one stream in an XREADGROUP reply, in RESP2 (list) or RESP3 (dict) shape.

    A pending entry deleted from the stream comes back with no fields (None or empty)."""
    if not reply:
        return []
    if isinstance(reply, dict):
        streams = list(reply.values())
        batches = [b[0] if b and isinstance(b[0], list) else b for b in streams]
    else:
        batches = [item[1] for item in reply]
    return [
        (text(entry_id), text_fields(fields) if fields else None) for batch in batches for entry_id, fields in batch
    ]


class JobQueue:
    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        *,
        max_attempts: int = 5,
        maxlen: int = JOBS_MAXLEN,
        names: QueueNames | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._redis = redis
        self._keys = keys
        self._names = names or keys.job_queue
        self.max_attempts = max_attempts
        self._maxlen = maxlen

    @property
    def names(self) -> QueueNames:
        return self._names

    @property
    def keys(self) -> Keys:
        return self._keys

    def for_chat(self, chat_id: int) -> JobQueue:
        """The queue a chat's jobs go to: this one (a `PartitionedQueue` picks a partition)."""
        return self

    async def ensure_group(self) -> None:
        try:
            await self._redis.xgroup_create(self._names.stream, self._names.group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    # --- intake ----------------------------------------------------------------------------
    def intake(
        self,
        pipe: Any,
        *,
        update_id: int,
        record_key: str,
        record: Mapping[str, Any],
        record_ttl: int,
        job: Mapping[str, Any],
    ) -> IntakeSlot:
        """Queue onto `pipe` (a redis pipeline, normally transaction=True) the intake of one update.

        It is two scripts (see _INTAKE_SCRIPT), so the caller's `pipe.execute()` stays one round
        trip with whatever else it queued. `slot.read(results)` then says whether the update was a
        duplicate (nothing written, no job) or gives the new job's id."""
        if not job:
            raise ValueError("a job needs at least one field")
        if record:
            revision = _int(str(record.get("revision") or 0))
            RECORD.queue(pipe, [record_key], [record_ttl, revision, *_flat(record)])
        marker = f"{self._names.markers}:{update_id}"
        index = len(pipe)
        INTAKE.queue(pipe, [marker, self._names.stream], [UPDATE_DEDUPE_TTL, self._maxlen, *_flat(job)])
        return IntakeSlot(index)

    async def take_in(
        self,
        *,
        update_id: int,
        record_key: str,
        record: Mapping[str, Any],
        record_ttl: int,
        job: Mapping[str, Any],
    ) -> IntakeResult:
        """The intake on its own, in one round trip, for callers with nothing else to send."""
        async with multi(self._redis) as pipe:
            slot = self.intake(
                pipe, update_id=update_id, record_key=record_key, record=record, record_ttl=record_ttl, job=job
            )
            return slot.read(await pipe.execute())

    async def enqueue(self, job: Mapping[str, Any]) -> str:
        if not job:
            raise ValueError("a job needs at least one field")
        entry_id = await self._redis.xadd(
            self._names.stream, {str(k): str(v) for k, v in job.items()}, maxlen=self._maxlen, approximate=True
        )
        return text(entry_id)

    async def enqueue_once(self, marker_key: str, marker_field: str, marker_ttl: int, job: Mapping[str, Any]) -> bool:
        """Enqueue `job` unless `marker_field` of hash `marker_key` says it was enqueued before
        (one atomic step). True when it was enqueued now."""
        if not job:
            raise ValueError("a job needs at least one field")
        added = await self._redis.eval(
            _ENQUEUE_ONCE_SCRIPT, 2, marker_key, self._names.stream, marker_field, marker_ttl, self._maxlen, *_flat(job)
        )
        return added is not None

    # --- consuming -------------------------------------------------------------------------
    async def read(self, consumer: str, count: int, block_ms: int) -> list[Job]:
        """New jobs, never delivered before: each is attempt 1."""
        if count <= 0:
            return []
        reply = await self._redis.xreadgroup(
            self._names.group, consumer, {self._names.stream: ">"}, count=count, block=block_ms or None
        )
        return [_job(entry_id, fields, 1) for entry_id, fields in _stream_entries(reply) if fields is not None]

    async def read_own_pending(self, consumer: str, count: int, after: str = "0") -> tuple[list[Job], str | None]:
        """This consumer's own unacknowledged jobs after entry id `after` (what a restart left).

        Returns the jobs and the cursor to pass as `after` next time, None once the whole own
        pending list was read. Reading counts as a delivery, so their attempt grows like any
        redelivery's (a job that killed its worker every time ends in the dead-letter stream)."""
        if count <= 0:
            return [], after
        reply = await self._redis.xreadgroup(self._names.group, consumer, {self._names.stream: after}, count=count)
        entries = _stream_entries(reply)
        await self._drop_vanished([entry_id for entry_id, fields in entries if not fields])
        cursor = entries[-1][0] if len(entries) >= count else None
        return await self._with_attempts([(i, f) for i, f in entries if f]), cursor

    async def reclaim(self, consumer: str, min_idle_ms: int, count: int) -> list[Job]:
        """Take over up to `count` jobs that sat unacknowledged for `min_idle_ms` (XAUTOCLAIM).

        Those are jobs of a consumer that died or hung; whoever owned them loses them."""
        claimed: list[tuple[str, dict[str, str]]] = []
        cursor = "0-0"
        # The cursor walks the whole pending list once at most; a few rounds cover any sane PEL.
        for _ in range(100):
            if len(claimed) >= count:
                break
            reply = await self._redis.xautoclaim(
                self._names.stream,
                self._names.group,
                consumer,
                min_idle_ms,
                start_id=cursor,
                count=count - len(claimed),
            )
            cursor = text(reply[0])
            for entry_id, fields in reply[1]:
                if fields:
                    claimed.append((text(entry_id), text_fields(fields)))
            if cursor == "0-0":
                break
        return await self._with_attempts(claimed)

    async def claim_for_retry(self, consumer: str, job: Job, min_idle_ms: int) -> Job | None:
        """Take back a job this consumer failed, once it sat idle `min_idle_ms` (its backoff).

        If another consumer reclaimed it since (its idle time was reset) or it was finished,
        nothing is returned, so a job is never run by two consumers because of a retry."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xclaim(self._names.stream, self._names.group, consumer, min_idle_ms, [job.id])
            pipe.xpending_range(self._names.stream, self._names.group, job.id, job.id, 1)
            claimed, pending = await pipe.execute()
        entries = [(text(i), text_fields(f)) for i, f in claimed or [] if f]
        if not entries or not pending or text(pending[0]["consumer"]) != consumer:
            return None
        return _job(entries[0][0], entries[0][1], int(pending[0]["times_delivered"]))

    async def extend_lease(self, consumer: str, job_ids: Sequence[str]) -> int:
        """Tell the group that `consumer` is still working on these jobs (resets their idle
        time without counting a delivery), so a handler slower than the reclaim idle time is
        not run a second time elsewhere. Jobs another consumer took over are left alone."""
        if not job_ids:
            return 0
        return int(
            await self._redis.eval(_EXTEND_LEASE_SCRIPT, 1, self._names.stream, self._names.group, consumer, *job_ids)
        )

    async def ack(self, job: Job, round_trips: RoundTrips | None = None) -> None:
        """Acknowledge and delete a finished job, atomically. With `round_trips`, the acks of
        jobs finishing in the same turn share one round trip."""
        if round_trips is None:
            await self._redis.eval(ACK.body, 1, self._names.stream, self._names.group, job.id)
            return
        await round_trips.call(ACK, [self._names.stream], [self._names.group, job.id])

    async def defer(
        self, job: Job, delay: float, *, counts: bool, update: Mapping[str, str] | None = None, now: float | None = None
    ) -> float:
        """Take the job out of the stream until `delay` s from now (ack + ZADD in one MULTI).

        `counts`: whether the attempt that deferred counts towards `max_attempts`. `update`
        replaces job fields for its next run. Returns when it is due (Unix seconds)."""
        now = time.time() if now is None else now
        fields = {k: v for k, v in job.fields.items()}
        fields.update({str(k): str(v) for k, v in (update or {}).items() if str(k) not in RESERVED_FIELDS})
        fields[ATTEMPTS_FIELD] = str(job.attempt if counts else max(job.attempt - 1, 0))
        fields[DEFERRALS_FIELD] = str(job.deferrals + 1)
        fields[SINCE_FIELD] = repr(job.since)
        # The original id keeps two deferrals of equal fields distinct members of the set.
        member = json.dumps({**fields, "_from": job.id}, ensure_ascii=False, sort_keys=True)
        due = now + max(0.0, delay)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zadd(self._names.delayed, {member: due})
            pipe.xack(self._names.stream, self._names.group, job.id)
            pipe.xdel(self._names.stream, job.id)
            await pipe.execute()
        return due

    async def promote_due(self, now: float | None = None, batch: int = 200) -> int:
        """Move deferred jobs whose time has come back into the stream; returns how many."""
        now = time.time() if now is None else now
        return int(
            await self._redis.eval(
                _PROMOTE_SCRIPT, 2, self._names.delayed, self._names.stream, repr(now), batch, self._maxlen
            )
        )

    async def next_due(self) -> float | None:
        """When the earliest deferred job is due (Unix seconds), None when none waits."""
        first = await self._redis.zrange(self._names.delayed, 0, 0, withscores=True)
        return float(first[0][1]) if first else None

    async def delayed(self, count: int = 100) -> list[tuple[float, dict[str, str]]]:
        """The deferred jobs that are due first: (due, fields), for the dashboard and tests."""
        entries: list[Any] = await self._redis.zrange(self._names.delayed, 0, count - 1, withscores=True)
        return [(float(entry[1]), json.loads(text(entry[0]))) for entry in entries]

    async def dead_letter(self, job: Job, error: str) -> None:
        """Move a job that failed for good to the dead-letter stream, in one MULTI with its ack,
        so it is never both lost and retried, nor in both streams."""
        record = {
            **job.fields,
            "job_id": job.id,
            "error": error[:2000],
            "attempts": str(job.attempt),
            "failed_at": f"{time.time():.3f}",
        }
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xadd(self._names.dead_letter, fields_to_store(record), maxlen=DEAD_LETTER_MAXLEN, approximate=True)
            pipe.xack(self._names.stream, self._names.group, job.id)
            pipe.xdel(self._names.stream, job.id)
            await pipe.execute()
        log.warning("jobs.dead_letter", job_id=job.id, attempts=job.attempt, error=error[:200])

    async def dead_letters(self, count: int = 100) -> list[dict[str, str]]:
        """The most recent dead letters, newest first (for the dashboard and for tests)."""
        entries = await self._redis.xrevrange(self._names.dead_letter, count=count)
        return [{"id": entry_id, **fields} for entry_id, fields in stream_entries(entries)]

    async def backlog(self) -> QueueStats:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.xlen(self._names.stream)
            pipe.xinfo_groups(self._names.stream)
            pipe.xlen(self._names.dead_letter)
            pipe.zcard(self._names.delayed)
            length, groups, dead, delayed = await pipe.execute(raise_on_error=False)
        if isinstance(groups, Exception):  # no stream yet: nothing was ever enqueued
            groups = []
        group = next((g for g in groups if text(g.get("name")) == self._names.group), None)
        pending = int(group["pending"]) if group else 0
        length = 0 if isinstance(length, Exception) else int(length)
        lag = group.get("lag") if group else None
        # Redis reports no lag before 7.0; since acked jobs are deleted, length - pending is it.
        undelivered = int(lag) if lag is not None else max(length - pending, 0)
        return QueueStats(
            length=length,
            pending=pending,
            undelivered=undelivered,
            dead_letters=0 if isinstance(dead, Exception) else int(dead),
            delayed=0 if isinstance(delayed, Exception) else int(delayed),
        )

    # --- helpers ---------------------------------------------------------------------------
    async def _with_attempts(self, entries: Iterable[tuple[str, dict[str, str]]]) -> list[Job]:
        entries = list(entries)
        if not entries:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for entry_id, _ in entries:
                pipe.xpending_range(self._names.stream, self._names.group, entry_id, entry_id, 1)
            replies = await pipe.execute()
        jobs: list[Job] = []
        for (entry_id, fields), pending in zip(entries, replies, strict=True):
            if not pending:  # acknowledged by someone else in the meantime
                continue
            jobs.append(_job(entry_id, fields, int(pending[0]["times_delivered"])))
        return jobs

    async def _drop_vanished(self, entry_ids: list[str]) -> None:
        # A pending entry whose stream entry was trimmed away cannot be processed; forget it.
        if entry_ids:
            await self._redis.xack(self._names.stream, self._names.group, *entry_ids)
            log.warning("jobs.vanished", count=len(entry_ids))
