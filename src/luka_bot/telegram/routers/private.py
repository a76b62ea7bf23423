"""Private chat with the bot: /start lets the bot write to the member (moderation notices)."""

from __future__ import annotations

import redis.asyncio as aioredis
from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import CommandStart
from aiogram.types import Message

from luka_bot.store.keys import Keys
from luka_bot.texts import render
from luka_bot.texts.moderation import TEXTS


async def start(message: Message, redis: aioredis.Redis, keys: Keys) -> None:
    if message.from_user is None:
        return
    await redis.set(keys.user_started(message.from_user.id), "1")
    lang = "ru" if (message.from_user.language_code or "").startswith("ru") else "en"
    await message.answer(render(TEXTS, "start.welcome", lang))


def create_router() -> Router:
    router = Router(name="private")
    router.message.register(start, CommandStart(), F.chat.type == ChatType.PRIVATE)
    return router
