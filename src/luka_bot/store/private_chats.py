"""Who has started the bot in private (/start): only they can get a private message from it
(a notice's DM, a /summary sent in private). Written by routers/private.py."""

from __future__ import annotations

import redis.asyncio as aioredis

from luka_bot.store.keys import Keys


class PrivateChats:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def mark_started(self, user_id: int) -> None:
        await self._redis.set(self._keys.user_started(user_id), "1")

    async def has_started(self, user_id: int) -> bool:
        return bool(await self._redis.exists(self._keys.user_started(user_id)))
