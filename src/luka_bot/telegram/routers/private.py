"""Private chat with the bot: /start lets the bot write to the member (moderation notices);
/start and /help explain what the bot does, in the member's language (Telegram's language_code)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandStart
from aiogram.types import Message, User

from luka_bot.store.private_chats import PrivateChats
from luka_bot.texts import language_of
from luka_bot.texts.onboarding import help_text


def _bot_name(me: User) -> str:
    return f"@{me.username}" if me.username else me.first_name


async def start(message: Message, private_chats: PrivateChats, me: User) -> None:
    if message.from_user is None:
        return
    await private_chats.mark_started(message.from_user.id)
    await message.answer(help_text(_bot_name(me), language_of(message.from_user.language_code)), parse_mode="HTML")


async def help_command(message: Message, me: User) -> None:
    lang = language_of(message.from_user.language_code if message.from_user else None)
    await message.answer(help_text(_bot_name(me), lang), parse_mode="HTML")


def create_router() -> Router:
    router = Router(name="private")
    router.message.register(start, CommandStart(), F.chat.type == ChatType.PRIVATE)
    router.message.register(help_command, Command("help"), F.chat.type == ChatType.PRIVATE)
    return router
