"""During a raid, newcomers post no links, media or forwards.

"Newcomer" is by behaviour, not by join date: a member whose first messages have not passed yet
(`community.trust.passed_messages`), however long ago they joined. The check runs before intake,
so the message is removed before it is recorded or counted: a removed message never makes its
author a member, and the assistant never sees it. Outside a raid it costs nothing but a look at
the message itself; during one, a few Redis reads for messages that carry links or media.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.enums import ChatType
from aiogram.types import Message, TelegramObject, Update

from luka_bot.community.reputation import ReputationStore
from luka_bot.community.trust import passed_messages
from luka_bot.store.group_settings import GroupSettingsRepository
from luka_bot.telegram.admins import AdminCache
from luka_bot.telegram.inbound.intake import message_kind, normalized_text
from luka_bot.telegram.newcomers.gatekeeper import Gatekeeper

GROUP_TYPES = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})
LINK_ENTITIES = frozenset({"url", "text_link"})


def carries_link_or_media(message: Message, data: dict[str, Any]) -> bool:
    if message_kind(message) not in ("text", "other") or message.forward_origin is not None:
        return True
    entities = (message.entities or []) + (message.caption_entities or [])
    if any(entity.type in LINK_ENTITIES for entity in entities):
        return True
    return bool(normalized_text(message, data).links)  # "t . me/x" and friends


class RaidLock(BaseMiddleware):
    def __init__(
        self,
        gatekeeper: Gatekeeper,
        reputation: ReputationStore,
        group_settings: GroupSettingsRepository,
        admins: AdminCache,
    ) -> None:
        self._gatekeeper = gatekeeper
        self._reputation = reputation
        self._group_settings = group_settings
        self._admins = admins

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        message = (event.message or event.edited_message) if isinstance(event, Update) else None
        if message is not None and await self._locked(message, data):
            user = message.from_user
            assert user is not None  # _locked checked it
            await self._gatekeeper.lock_removed(
                message.chat.id, message.message_id, user.id, user.full_name or str(user.id)
            )
            return None
        return await handler(event, data)

    async def _locked(self, message: Message, data: dict[str, Any]) -> bool:
        user = message.from_user
        if message.chat.type not in GROUP_TYPES or user is None or user.is_bot or message.sender_chat is not None:
            return False
        if message.new_chat_members or not carries_link_or_media(message, data):
            return False
        chat_id = message.chat.id
        repo = self._gatekeeper.repo
        if await repo.raid_until(chat_id) is None:
            return False
        if await repo.is_approved(chat_id, user.id) or await self._admins.is_admin(chat_id, user.id):
            return False
        settings = await self._group_settings.get(chat_id)
        stats = await self._reputation.stats(chat_id, user.id)
        # This message is not counted yet (intake comes after): with it they would have passed + 1.
        return passed_messages(stats, time.time(), settings.ladder) + 1 < settings.rules.newcomers.first_messages
