"""message_reaction updates: reaction sprees and the `reaction` lock (telegram/reaction_guard.py)."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import MessageReactionUpdated

from luka_bot.telegram.reaction_guard import ReactionGuard
from luka_bot.telegram.routers.calls import GROUP_CHATS


async def reaction_changed(event: MessageReactionUpdated, reaction_guard: ReactionGuard) -> None:
    if event.chat.type in GROUP_CHATS:
        await reaction_guard.on_reaction(event)


def create_router() -> Router:
    router = Router(name="reactions")
    router.message_reaction.register(reaction_changed)
    return router
