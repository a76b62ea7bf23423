"""The groups the bot has seen a message in, with their titles as last seen: one hash the intake
writes (and chat migration moves), read here by /console, the console and the dashboard."""

from __future__ import annotations

import redis.asyncio as aioredis

from luka_bot.store.keys import Keys
from luka_bot.store.redis import optional_text, text, text_fields


class KnownGroups:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def titles(self) -> dict[int, str]:
        """chat id -> title ("" where Telegram gave none)."""
        return {
            int(chat_id): title for chat_id, title in text_fields(await self._redis.hgetall(self._keys.groups)).items()
        }

    async def title(self, chat_id: int) -> str | None:
        return optional_text(await self._redis.hget(self._keys.groups, str(chat_id)))

    async def ids(self) -> list[int]:
        return [int(text(chat_id)) for chat_id in await self._redis.hkeys(self._keys.groups)]
