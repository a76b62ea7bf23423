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

# Releases a claim only for its owner: an actor whose lease ran out must not free a newer one.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

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
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._release = redis.register_script(_RELEASE)
        self._finish = redis.register_script(_FINISH)

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
        claim = self._claim(rev)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(claim, token, nx=True, px=ttl_ms)
            pipe.exists(self._done(rev))
            pipe.hgetall(self._keys.action_progress(rev.chat_id, rev.message_id, rev.revision))
            pipe.pttl(claim)
            claimed, done, progress, pttl = await pipe.execute()
        return ClaimAttempt(
            claimed=bool(claimed),
            done=bool(done),
            progress={text(k): text(v) for k, v in progress.items()},
            retry_in=max(int(pttl), 50) / 1000,
        )

    async def release(self, rev: Revision, token: str) -> None:
        await self._release(keys=[self._claim(rev)], args=[token])

    async def finish(self, rev: Revision, token: str, audit_key: str, audit_entry: str) -> None:
        """Audit entry, done marker and claim release in one atomic step."""
        await self._finish(
            keys=[self._done(rev), self._claim(rev), audit_key],
            args=[ACTION_DONE_TTL, token, audit_entry, AUDIT_MAXLEN, AUDIT_TTL],
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
