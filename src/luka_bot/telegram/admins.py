"""Is this member an admin of the chat? getChatMember, cached briefly in Redis."""

from __future__ import annotations

import redis.asyncio as aioredis
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError

from luka_bot.store.keys import ADMIN_CACHE_TTL, Keys

ADMIN_STATUSES = frozenset({"creator", "administrator"})


class AdminCache:
    def __init__(self, bot: Bot, redis: aioredis.Redis, keys: Keys) -> None:
        self._bot = bot
        self._redis = redis
        self._keys = keys

    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        key = self._keys.admin_cache(chat_id, user_id)
        cached = await self._redis.get(key)
        if cached is not None:
            return cached == "1"
        try:
            member = await self._bot.get_chat_member(chat_id, user_id)
        except TelegramAPIError:
            return False  # unknown to Telegram: certainly not an admin; not cached, so it is asked again
        admin = member.status in ADMIN_STATUSES
        await self._redis.set(key, "1" if admin else "0", ex=ADMIN_CACHE_TTL)
        return admin

    async def forget(self, chat_id: int, user_id: int) -> None:
        """A chat_member update changed this member: ask Telegram next time."""
        await self._redis.delete(self._keys.admin_cache(chat_id, user_id))
