"""Reputation per (member, group) in Redis: messages, helpful answers, violations, points, awards.

Every change is one Lua script, so concurrent workers never lose an update: the original read a
whole hash into Python, changed it and wrote it back, and two verdicts at once lost points.
Scripts that change a member's record also drop violations older than the decay period first,
giving their points back when the policy says so.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from redis.asyncio import Redis

from luka_bot.community.ladder import Sanction, next_sanction
from luka_bot.community.stats import MemberStats, ViolationRecord
from luka_bot.domain import Category, Verdict
from luka_bot.policy.ladder import LadderPolicy
from luka_bot.store.keys import COMMUNITY_EVENT_TTL, Keys
from luka_bot.store.redis import scored, text_set
from luka_bot.store.round_trips import RoundTrips, Script

log = structlog.get_logger(__name__)

# How many of the newest violations a read returns; the ladder counts in Redis, not from this.
HISTORY_LIMIT = 200
# Decayed violations dropped per write; a huge backlog is worked off over the next writes.
PURGE_BATCH = 500
# A member's standing, violations and achievements, and a chat's leaderboard, expire after this
# long without a write (see store/keys.py).
MEMBER_IDLE_TTL = 365 * 24 * 3600

# KEYS[1] reputation hash, KEYS[2] violations zset, KEYS[3] penalties hash, KEYS[4] leaderboard
# ARGV[1] user id, ARGV[2] now, ARGV[3] decay cut-off, ARGV[4] "1" to give decayed points back
_PRELUDE = f"""
local rep, viol, pen, board = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local user, now = ARGV[1], ARGV[2]

local function add_points(delta)
  local points = redis.call('HINCRBY', rep, 'points', delta)
  redis.call('ZADD', board, points, user)
  return points
end

local function purge_decayed(before, restore)
  local old = redis.call('ZRANGEBYSCORE', viol, '-inf', '(' .. before, 'LIMIT', 0, {PURGE_BATCH})
  local back = 0
  for _, member in ipairs(old) do
    back = back + tonumber(redis.call('HGET', pen, member) or '0')
    redis.call('ZREM', viol, member)
    redis.call('HDEL', pen, member)
  end
  if restore == '1' and back ~= 0 then add_points(back) end
end

-- Every write keeps the member's keys (and the chat's leaderboard) alive for MEMBER_IDLE_TTL more:
-- a member silent that long starts afresh, and a chat the bot left leaves nothing behind.
local function touch()
  for _, key in ipairs({{rep, viol, pen, board}}) do redis.call('EXPIRE', key, {MEMBER_IDLE_TTL}) end
end

local function snapshot()
  return {{redis.call('HGETALL', rep), redis.call('ZRANGE', viol, -{HISTORY_LIMIT}, -1, 'WITHSCORES')}}
end
"""

_RECORD_MESSAGE = (
    _PRELUDE
    + """
-- ARGV[5] points per message
purge_decayed(ARGV[3], ARGV[4])
redis.call('HSETNX', rep, 'first_seen', now)
redis.call('HINCRBY', rep, 'messages', 1)
redis.call('HSET', rep, 'last_message_at', now)
local per_message = tonumber(ARGV[5])
if per_message ~= 0 then add_points(per_message) end
touch()
return snapshot()
"""
)

_RECORD_HELPFUL = (
    _PRELUDE
    + """
-- KEYS[5] optional event marker; ARGV[5] helpful points, ARGV[6] "1" for a quality answer,
-- ARGV[7] quality points, ARGV[8] marker ttl
if KEYS[5] and not redis.call('SET', KEYS[5], '1', 'NX', 'EX', ARGV[8]) then
  return snapshot()
end
purge_decayed(ARGV[3], ARGV[4])
redis.call('HINCRBY', rep, 'helpful', 1)
local delta = tonumber(ARGV[5])
if ARGV[6] == '1' then
  redis.call('HINCRBY', rep, 'quality_answers', 1)
  delta = delta + tonumber(ARGV[7])
end
if delta ~= 0 then add_points(delta) end
touch()
return snapshot()
"""
)

_RECORD_VIOLATION = (
    _PRELUDE
    + """
-- KEYS[5] event marker; ARGV[5] category, ARGV[6] violation id, ARGV[7] penalty,
-- ARGV[8] ladder window start, ARGV[9] marker ttl
-- Returns {fields, history, 1 if newly counted else 0, violations in the window when counted}
purge_decayed(ARGV[3], ARGV[4])
local seen = redis.call('GET', KEYS[5])
if seen then
  local s = snapshot()
  return {s[1], s[2], 0, tonumber(seen)}
end
local member = ARGV[5] .. ':' .. ARGV[6]
redis.call('ZADD', viol, now, member)
redis.call('HSET', pen, member, ARGV[7])
local penalty = tonumber(ARGV[7])
if penalty ~= 0 then add_points(-penalty) end
local last = tonumber(redis.call('HGET', rep, 'last_violation_at') or '-1')
if tonumber(now) > last then redis.call('HSET', rep, 'last_violation_at', now) end
local count = redis.call('ZCOUNT', viol, '(' .. ARGV[8], '+inf')
redis.call('SET', KEYS[5], count, 'EX', ARGV[9])
touch()
local s = snapshot()
return {s[1], s[2], 1, count}
"""
)

_PARDON = (
    _PRELUDE
    + """
-- Gives back the points of every violation still in the history; returns how many were cleared.
local members = redis.call('ZRANGE', viol, 0, -1)
local back = 0
for _, member in ipairs(members) do
  back = back + tonumber(redis.call('HGET', pen, member) or '0')
end
redis.call('DEL', viol, pen)
redis.call('HDEL', rep, 'last_violation_at')
if back ~= 0 then add_points(back) end
touch()
return #members
"""
)

_UNWARN = (
    _PRELUDE
    + """
-- Removes one violation and gives its points back: the one named by ARGV[3] when given, else
-- the newest. Returns {member, score} or false.
local member, score
if ARGV[3] and ARGV[3] ~= '' then
  score = redis.call('ZSCORE', viol, ARGV[3])
  if not score then return false end
  redis.call('ZREM', viol, ARGV[3])
  member = ARGV[3]
else
  local newest = redis.call('ZPOPMAX', viol)
  if #newest == 0 then return false end
  member, score = newest[1], newest[2]
end
local back = tonumber(redis.call('HGET', pen, member) or '0')
redis.call('HDEL', pen, member)
if back ~= 0 then add_points(back) end
local left = redis.call('ZRANGE', viol, -1, -1, 'WITHSCORES')
if #left == 0 then
  redis.call('HDEL', rep, 'last_violation_at')
else
  redis.call('HSET', rep, 'last_violation_at', left[2])
end
touch()
return {member, score}
"""
)

_AWARD = f"""
-- KEYS[1] achievements set, KEYS[2] reputation hash, KEYS[3] leaderboard
-- ARGV[1] achievement id, ARGV[2] user id, ARGV[3] reward points
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
local reward = tonumber(ARGV[3])
if reward ~= 0 then
  local points = redis.call('HINCRBY', KEYS[2], 'points', reward)
  redis.call('ZADD', KEYS[3], points, ARGV[2])
end
for i = 1, 3 do redis.call('EXPIRE', KEYS[i], {MEMBER_IDLE_TTL}) end
return 1
"""


@dataclass(frozen=True, slots=True)
class ViolationOutcome:
    stats: MemberStats
    category: Category
    counted: bool  # False: this violation id was already counted (a re-delivered job)
    count_in_window: int  # violations in the ladder window when it was counted
    sanction: Sanction | None  # the ladder step to apply; None when the ladder is off


def _pairs(flat: Sequence[Any]) -> list[tuple[str, Any]]:
    return [(flat[i], flat[i + 1]) for i in range(0, len(flat), 2)]


def _stamp(moment: float) -> str:
    return repr(float(moment))


_RECORD_MESSAGE_SCRIPT = Script.of(_RECORD_MESSAGE)


class ReputationStore:
    def __init__(
        self,
        redis: Redis,
        keys: Keys,
        clock: Callable[[], float] = time.time,
        *,
        round_trips: RoundTrips | None = None,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._clock = clock
        # Counting a message is the worker's step for every job: with round trips, a batch's
        # counts go to Redis together.
        self._round_trips = round_trips
        self._record_message = redis.register_script(_RECORD_MESSAGE)
        self._record_helpful = redis.register_script(_RECORD_HELPFUL)
        self._record_violation = redis.register_script(_RECORD_VIOLATION)
        self._pardon = redis.register_script(_PARDON)
        self._unwarn = redis.register_script(_UNWARN)
        self._award = redis.register_script(_AWARD)

    def _member_keys(self, chat_id: int, user_id: int) -> list[str]:
        k = self._keys
        return [
            k.reputation(chat_id, user_id),
            k.violations(chat_id, user_id),
            k.violation_penalties(chat_id, user_id),
            k.leaderboard(chat_id),
        ]

    def _prelude_args(self, user_id: int, now: float, policy: LadderPolicy) -> list[str]:
        return [
            str(user_id),
            _stamp(now),
            _stamp(now - policy.decay_s),
            "1" if policy.restore_points_on_decay else "0",
        ]

    def _stats(self, chat_id: int, user_id: int, fields: Sequence[str], history: Sequence[str]) -> MemberStats:
        return MemberStats.from_storage(
            chat_id, user_id, dict(_pairs(fields)), [(m, float(s)) for m, s in _pairs(history)]
        )

    async def record_message(
        self, chat_id: int, user_id: int, *, policy: LadderPolicy, now: float | None = None
    ) -> MemberStats:
        """Counts one message (and its points); the first one sets the member's first_seen."""
        now = self._clock() if now is None else now
        keys = self._member_keys(chat_id, user_id)
        args: list[str | int] = [*self._prelude_args(user_id, now, policy), policy.rewards.message]
        if self._round_trips is not None:
            fields, history = await self._round_trips.call(_RECORD_MESSAGE_SCRIPT, keys, args)
        else:
            fields, history = await self._record_message(keys=keys, args=args)
        return self._stats(chat_id, user_id, fields, history)

    async def record_helpful(
        self,
        chat_id: int,
        user_id: int,
        *,
        quality: int | None,
        policy: LadderPolicy,
        event_id: str | None = None,
        now: float | None = None,
    ) -> MemberStats:
        """Counts a helpful answer; `quality` (0-10) at the policy's threshold also counts a quality answer.

        With `event_id` (e.g. `chat:message:revision`) a re-delivered job counts once.
        """
        now = self._clock() if now is None else now
        keys = self._member_keys(chat_id, user_id)
        if event_id is not None:
            keys.append(self._keys.community_event(chat_id, user_id, f"helpful:{event_id}"))
        is_quality = quality is not None and quality >= policy.rewards.quality_threshold
        fields, history = await self._record_helpful(
            keys=keys,
            args=[
                *self._prelude_args(user_id, now, policy),
                policy.rewards.helpful,
                "1" if is_quality else "0",
                policy.rewards.quality,
                COMMUNITY_EVENT_TTL,
            ],
        )
        return self._stats(chat_id, user_id, fields, history)

    async def record_violation(
        self,
        chat_id: int,
        user_id: int,
        category: Category,
        *,
        policy: LadderPolicy,
        violation_id: str,
        now: float | None = None,
    ) -> ViolationOutcome:
        """Counts a violation once per `violation_id` and returns the ladder step it earns.

        A re-delivered job gets `counted=False` and the same step as the first time, so the
        executor may apply it again harmlessly. Applying the step in Telegram, and recording it
        with `SanctionStore.set_sanction` once it is applied, is the caller's job.
        """
        if category is Category.NONE:
            raise ValueError("Category.NONE is not a violation; the caller must not record it")
        now = self._clock() if now is None else now
        keys = self._member_keys(chat_id, user_id)
        keys.append(self._keys.community_event(chat_id, user_id, f"violation:{violation_id}"))
        fields, history, counted, count = await self._record_violation(
            keys=keys,
            args=[
                *self._prelude_args(user_id, now, policy),
                category.value,
                violation_id,
                policy.penalty(category),
                _stamp(now - policy.window_s),
                COMMUNITY_EVENT_TTL,
            ],
        )
        stats = self._stats(chat_id, user_id, fields, history)
        outcome = ViolationOutcome(
            stats=stats,
            category=category,
            counted=bool(counted),
            count_in_window=int(count),
            # A heavier category (a threat) climbs more than one step of the ladder at once.
            sanction=next_sanction(int(count) + policy.step_weight(category) - 1, policy),
        )
        log.info(
            "community.violation",
            chat_id=chat_id,
            user_id=user_id,
            category=category.value,
            counted=outcome.counted,
            count_in_window=outcome.count_in_window,
            sanction=outcome.sanction.kind.value if outcome.sanction else None,
            points=stats.points,
        )
        return outcome

    async def record_verdict(
        self,
        chat_id: int,
        user_id: int,
        verdict: Verdict,
        *,
        policy: LadderPolicy,
        violation_id: str,
        now: float | None = None,
    ) -> ViolationOutcome | None:
        """Counts the verdict only when it is a violation: "allow" or category "none" never count."""
        if not verdict.is_violation:
            return None
        return await self.record_violation(
            chat_id, user_id, verdict.category, policy=policy, violation_id=violation_id, now=now
        )

    async def pardon(self, chat_id: int, user_id: int) -> int:
        """Forgets every violation and gives its points back; returns how many were forgotten."""
        cleared = await self._pardon(
            keys=self._member_keys(chat_id, user_id), args=[str(user_id), _stamp(self._clock())]
        )
        log.info("community.pardon", chat_id=chat_id, user_id=user_id, cleared=int(cleared))
        return int(cleared)

    async def unwarn(self, chat_id: int, user_id: int) -> ViolationRecord | None:
        """Removes the newest violation and gives its points back; None when there was none."""
        return await self._take_back(chat_id, user_id, "")

    async def forgive(
        self, chat_id: int, user_id: int, category: Category, violation_id: str
    ) -> ViolationRecord | None:
        """Removes exactly the violation counted under `violation_id` (a restored appeal), whatever
        came after it, and gives its points back; None when it is not (or no longer) recorded."""
        return await self._take_back(chat_id, user_id, f"{category.value}:{violation_id}")

    async def _take_back(self, chat_id: int, user_id: int, member: str) -> ViolationRecord | None:
        removed = await self._unwarn(
            keys=self._member_keys(chat_id, user_id), args=[str(user_id), _stamp(self._clock()), member]
        )
        if not removed:
            return None
        record = ViolationRecord.from_member(removed[0], float(removed[1]))
        log.info("community.unwarn", chat_id=chat_id, user_id=user_id, category=record.category.value)
        return record

    async def stats(self, chat_id: int, user_id: int) -> MemberStats:
        def queue(pipe: Any) -> None:
            pipe.hgetall(self._keys.reputation(chat_id, user_id))
            pipe.zrange(self._keys.violations(chat_id, user_id), -HISTORY_LIMIT, -1, withscores=True)

        if self._round_trips is not None:
            fields, history = await self._round_trips.send(queue)
        else:
            async with self._redis.pipeline(transaction=True) as pipe:
                queue(pipe)
                fields, history = await pipe.execute()
        return MemberStats.from_storage(chat_id, user_id, fields, [(m, float(s)) for m, s in history])

    async def top(self, chat_id: int, limit: int = 10, *, positive_only: bool = False) -> list[tuple[int, int]]:
        """(user_id, points), best first; with `positive_only` only members above zero."""
        if positive_only:
            rows = await self._redis.zrevrangebyscore(
                self._keys.leaderboard(chat_id), "+inf", "(0", start=0, num=limit, withscores=True
            )
            return [(int(member), int(score)) for member, score in scored(rows)]
        rows = await self._redis.zrevrange(self._keys.leaderboard(chat_id), 0, limit - 1, withscores=True)
        return [(int(member), int(score)) for member, score in scored(rows)]

    async def award(self, chat_id: int, user_id: int, achievement_id: str, *, reward_points: int = 0) -> bool:
        """Awards an achievement; True only the first time, so it is announced once."""
        awarded = await self._award(
            keys=[
                self._keys.achievements(chat_id, user_id),
                self._keys.reputation(chat_id, user_id),
                self._keys.leaderboard(chat_id),
            ],
            args=[achievement_id, str(user_id), reward_points],
        )
        return bool(awarded)

    async def earned(self, chat_id: int, user_id: int) -> set[str]:
        return text_set(await self._redis.smembers(self._keys.achievements(chat_id, user_id)))
