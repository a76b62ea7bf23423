"""Is this member an admin of the chat? One getChatAdministrators per chat, cached in Redis.

Asking per member (getChatMember) costs a Bot API call for every newcomer; the admin list costs
one call per chat per ADMIN_CACHE_TTL and is dropped at once when a chat_member update says
someone's status changed.
"""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message

from luka_bot.store.keys import ADMIN_CACHE_TTL, Keys

ADMIN_STATUSES = frozenset({"creator", "administrator"})
_MARKER = "-"  # present in every cached set, so "no admins known" is distinguishable from "not cached"


class AdminCache:
    def __init__(self, bot: Bot, redis: aioredis.Redis, keys: Keys) -> None:
        self._bot = bot
        self._redis = redis
        self._keys = keys

    def queue_is_admin(self, pipe: Any, chat_id: int, user_id: int) -> None:
        """The cached half of `is_admin` queued on a caller's pipeline (two SISMEMBER);
        `queued_answer` reads it."""
        key = self._keys.admins(chat_id)
        pipe.sismember(key, _MARKER)
        pipe.sismember(key, str(user_id))

    @staticmethod
    def queued_answer(cached: Any, member: Any) -> bool | None:
        """True/False from the cache; None when the chat's list is not cached (ask `is_admin`)."""
        return bool(member) if cached else None

    async def is_admin(self, chat_id: int, user_id: int) -> bool:
        key = self._keys.admins(chat_id)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.sismember(key, _MARKER)
            pipe.sismember(key, str(user_id))
            cached, member = await pipe.execute()
        if cached:
            return bool(member)
        try:
            admins = await self._bot.get_chat_administrators(chat_id)
        except TelegramAPIError:
            return False  # the chat is unknown to Telegram now: nobody is an admin of it for us; not cached
        ids = [str(admin.user.id) for admin in admins if admin.status in ADMIN_STATUSES]
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.sadd(key, _MARKER, *ids)
            pipe.expire(key, ADMIN_CACHE_TTL)
            await pipe.execute()
        return str(user_id) in ids

    async def sent_by_admin(self, message: Message) -> bool:
        """Did an admin send this group message? An anonymous admin posts as the group itself."""
        if message.sender_chat is not None and message.sender_chat.id == message.chat.id:
            return True
        return message.from_user is not None and await self.is_admin(message.chat.id, message.from_user.id)

    async def forget(self, chat_id: int, user_id: int) -> None:
        """A chat_member update changed someone here: ask Telegram for the list next time."""
        await self._redis.delete(self._keys.admins(chat_id))
