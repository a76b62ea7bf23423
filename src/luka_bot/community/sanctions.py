"""The mute or ban the bot believes is in force for a member, kept in step with Telegram.

The original kept a "banned" flag that nothing cleared, and re-banned members an admin had let
back in. Here the state expires with the sanction, and every chat_member update from Telegram
overwrites it: a member who is back (unbanned, unmuted) has no sanction, whatever we applied.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from redis.asyncio import Redis

from luka_bot.policy.ladder_settings import SanctionKind
from luka_bot.store.keys import Keys
from luka_bot.store.redis import text_fields

log = structlog.get_logger(__name__)

# chat_member statuses (Telegram Bot API). An unbanned member becomes "left", not "member".
_FREE_STATUSES = frozenset({"creator", "administrator", "member", "left"})


@dataclass(frozen=True, slots=True)
class ActiveSanction:
    kind: SanctionKind  # MUTE or BAN
    until: float | None  # None: permanent


class SanctionStore:
    def __init__(self, redis: Redis, keys: Keys, clock: Callable[[], float] = time.time) -> None:
        self._redis = redis
        self._keys = keys
        self._clock = clock

    async def set_sanction(
        self, chat_id: int, user_id: int, kind: SanctionKind, until: float | None, *, now: float | None = None
    ) -> None:
        """Records a mute or ban that is now in force; `until=None` is permanent."""
        if kind is SanctionKind.WARN:
            raise ValueError("a warning is not a lasting sanction")
        now = self._clock() if now is None else now
        key = self._keys.sanction(chat_id, user_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.hset(
                key,
                mapping={
                    "kind": kind.value,
                    "until": "" if until is None else repr(float(until)),
                    "set_at": repr(float(now)),
                },
            )
            if until is not None:
                # Relative expiry from our clock, so the state vanishes when the sanction ends.
                pipe.expire(key, max(1, math.ceil(until - now)))
            await pipe.execute()
        log.info("community.sanction_set", chat_id=chat_id, user_id=user_id, kind=kind.value, until=until)

    async def clear_sanction(self, chat_id: int, user_id: int) -> bool:
        """Forgets the sanction; True when there was one. Called when Telegram says the member is back."""
        cleared = bool(await self._redis.delete(self._keys.sanction(chat_id, user_id)))
        if cleared:
            log.info("community.sanction_cleared", chat_id=chat_id, user_id=user_id)
        return cleared

    async def active_sanction(self, chat_id: int, user_id: int, now: float | None = None) -> ActiveSanction | None:
        now = self._clock() if now is None else now
        fields = text_fields(await self._redis.hgetall(self._keys.sanction(chat_id, user_id)))
        if not fields:
            return None
        until = float(fields["until"]) if fields.get("until") else None
        if until is not None and until <= now:
            return None
        return ActiveSanction(kind=SanctionKind(fields["kind"]), until=until)

    async def sync_member_status(
        self,
        chat_id: int,
        user_id: int,
        *,
        status: str,
        until_date: float | None = None,
        can_send_messages: bool | None = None,
        now: float | None = None,
    ) -> ActiveSanction | None:
        """Mirrors a chat_member update (new_chat_member's status, until_date as a timestamp).

        Telegram is the truth: whatever it reports replaces what we believed, so an admin's unban
        or unmute in the Telegram client is never undone by a stale record. `until_date` None or
        0 means "forever", as in the Bot API. Returns the sanction now believed in force.
        """
        permanent = not until_date
        until = None if permanent else float(until_date)  # type: ignore[arg-type]
        if status == "kicked":
            await self.set_sanction(chat_id, user_id, SanctionKind.BAN, until, now=now)
            return ActiveSanction(SanctionKind.BAN, until)
        if status == "restricted" and can_send_messages is False:
            await self.set_sanction(chat_id, user_id, SanctionKind.MUTE, until, now=now)
            return ActiveSanction(SanctionKind.MUTE, until)
        if status in _FREE_STATUSES or status == "restricted":
            await self.clear_sanction(chat_id, user_id)
            return None
        log.warning("community.unknown_member_status", chat_id=chat_id, user_id=user_id, status=status)
        return await self.active_sanction(chat_id, user_id, now)
