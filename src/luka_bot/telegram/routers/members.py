"""chat_member updates: Telegram is the truth about bans and mutes.

When an admin unbans or unmutes someone in the Telegram client, the bot forgets the sanction it
believed in, so it never re-applies a stale one; admin changes refresh the admin cache.
"""

from __future__ import annotations

import structlog
from aiogram import Router
from aiogram.types import ChatMemberUpdated

from luka_bot.community.sanctions import SanctionStore
from luka_bot.telegram.admins import ADMIN_STATUSES, AdminCache

log = structlog.get_logger(__name__)


async def member_changed(event: ChatMemberUpdated, sanctions: SanctionStore, admins: AdminCache) -> None:
    member = event.new_chat_member
    user_id = member.user.id
    until = getattr(member, "until_date", None)
    can_send = getattr(member, "can_send_messages", None)
    await sanctions.sync_member_status(
        event.chat.id,
        user_id,
        status=member.status,
        until_date=until.timestamp() if until is not None and until.timestamp() > 0 else None,
        can_send_messages=can_send,
    )
    if ADMIN_STATUSES & {event.old_chat_member.status, member.status}:
        # Only a change into or out of the admin list touches it; during a join surge every ban
        # is a chat_member update, and dropping the cache for each cost a getChatAdministrators each.
        await admins.forget(event.chat.id, user_id)
    log.info("members.status_synced", chat_id=event.chat.id, user_id=user_id, status=member.status)


def create_router() -> Router:
    router = Router(name="members")
    router.chat_member.register(member_changed)
    return router
