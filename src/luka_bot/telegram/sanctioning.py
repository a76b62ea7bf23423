"""Mute, ban and lift in Telegram, then record what is now in force (Telegram first, state after)."""

from __future__ import annotations

import time

from aiogram import Bot
from aiogram.types import ChatPermissions

from luka_bot.community.sanctions import SanctionStore
from luka_bot.policy.ladder import SanctionKind
from luka_bot.telegram.enforcement import MUTED

FULL_PERMISSIONS = ChatPermissions(
    can_send_messages=True,
    can_send_audios=True,
    can_send_documents=True,
    can_send_photos=True,
    can_send_videos=True,
    can_send_video_notes=True,
    can_send_voice_notes=True,
    can_send_polls=True,
    can_send_other_messages=True,
    can_add_web_page_previews=True,
    can_react_to_messages=True,
    can_invite_users=True,
)


async def impose(
    bot: Bot, sanctions: SanctionStore, chat_id: int, user_id: int, kind: SanctionKind, duration_s: int | None
) -> None:
    """Mutes or bans (None: permanent); raises Telegram's refusal for the caller to report."""
    now = time.time()
    until = None if duration_s is None else now + duration_s
    until_date = int(until) if until is not None else None
    if kind is SanctionKind.MUTE:
        await bot.restrict_chat_member(chat_id, user_id, MUTED, until_date=until_date)
    elif kind is SanctionKind.BAN:
        await bot.ban_chat_member(chat_id, user_id, until_date=until_date)
    else:
        raise ValueError("a warning is not imposed in Telegram")
    await sanctions.set_sanction(chat_id, user_id, kind, until, now=now)


async def lift(bot: Bot, sanctions: SanctionStore, chat_id: int, user_id: int) -> str:
    """Lifts whatever Telegram says is in force; returns the status the member had."""
    if user_id < 0:  # a channel that posted as itself was barred as a sender chat
        await bot.unban_chat_sender_chat(chat_id, user_id)
        await sanctions.clear_sanction(chat_id, user_id)
        return "kicked"
    member = await bot.get_chat_member(chat_id, user_id)
    if member.status == "kicked":
        # only_if_banned: a member who is back must not be removed by the unban.
        await bot.unban_chat_member(chat_id, user_id, only_if_banned=True)
    elif member.status == "restricted":
        await bot.restrict_chat_member(chat_id, user_id, FULL_PERMISSIONS)
    await sanctions.clear_sanction(chat_id, user_id)
    return member.status
