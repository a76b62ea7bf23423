"""Messages the bot deletes later (self-deleting notices, the gate's prompts): one durable sorted
set scored by when each is due, so a restart keeps the schedule. Written by telegram/notices.py
and the gatekeeper, swept by the enforcer's `delete_due_notices`."""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis

from luka_bot.store.keys import Keys
from luka_bot.store.redis import text


class ScheduledDeletions:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def schedule(self, chat_id: int, message_id: int, at: float) -> None:
        await self._redis.zadd(self._keys.scheduled_deletions, {f"{chat_id}:{message_id}": at})

    def queue_schedule(self, pipe: Any, chat_id: int, message_id: int, at: float) -> None:
        """`schedule` on a caller's pipeline, to be atomic with what the caller writes there."""
        pipe.zadd(self._keys.scheduled_deletions, {f"{chat_id}:{message_id}": at})

    async def due(self, now: float, limit: int = 100) -> list[tuple[int, int]]:
        """(chat_id, message_id) of up to `limit` messages due by `now`, oldest first."""
        rows: list[Any] = await self._redis.zrangebyscore(
            self._keys.scheduled_deletions, "-inf", now, start=0, num=limit
        )
        due = []
        for row in rows:
            chat_id, message_id = text(row).split(":")
            due.append((int(chat_id), int(message_id)))
        return due

    async def done(self, chat_id: int, message_id: int) -> None:
        await self._redis.zrem(self._keys.scheduled_deletions, f"{chat_id}:{message_id}")
