"""One outbound limiter for every process, kept in Redis.

Telegram allows about 20 messages a minute in one group and about 30 a second overall. Each
process asks the shared token buckets before sending, so gateways and workers together stay
inside the limits; a 429 that still happens is honoured (inline by the session middleware when
short, by a durable job deferral when long).

Moderation actions (deletes, restrictions) take only the global bucket and never wait long on it;
they never touch a group's notice bucket. Notices reserve their group slot (`reserve`) and the
notice sender defers them until then, so no worker slot waits for a busy group's budget.
"""

from __future__ import annotations

import asyncio
import time

import redis.asyncio as aioredis

from luka_bot.store.keys import Keys
from luka_bot.store.redis import is_cluster

# One token bucket: refill by the time passed, take `cost` if there is enough, else say how long
# until there will be. Shared by both scripts below.
_TAKE_FN = """
local function take(key, capacity, rate, now, cost)
  local state = redis.call('HMGET', key, 'tokens', 'ts')
  local tokens = tonumber(state[1]) or capacity
  local ts = tonumber(state[2]) or now
  tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
  local wait = 0
  if tokens >= cost then
    tokens = tokens - cost
  else
    wait = (cost - tokens) / rate
  end
  redis.call('HSET', key, 'tokens', tostring(tokens), 'ts', tostring(now))
  redis.call('EXPIRE', key, math.ceil(capacity / rate) + 60)
  return wait
end
"""

# Token bucket: KEYS[1] = bucket hash; ARGV = capacity, refill per second, now, cost.
# Returns 0 when the tokens were taken, else the seconds until they will be available.
_TAKE = (
    _TAKE_FN
    + """
return tostring(take(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])))
"""
)

# The group's bucket, then (only when it had a token) the global one, as two _TAKE calls would,
# in one script. KEYS: group bucket, global bucket; ARGV: group capacity, group rate, now, cost,
# global capacity, global rate; optional KEYS[3]: a key whose existence cancels the take ('-1').
# A group token taken while the global bucket is empty stays taken,
# exactly as with two calls (at most one send of the group's minute is wasted).
# ARGV[7] = 'group': the group's part only (KEYS: group bucket, optional cancelling key). On a
# Redis Cluster the group bucket lives in its chat's slot and the global one elsewhere, so the
# limiter runs that part, then the global bucket's _TAKE: the same takes in two round trips.
_TAKE_BOTH = (
    _TAKE_FN
    + """
local group_only = ARGV[7] == 'group'
local unless = KEYS[3]
if group_only then unless = KEYS[2] end
if unless and redis.call('EXISTS', unless) == 1 then return '-1' end
local now, cost = tonumber(ARGV[3]), tonumber(ARGV[4])
local wait = take(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), now, cost)
if wait > 0 or group_only then return tostring(wait) end
return tostring(take(KEYS[2], tonumber(ARGV[5]), tonumber(ARGV[6]), now, cost))
"""
)

# A reservation: like _TAKE, but the tokens may go below zero, so each caller is given its own
# future slot and waits exactly until then (no herd of waiters retrying for the same token).
# Returns the seconds until the caller's slot (0: now).
_RESERVE = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1]) or capacity
local ts = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate) - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
local wait = 0
if tokens < 0 then wait = -tokens / rate end
redis.call('EXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate) + 60)
return tostring(wait)
"""

GROUP_PER_MINUTE = 20
GLOBAL_PER_SECOND = 30


class OutboundLimiter:
    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        *,
        group_per_minute: int = GROUP_PER_MINUTE,
        global_per_second: int = GLOBAL_PER_SECOND,
    ) -> None:
        self._keys = keys
        self._take = redis.register_script(_TAKE)
        self._reserve = redis.register_script(_RESERVE)
        self._take_both = redis.register_script(_TAKE_BOTH)
        self._cluster = is_cluster(redis)
        self._group_capacity = group_per_minute
        self._group_rate = group_per_minute / 60.0
        self._global_capacity = global_per_second
        self._global_rate = float(global_per_second)

    async def try_take(self, chat_id: int, *, unless: str | None = None) -> float:
        """Take one send for `chat_id` if available; returns 0, or seconds to wait (nothing taken).

        A group's send takes its minute bucket and the global one in one script (one round trip;
        the reply path sends under background traffic and each round trip waits on fsync).
        `unless` (groups only): a key whose existence cancels the send (the question's verdict,
        checked in the same round trip); then nothing is taken and -1 is returned."""
        now = time.time()
        if chat_id < 0 and self._cluster:
            group_args = [self._group_capacity, self._group_rate, now, 1, self._global_capacity, self._global_rate]
            wait = float(
                await self._take_both(
                    keys=[self._keys.group_rate_limit(chat_id)] + ([unless] if unless else []),
                    args=[*group_args, "group"],
                )
            )
            if wait != 0:
                return wait
        elif chat_id < 0:  # groups and channels: the per-chat minute budget, then the global one
            keys = [self._keys.group_rate_limit(chat_id), self._keys.rate_limit("global")]
            return float(
                await self._take_both(
                    keys=keys + ([unless] if unless else []),
                    args=[self._group_capacity, self._group_rate, now, 1, self._global_capacity, self._global_rate],
                )
            )
        return float(
            await self._take(
                keys=[self._keys.rate_limit("global")], args=[self._global_capacity, self._global_rate, now, 1]
            )
        )

    async def take(self, chat_id: int, *, max_wait: float = 120.0, unless: str | None = None) -> bool:
        """Wait until a send for `chat_id` is allowed (bounded by `max_wait`). False: the
        `unless` key exists (see try_take), so the send must not happen; nothing was taken."""
        deadline = time.monotonic() + max_wait
        while True:
            wait = await self.try_take(chat_id, unless=unless)
            if wait < 0:
                return False
            if wait <= 0 or time.monotonic() + wait > deadline:
                return True
            await asyncio.sleep(wait)

    async def reserve(self, chat_id: int) -> float:
        """Reserve the next send slot of a group (chat_id < 0); the seconds until it (0: now).

        The slot is taken whether or not the caller uses it; a send that is then dropped only
        wastes one slot of that group's minute budget."""
        if chat_id >= 0:
            return 0.0
        return float(
            await self._reserve(
                keys=[self._keys.group_rate_limit(chat_id)],
                args=[self._group_capacity, self._group_rate, time.time()],
            )
        )

    async def take_global(self, *, max_wait: float = 2.0) -> None:
        """One call under the bot-wide budget, waiting at most `max_wait` (then going ahead:
        Telegram's own 429 and retry_after are the final word)."""
        deadline = time.monotonic() + max_wait
        while True:
            wait = float(
                await self._take(
                    keys=[self._keys.rate_limit("global")],
                    args=[self._global_capacity, self._global_rate, time.time(), 1],
                )
            )
            if wait <= 0 or time.monotonic() + wait > deadline:
                return
            await asyncio.sleep(wait)
