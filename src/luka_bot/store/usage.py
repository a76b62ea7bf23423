"""What the assistant spends, per chat and member and UTC day, and who may ask now.

Admission (cooldown, member budget, group budget) is one Lua script, so two questions arriving at
once cannot both pass a cooldown or both see the last tokens of a budget as free. Spending is
counted after the answer, from the usage the server reported (or an estimate): an answer in flight
can take a budget a little past its limit, never further than one answer per member, since the
cooldown admits one question at a time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import redis.asyncio as aioredis

from luka_bot.store.keys import USAGE_TTL, Keys


class Refusal(StrEnum):
    COOLDOWN = "cooldown"
    MEMBER_BUDGET = "member_budget"
    GROUP_BUDGET = "group_budget"


# KEYS: usage hash of the day, cooldown key. ARGV: member field, member limit, group limit,
# cooldown in ms. A limit of 0 means none. Returns {reason, number}: {"ok", 0}, {"cooldown",
# ms left}, {"member_budget", spent}, {"group_budget", spent}. Only "ok" starts a cooldown.
_ADMIT = """
local pttl = redis.call('PTTL', KEYS[2])
if pttl > 0 then return {'cooldown', pttl} end
local member_limit = tonumber(ARGV[2])
local group_limit = tonumber(ARGV[3])
local spent = redis.call('HMGET', KEYS[1], ARGV[1], 'total')
local mine = tonumber(spent[1]) or 0
local all = tonumber(spent[2]) or 0
if member_limit > 0 and mine >= member_limit then return {'member_budget', mine} end
if group_limit > 0 and all >= group_limit then return {'group_budget', all} end
if tonumber(ARGV[4]) > 0 then redis.call('SET', KEYS[2], '1', 'PX', ARGV[4]) end
return {'ok', 0}
"""


def day_of(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d")


def seconds_to_day_end(now: float) -> int:
    moment = datetime.fromtimestamp(now, UTC)
    end = (moment + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1, int((end - moment).total_seconds()) + 1)


@dataclass(frozen=True, slots=True)
class Admission:
    refusal: Refusal | None
    value: int = 0  # ms of cooldown left, or the tokens spent of the budget that is used up

    @property
    def admitted(self) -> bool:
        return self.refusal is None


@dataclass(frozen=True, slots=True)
class DaySpend:
    day: str
    total: int
    by_purpose: dict[str, int]


class UsageStore:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._admit = redis.register_script(_ADMIT)

    async def admit(
        self,
        chat_id: int,
        user_id: int,
        *,
        member_limit: int,
        group_limit: int,
        cooldown: float,
        now: float | None = None,
    ) -> Admission:
        day = day_of(time.time() if now is None else now)
        reason, value = await self._admit(
            keys=[self._keys.usage(chat_id, day), self._keys.assistant_cooldown(chat_id, user_id)],
            args=[f"u:{user_id}", int(member_limit), int(group_limit), int(cooldown * 1000)],
        )
        reason = reason.decode() if isinstance(reason, bytes) else str(reason)
        return Admission(None if reason == "ok" else Refusal(reason), int(value))

    async def record(
        self, chat_id: int, user_id: int, name: str, tokens: int, *, purpose: str, now: float | None = None
    ) -> None:
        day = day_of(time.time() if now is None else now)
        key = self._keys.usage(chat_id, day)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(key, "total", tokens)
            pipe.hincrby(key, f"u:{user_id}", tokens)
            pipe.hincrby(key, f"p:{purpose}", tokens)
            pipe.expire(key, USAGE_TTL)
            pipe.hset(self._keys.usage_names(chat_id), str(user_id), name[:128])
            pipe.expire(self._keys.usage_names(chat_id), USAGE_TTL)
            await pipe.execute()

    async def claim_notice(self, chat_id: int, user_id: int, reason: Refusal, *, period: str, ttl: int) -> bool:
        """True the first time in `period`: the member is told once, not at every question."""
        key = self._keys.assistant_notice(chat_id, user_id, reason.value, period)
        return bool(await self._redis.set(key, "1", nx=True, ex=max(1, ttl)))

    async def days(self, chat_id: int, count: int, now: float | None = None) -> list[DaySpend]:
        """The last `count` UTC days, newest first."""
        now = time.time() if now is None else now
        days = [day_of(now - index * 86_400) for index in range(count)]
        async with self._redis.pipeline(transaction=False) as pipe:
            for day in days:
                pipe.hgetall(self._keys.usage(chat_id, day))
            raws = await pipe.execute()
        spends = []
        for day, raw in zip(days, raws, strict=True):
            purposes = {k[2:]: int(v) for k, v in raw.items() if k.startswith("p:")}
            spends.append(DaySpend(day, int(raw.get("total") or 0), purposes))
        return spends

    async def top_users(
        self,
        chat_id: int,
        days: int,
        limit: int,
        now: float | None = None,
    ) -> list[tuple[int, str, int]]:
        """(user id, name, tokens) over the last `days` days, biggest spenders first."""
        now = time.time() if now is None else now
        totals: dict[int, int] = {}
        async with self._redis.pipeline(transaction=False) as pipe:
            for index in range(days):
                pipe.hgetall(self._keys.usage(chat_id, day_of(now - index * 86_400)))
            pipe.hgetall(self._keys.usage_names(chat_id))
            *raws, names = await pipe.execute()
        for raw in raws:
            for field, value in raw.items():
                if field.startswith("u:"):
                    totals[int(field[2:])] = totals.get(int(field[2:]), 0) + int(value)
        ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
        return [(user_id, names.get(str(user_id), str(user_id)), tokens) for user_id, tokens in ranked]

    async def is_known_member(self, user_id: int) -> bool:
        return bool(await self._redis.exists(self._keys.known_member(user_id)))
