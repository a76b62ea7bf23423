"""Reaction spam: newcomers who react to many messages in a short window (to lure people to a spam
profile) are held from reacting, and their reactions cleared; never banned for it.

The `reaction` lock (/lock reaction [newcomers]) holds a member back at their first reaction.
Admins and approved members (/approve) are exempt. Every decision is written to the audit trail.

Telegram delivers `message_reaction` only to bots that are admins and list it in allowed_updates
(app.ALLOWED_UPDATES). The restriction keeps every sending right and turns off
`can_react_to_messages` for REACTION_RESTRICT seconds; the reactions are cleared with
deleteAllMessageReactions, falling back to deleteMessageReaction per message where that fails.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis.asyncio as aioredis
import structlog
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import MessageReactionUpdated

from luka_bot.community.reputation import ReputationStore
from luka_bot.community.trust import member_context
from luka_bot.moderation.locks import LockScope
from luka_bot.moderation.verdict import TrustLevel
from luka_bot.store.audit import AuditLog
from luka_bot.store.group_settings import GroupSettingsRepository
from luka_bot.store.keys import Keys
from luka_bot.telegram import sanctioning
from luka_bot.telegram.admins import AdminCache
from luka_bot.telegram.moderation_jobs import ApprovedMembers

log = structlog.get_logger(__name__)

CLEAR_ONE_BY_ONE_MAX = 50


@dataclass(frozen=True, slots=True)
class ReactionPolicy:
    spree_count: int = 8  # more than this many messages reacted to ...
    spree_window: float = 60.0  # ... within this many seconds is a spree
    restrict_s: int = 3600


def _reaction_keys(reactions: list | None) -> set[str]:
    keys = set()
    for reaction in reactions or []:
        keys.add(getattr(reaction, "emoji", None) or getattr(reaction, "custom_emoji_id", None) or reaction.type)
    return keys


class ReactionGuard:
    def __init__(
        self,
        bot: Bot,
        redis: aioredis.Redis,
        keys: Keys,
        *,
        group_settings: GroupSettingsRepository,
        reputation: ReputationStore,
        admins: AdminCache,
        audit: AuditLog,
        approved: ApprovedMembers | None,
        policy: ReactionPolicy,
    ) -> None:
        self._bot = bot
        self._redis = redis
        self._keys = keys
        self._group_settings = group_settings
        self._reputation = reputation
        self._admins = admins
        self._audit = audit
        self._approved = approved
        self.policy = policy

    async def on_reaction(self, event: MessageReactionUpdated) -> str | None:
        """Returns the decision taken ("spree", "locked") or None."""
        user = event.user
        if user is None or user.is_bot:
            return None  # anonymous admins react as the chat; bots' reactions are not ours to judge
        if not _reaction_keys(event.new_reaction) - _reaction_keys(event.old_reaction):
            return None  # taking a reaction back is never spam
        chat_id = event.chat.id
        settings = await self._group_settings.get(chat_id)
        if not settings.moderation_enabled:
            return None
        if await self._admins.is_admin(chat_id, user.id) or (
            self._approved is not None and await self._approved.is_approved(chat_id, user.id)
        ):
            return None
        now = time.time()
        stats = await self._reputation.stats(chat_id, user.id)
        member = member_context(stats, now, settings.ladder, is_admin=False)
        newcomer = member.trust is not TrustLevel.TRUSTED and stats.messages < settings.rules.newcomers.first_messages
        lock = settings.locks.get("reaction")
        if lock is LockScope.ALL or (lock is LockScope.NEWCOMERS and newcomer):
            return await self._hold(event, "locked", "locked: reaction", [event.message_id], settings.dry_run)
        if not newcomer:
            return None
        key = self._keys.reaction_activity(chat_id, user.id)
        window = self.policy.spree_window
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zadd(key, {str(event.message_id): now})
            pipe.zremrangebyscore(key, "-inf", now - window)
            pipe.zrange(key, 0, -1)
            pipe.expire(key, int(window) + 60)
            _, _, reacted, _ = await pipe.execute()
        if len(reacted) <= self.policy.spree_count:
            return None
        message_ids = [int(m) for m in reacted if str(m if isinstance(m, str) else m.decode()).isdigit()]
        reason = f"reacted to {len(reacted)} messages within {window:g} s"
        return await self._hold(event, "spree", reason, message_ids, settings.dry_run)

    async def _hold(
        self, event: MessageReactionUpdated, decision: str, reason: str, message_ids: list[int], dry_run: bool
    ) -> str | None:
        assert event.user is not None
        chat_id, user = event.chat.id, event.user
        name = user.full_name or user.username or str(user.id)
        held_key = self._keys.reaction_restricted(chat_id, user.id)
        if not await self._redis.set(held_key, "1", nx=True, ex=self.policy.restrict_s):
            return None  # already held: one restriction per burst
        audit = {
            "kind": "reaction",
            "decision": f"reaction_{decision}",
            "user_id": user.id,
            "name": name,
            "reason": reason,
            "message_id": event.message_id,
        }
        if dry_run:
            await self._audit.write(chat_id, {**audit, "actions": "dry_run"})
            return decision
        actions: list[str] = []
        until = int(time.time()) + self.policy.restrict_s
        try:
            await sanctioning.forbid_reactions(self._bot, chat_id, user.id, until)
            actions.append(f"no_reactions:{self.policy.restrict_s}")
        except TelegramAPIError as exc:
            # Not held: the next reaction tries again (the marker goes), and the audit says so.
            await self._redis.delete(held_key)
            log.warning("reactions.restrict_failed", chat_id=chat_id, user_id=user.id, error=str(exc)[:200])
            actions.append(f"restrict_failed:{str(exc)[:80]}")
        actions.append(await self._clear(chat_id, user.id, message_ids))
        await self._audit.write(chat_id, {**audit, "actions": " ".join(actions)})
        log.info("reactions.held", chat_id=chat_id, user_id=user.id, decision=decision, actions=actions)
        return decision

    async def _clear(self, chat_id: int, user_id: int, message_ids: list[int]) -> str:
        try:
            await self._bot.delete_all_message_reactions(chat_id=chat_id, user_id=user_id)
            return "reactions_cleared:all"
        except TelegramAPIError as exc:
            log.info("reactions.clear_all_failed", chat_id=chat_id, user_id=user_id, error=str(exc)[:200])
        cleared = 0
        for message_id in message_ids[-CLEAR_ONE_BY_ONE_MAX:]:
            try:
                await self._bot.delete_message_reaction(chat_id=chat_id, message_id=message_id, user_id=user_id)
                cleared += 1
            except TelegramAPIError:
                continue
        return f"reactions_cleared:{cleared}"
