"""Mute, ban, kick and lift in Telegram, then record what is now in force (Telegram first, state
after). The one place that speaks to Telegram about restrictions: the enforcer, the admins'
commands and the gatekeeper all come here."""

from __future__ import annotations

import time

from aiogram import Bot
from aiogram.types import ChatPermissions

from luka_bot.community.sanctions import SanctionStore
from luka_bot.policy.ladder import SanctionKind

MUTED = ChatPermissions(
    can_send_messages=False,
    can_send_audios=False,
    can_send_documents=False,
    can_send_photos=False,
    can_send_videos=False,
    can_send_video_notes=False,
    can_send_voice_notes=False,
    can_send_polls=False,
    can_send_other_messages=False,
    can_add_web_page_previews=False,
)
KICK_BAN_S = 60  # a kick is a short ban lifted at once; the span only matters if the unban fails

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


# A member who sprayed reactions keeps every right but reacting (telegram/reaction_guard.py).
NO_REACTIONS = FULL_PERMISSIONS.model_copy(update={"can_react_to_messages": False})


async def impose(
    bot: Bot, sanctions: SanctionStore, chat_id: int, user_id: int, kind: SanctionKind, duration_s: int | None
) -> None:
    """Mutes or bans (None: permanent); raises Telegram's refusal for the caller to report."""
    now = time.time()
    until = await restrict(bot, chat_id, user_id, kind, None if duration_s is None else now + duration_s)
    await sanctions.set_sanction(chat_id, user_id, kind, until, now=now)


async def restrict(bot: Bot, chat_id: int, user_id: int, kind: SanctionKind, until: float | None) -> float | None:
    """Mutes or bans in Telegram until `until` (None: permanent) and returns when it really ends;
    raises Telegram's refusal. Records nothing: the caller does, once it knows it worked."""
    until_date = int(until) if until is not None else None
    if kind is SanctionKind.WARN:
        raise ValueError("a warning is not imposed in Telegram")
    if user_id < 0:
        # Posted as a channel: the channel is what gets barred. Telegram has no timed or mute
        # variant for sender chats, so any mute or ban bars it until unbanned.
        await bot.ban_chat_sender_chat(chat_id, user_id)
        return None
    if kind is SanctionKind.MUTE:
        await bot.restrict_chat_member(chat_id, user_id, MUTED, until_date=until_date)
    else:
        await bot.ban_chat_member(chat_id, user_id, until_date=until_date)
    return until


async def unmute(bot: Bot, chat_id: int, user_id: int) -> None:
    """Gives a member every right back (the gate's hold ends); raises Telegram's refusal."""
    await bot.restrict_chat_member(chat_id, user_id, permissions=FULL_PERMISSIONS)


async def kick(bot: Bot, chat_id: int, user_id: int) -> None:
    """Removes without banning: a short ban lifted at once, so the user may join again; raises
    Telegram's refusal."""
    await bot.ban_chat_member(chat_id, user_id, until_date=int(time.time()) + KICK_BAN_S)
    await bot.unban_chat_member(chat_id, user_id, only_if_banned=True)


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


async def forbid_reactions(bot: Bot, chat_id: int, user_id: int, until: int) -> None:
    """Takes the right to react until `until`, leaving every other; raises Telegram's refusal."""
    await bot.restrict_chat_member(
        chat_id, user_id, permissions=NO_REACTIONS, until_date=until, use_independent_chat_permissions=True
    )
