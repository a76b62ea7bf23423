"""What enforcement has done per message revision, in Redis: the claim an actor takes before it
acts, the progress of each step Telegram carried out, the done marker written with the audit
entry, and the once-an-hour admin hint. telegram/enforcement.py decides; this module only keeps
the keys (store/keys.py) and their commands in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis

from luka_bot.store.keys import (
    ACTION_DONE_TTL,
    ACTION_PROGRESS_TTL,
    AUDIT_MAXLEN,
    AUDIT_TTL,
    RIGHTS_HINT_TTL,
    Keys,
)
from luka_bot.store.redis import text
from luka_bot.store.round_trips import RoundTrips, Script

# Releases a claim only for its owner: an actor whose lease ran out must not free a newer one.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# Takes the revision's claim and reads, at that same instant, whether it was done and which steps
# an earlier actor carried out (one atomic step, as the MULTI it replaces was).
# KEYS: claim, done marker, progress hash; ARGV: token, claim ttl in ms
# Returns {1 if claimed now else 0, done (0/1), progress as a flat list, the claim's PTTL}.
_CLAIM = Script.of("""
local claimed = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
return {claimed and 1 or 0, redis.call('EXISTS', KEYS[2]), redis.call('HGETALL', KEYS[3]), redis.call('PTTL', KEYS[1])}
""")

# Writes the decision's audit entry, marks the revision done and releases the claim in one atomic
# step (one round trip per message; a crash can no longer leave the audit written but the
# revision not done, which made the retry audit it twice).
# KEYS: done marker, claim, audit list; ARGV: done ttl, claim token, audit entry, audit cap, audit ttl
_FINISH = """
redis.call('LPUSH', KEYS[3], ARGV[3])
redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[4]) - 1)
redis.call('EXPIRE', KEYS[3], ARGV[5])
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
if redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
return 1
"""
_RELEASE_SCRIPT = Script.of(_RELEASE)
_FINISH_SCRIPT = Script.of(_FINISH)


@dataclass(frozen=True, slots=True)
class Revision:
    """One revision of one message: what a claim, a progress hash and a done marker are for."""

    chat_id: int
    message_id: int
    revision: int


@dataclass(frozen=True, slots=True)
class ClaimAttempt:
    claimed: bool
    done: bool  # the revision was enforced before
    progress: dict[str, str]  # step -> outcome, from an earlier try that did not finish
    retry_in: float  # seconds until a busy claim's lease runs out


class ActionLedger:
    def __init__(self, redis: aioredis.Redis, keys: Keys, *, round_trips: RoundTrips | None = None) -> None:
        self._redis = redis
        self._keys = keys
        # Claim, finish and release go with whatever else the turn sends (a batch of jobs).
        self._round_trips = round_trips or RoundTrips(redis)

    def _done(self, rev: Revision) -> str:
        return self._keys.action_done(rev.chat_id, rev.message_id, rev.revision)

    def _claim(self, rev: Revision) -> str:
        return self._keys.action_claim(rev.chat_id, rev.message_id, rev.revision)

    async def is_done(self, rev: Revision) -> bool:
        return bool(await self._redis.exists(self._done(rev)))

    def queue_is_done(self, pipe: Any, rev: Revision) -> None:
        """`is_done` queued on a caller's pipeline (one EXISTS), to share its round trip."""
        pipe.exists(self._done(rev))

    async def try_claim(self, rev: Revision, token: str, ttl_ms: int) -> ClaimAttempt:
        """Take the revision's claim (SET NX PX) and read, in the same round trip, whether it was
        done and what an earlier try carried out."""
        keys = [
            self._claim(rev),
            self._done(rev),
            self._keys.action_progress(rev.chat_id, rev.message_id, rev.revision),
        ]
        claimed, done, flat, pttl = await self._round_trips.call(_CLAIM, keys, [token, ttl_ms])
        return ClaimAttempt(
            claimed=bool(claimed),
            done=bool(done),
            progress={text(flat[i]): text(flat[i + 1]) for i in range(0, len(flat), 2)},
            retry_in=max(int(pttl), 50) / 1000,
        )

    async def release(self, rev: Revision, token: str) -> None:
        await self._round_trips.call(_RELEASE_SCRIPT, [self._claim(rev)], [token])

    async def finish(self, rev: Revision, token: str, audit_key: str, audit_entry: str) -> None:
        """Audit entry, done marker and claim release in one atomic step."""
        await self._round_trips.call(
            _FINISH_SCRIPT,
            [self._done(rev), self._claim(rev), audit_key],
            [ACTION_DONE_TTL, token, audit_entry, AUDIT_MAXLEN, AUDIT_TTL],
        )

    async def record_step(self, rev: Revision, step: str, outcome: str) -> None:
        key = self._keys.action_progress(rev.chat_id, rev.message_id, rev.revision)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, step, outcome)
            pipe.expire(key, ACTION_PROGRESS_TTL)
            await pipe.execute()

    async def first_rights_hint(self, chat_id: int, reason: str) -> bool:
        """True once an hour per group and reason: whether the admins are to be told now."""
        return bool(await self._redis.set(self._keys.rights_hint(chat_id, reason), "1", nx=True, ex=RIGHTS_HINT_TTL))
