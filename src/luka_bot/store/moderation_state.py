"""Redis-backed state for the moderation cascade: the verdict cache, the per-group LLM budget and
the samples admins teach (the cascade declares these as Protocols; tests use in-memory ones)."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence

import redis.asyncio as aioredis

from luka_bot.domain import Action, Category, LabeledSample, SampleLabel, Tier, Verdict
from luka_bot.store.keys import LLM_BUDGET_TTL, SAMPLES_MAXLEN, VERDICT_CACHE_TTL, Keys


class RedisVerdictCache:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def get(self, key: str) -> Verdict | None:
        raw = await self._redis.get(self._keys.verdict_cache(key))
        if raw is None:
            return None
        try:
            data = json.loads(raw)
            return Verdict(
                Action(data["action"]),
                Category(data["category"]),
                float(data["confidence"]),
                str(data["reason"]),
                Tier(data["tier"]),
                details=tuple((str(k), str(v)) for k, v in data.get("details", [])),
            )
        except (ValueError, KeyError, TypeError):
            return None  # written by another version: a miss, not an error

    async def put(self, key: str, verdict: Verdict) -> None:
        data = {
            "action": verdict.action.value,
            "category": verdict.category.value,
            "confidence": verdict.confidence,
            "reason": verdict.reason,
            "tier": verdict.tier.value,
            "details": list(verdict.details),
        }
        await self._redis.set(self._keys.verdict_cache(key), json.dumps(data), ex=VERDICT_CACHE_TTL)


class RedisLlmBudget:
    """At most `daily_limit` LLM judgements per group per UTC day, counted across processes."""

    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def try_spend(self, chat_id: int, daily_limit: int) -> bool:
        key = self._keys.llm_budget(chat_id, time.strftime("%Y%m%d", time.gmtime()))
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, LLM_BUDGET_TTL)
            spent, _ = await pipe.execute()
        return int(spent) <= daily_limit


class RedisSampleStore:
    def __init__(self, redis: aioredis.Redis, keys: Keys, limit: int = SAMPLES_MAXLEN) -> None:
        self._redis = redis
        self._keys = keys
        self._limit = limit

    async def add(self, chat_id: int, sample: LabeledSample) -> None:
        key = self._keys.samples(chat_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, json.dumps([sample.label.value, sample.text]))
            pipe.ltrim(key, -self._limit, -1)
            await pipe.execute()

    async def load(self, chat_id: int) -> Sequence[LabeledSample]:
        rows = await self._redis.lrange(self._keys.samples(chat_id), 0, -1)
        samples = []
        for row in rows:
            try:
                label, text = json.loads(row)
                samples.append(LabeledSample(str(text), SampleLabel(label)))
            except (ValueError, TypeError):
                continue
        return tuple(samples)
