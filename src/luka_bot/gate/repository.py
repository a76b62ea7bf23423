"""The gate's state in Redis: settings, approved members, pending challenges, joins and raids.

Every key is named in `store/keys.py`. Claims are atomic (HDEL / ZREM answer how many they
removed), so two processes racing on one timeout or one button press act once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import redis.asyncio as aioredis
import structlog
from pydantic import ValidationError
from redis.exceptions import WatchError

from luka_bot.gate.policy import GateSettings
from luka_bot.store.keys import (
    GATE_APPEAL_TTL,
    GATE_JOIN_DEDUPE_TTL,
    GATE_JOIN_REQUEST_TTL,
    GATE_LINK_OFFER_TTL,
    GATE_PENDING_TTL,
    Keys,
)
from luka_bot.store.redis import fields_to_store, multi

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Pending:
    """A newcomer held until they solve the chat's challenge."""

    user_id: int
    name: str
    deadline: float
    join_message_id: int = 0

    def dump(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def load(cls, raw: str) -> Pending | None:
        try:
            data = json.loads(raw)
            return cls(
                int(data["user_id"]),
                str(data.get("name", "")),
                float(data["deadline"]),
                int(data.get("join_message_id") or 0),
            )
        except (ValueError, KeyError, TypeError):
            return None


@dataclass(frozen=True, slots=True)
class Prompt:
    """The chat's one challenge message and its answer."""

    message_id: int
    answer: str


class GateRepository:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    # --- settings ------------------------------------------------------------------------
    async def settings(self, chat_id: int) -> GateSettings:
        raw = await self._redis.get(self._keys.gate_settings(chat_id))
        if raw is None:
            return GateSettings()
        try:
            return GateSettings.model_validate_json(raw)
        except ValidationError as exc:
            log.warning("gate.settings_invalid", chat_id=chat_id, error=str(exc).splitlines()[0])
            return GateSettings()

    async def update_settings(self, chat_id: int, change: Callable[[GateSettings], GateSettings]) -> GateSettings:
        """Atomic read-change-write (WATCH/MULTI, retried), as for the group settings."""
        key = self._keys.gate_settings(chat_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    raw = await pipe.get(key)
                    try:
                        current = GateSettings.model_validate_json(raw) if raw else GateSettings()
                    except ValidationError:
                        current = GateSettings()
                    new = change(current)
                    pipe.multi()
                    pipe.set(key, new.model_dump_json())
                    await pipe.execute()
                    return new
                except WatchError:
                    continue

    # --- approved members ----------------------------------------------------------------
    async def approve(self, chat_id: int, user_id: int) -> bool:
        return bool(await self._redis.sadd(self._keys.approved(chat_id), str(user_id)))

    async def unapprove(self, chat_id: int, user_id: int) -> bool:
        return bool(await self._redis.srem(self._keys.approved(chat_id), str(user_id)))

    async def is_approved(self, chat_id: int, user_id: int) -> bool:
        return bool(await self._redis.sismember(self._keys.approved(chat_id), str(user_id)))

    def queue_is_approved(self, pipe: Any, chat_id: int, user_id: int) -> None:
        """`is_approved` queued on a caller's pipeline (one SISMEMBER)."""
        pipe.sismember(self._keys.approved(chat_id), str(user_id))

    async def approved(self, chat_id: int) -> list[int]:
        return sorted(int(v) for v in await self._redis.smembers(self._keys.approved(chat_id)))

    # --- joins ---------------------------------------------------------------------------
    async def first_sighting(self, chat_id: int, user_id: int) -> bool:
        """True once per join: the service message and the chat_member update announce the same one."""
        return bool(
            await self._redis.set(self._keys.join_seen(chat_id, user_id), "1", nx=True, ex=GATE_JOIN_DEDUPE_TTL)
        )

    async def forget_sighting(self, chat_id: int, user_id: int) -> None:
        await self._redis.delete(self._keys.join_seen(chat_id, user_id))

    async def record_join(self, chat_id: int, user_id: int, at: float, window_s: int) -> tuple[int, float | None]:
        """Counts this join with the others in the window; returns (count, raid_until or None)."""
        key = self._keys.join_window(chat_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zadd(key, {f"{user_id}:{at}": at})
            pipe.zremrangebyscore(key, "-inf", at - window_s)
            pipe.zcount(key, at - window_s, "+inf")
            pipe.expire(key, window_s + 60)
            pipe.get(self._keys.raid(chat_id))
            _, _, count, _, raid = await pipe.execute()
        return int(count), float(raid) if raid else None

    async def window_joiners(self, chat_id: int) -> list[int]:
        """Who joined within the raid window (record_join), oldest first."""
        members = await self._redis.zrange(self._keys.join_window(chat_id), 0, -1)
        return [int(str(member).split(":", 1)[0]) for member in members]

    # --- linked groups and the bans they share -------------------------------------------
    async def linked(self, chat_id: int) -> list[int]:
        return sorted(int(v) for v in await self._redis.smembers(self._keys.linked_groups(chat_id)))

    async def linked_banned(self, chat_id: int, user_id: int) -> bool:
        """Banned for spam/scam in a group linked with this one (and not unbanned there)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.smembers(self._keys.linked_groups(chat_id))
            pipe.smembers(self._keys.spam_bans(user_id))
            linked, banned_in = await pipe.execute()
        return bool(set(linked) & set(banned_in))

    async def offer_link(self, chat_id: int, other: int, by: int, code: str) -> None:
        key = self._keys.link_offer(code)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"from": str(chat_id), "to": str(other), "by": str(by)})
            pipe.expire(key, GATE_LINK_OFFER_TTL)
            await pipe.execute()

    async def take_link_offer(self, code: str, chat_id: int) -> int | None:
        """The group that offered `code` to `chat_id`, once (the offer is used up); else None."""
        key = self._keys.link_offer(code)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hgetall(key)
            pipe.delete(key)
            offer, _ = await pipe.execute()
        if not offer or offer.get("to") != str(chat_id):
            return None
        return int(offer["from"])

    async def link(self, chat_id: int, other: int) -> None:
        async with multi(self._redis) as pipe:
            pipe.sadd(self._keys.linked_groups(chat_id), str(other))
            pipe.sadd(self._keys.linked_groups(other), str(chat_id))
            await pipe.execute()

    async def unlink(self, chat_id: int, other: int) -> bool:
        async with multi(self._redis) as pipe:
            pipe.srem(self._keys.linked_groups(chat_id), str(other))
            pipe.srem(self._keys.linked_groups(other), str(chat_id))
            removed, _ = await pipe.execute()
        return bool(removed)

    async def note_spam_ban(self, user_id: int, chat_id: int) -> None:
        await self._redis.sadd(self._keys.spam_bans(user_id), str(chat_id))

    async def lift_spam_ban(self, user_id: int, chat_id: int) -> bool:
        """True when the user had a shared ban here."""
        return bool(await self._redis.srem(self._keys.spam_bans(user_id), str(chat_id)))

    # --- join requests: the question asked in private, and the declines one may appeal ---
    async def ask(self, chat_id: int, user_id: int, record: dict[str, str]) -> None:
        """The applicant was asked the group's question; `record` is what the answer needs."""
        key = self._keys.join_request(chat_id, user_id)
        async with multi(self._redis) as pipe:
            pipe.hset(key, mapping=fields_to_store(record))
            pipe.expire(key, GATE_JOIN_REQUEST_TTL)
            pipe.sadd(self._keys.applicant_chats(user_id), str(chat_id))
            pipe.expire(self._keys.applicant_chats(user_id), GATE_JOIN_REQUEST_TTL)
            await pipe.execute()

    async def waiting_chats(self, user_id: int) -> list[int]:
        """The groups waiting for this applicant's answer."""
        return sorted(int(v) for v in await self._redis.smembers(self._keys.applicant_chats(user_id)))

    async def take_request(self, chat_id: int, user_id: int) -> dict[str, str] | None:
        """The asked request's record, once: None when another process took the answer first."""
        key = self._keys.join_request(chat_id, user_id)
        async with multi(self._redis) as pipe:
            pipe.hgetall(key)
            pipe.delete(key)
            pipe.srem(self._keys.applicant_chats(user_id), str(chat_id))
            raw, removed, _ = await pipe.execute()
        return {str(k): str(v) for k, v in raw.items()} if removed else None

    async def declined(self, chat_id: int, user_id: int, record: dict[str, str]) -> None:
        """A declined request, kept for GATE_APPEAL_TTL so the applicant may appeal it."""
        key = self._keys.join_declined(chat_id, user_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=fields_to_store(record))
            pipe.expire(key, GATE_APPEAL_TTL)
            await pipe.execute()

    async def decline_record(self, chat_id: int, user_id: int) -> dict[str, str]:
        """What `declined` kept ({} once expired or let in)."""
        raw = await self._redis.hgetall(self._keys.join_declined(chat_id, user_id))
        return {str(k): str(v) for k, v in raw.items()}

    async def mark_appealed(self, chat_id: int, user_id: int) -> bool:
        """True the first time: an appeal reaches the admins once."""
        return bool(await self._redis.hsetnx(self._keys.join_declined(chat_id, user_id), "appealed", "1"))

    async def unmark_appealed(self, chat_id: int, user_id: int) -> None:
        await self._redis.hdel(self._keys.join_declined(chat_id, user_id), "appealed")

    async def forget_decline(self, chat_id: int, user_id: int) -> None:
        await self._redis.delete(self._keys.join_declined(chat_id, user_id))

    # --- raid mode -----------------------------------------------------------------------
    async def raid_until(self, chat_id: int) -> float | None:
        raw = await self._redis.get(self._keys.raid(chat_id))
        return float(raw) if raw else None

    async def start_raid(self, chat_id: int, until: float, duration_s: int) -> bool:
        """True for the caller that turned raid mode on (so only one tells the admins)."""
        return bool(await self._redis.set(self._keys.raid(chat_id), repr(until), nx=True, ex=max(1, duration_s)))

    async def set_raid(self, chat_id: int, until: float, duration_s: int) -> None:
        await self._redis.set(self._keys.raid(chat_id), repr(until), ex=max(1, duration_s))

    async def end_raid(self, chat_id: int) -> bool:
        return bool(await self._redis.delete(self._keys.raid(chat_id)))

    # --- captcha -------------------------------------------------------------------------
    async def hold(self, chat_id: int, pending: Pending) -> None:
        async with multi(self._redis) as pipe:
            pipe.hset(self._keys.captcha_pending(chat_id), str(pending.user_id), pending.dump())
            pipe.expire(self._keys.captcha_pending(chat_id), GATE_PENDING_TTL)
            pipe.zadd(self._keys.captcha_deadlines, {f"{chat_id}:{pending.user_id}": pending.deadline})
            await pipe.execute()

    async def pending(self, chat_id: int) -> list[Pending]:
        raw = await self._redis.hgetall(self._keys.captcha_pending(chat_id))
        found = [Pending.load(str(value)) for value in raw.values()]
        return sorted((p for p in found if p is not None), key=lambda p: p.deadline)

    async def pending_one(self, chat_id: int, user_id: int) -> Pending | None:
        raw = await self._redis.hget(self._keys.captcha_pending(chat_id), str(user_id))
        return Pending.load(str(raw)) if raw else None

    async def release(self, chat_id: int, user_id: int) -> Pending | None:
        """Takes the newcomer off the waiting list; None when someone else already did."""
        key = self._keys.captcha_pending(chat_id)
        async with multi(self._redis) as pipe:
            pipe.hget(key, str(user_id))
            pipe.hdel(key, str(user_id))
            pipe.zrem(self._keys.captcha_deadlines, f"{chat_id}:{user_id}")
            raw, removed, _ = await pipe.execute()
        return Pending.load(str(raw)) if removed and raw else None

    async def due(self, now: float, limit: int = 100) -> list[tuple[int, int]]:
        members = await self._redis.zrangebyscore(self._keys.captcha_deadlines, "-inf", now, start=0, num=limit)
        result = []
        for raw in members:
            member = str(raw)
            chat, _, user = member.rpartition(":")
            try:
                result.append((int(chat), int(user)))
            except ValueError:
                await self._redis.zrem(self._keys.captcha_deadlines, member)  # malformed: never due again
        return result

    async def prompt(self, chat_id: int) -> Prompt | None:
        raw = await self._redis.hgetall(self._keys.captcha_prompt(chat_id))
        if not raw or "message_id" not in raw:
            return None
        return Prompt(int(raw["message_id"]), str(raw.get("answer", "")))

    async def set_prompt(self, chat_id: int, prompt: Prompt) -> None:
        key = self._keys.captcha_prompt(chat_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.hset(key, mapping={"message_id": str(prompt.message_id), "answer": prompt.answer})
            pipe.expire(key, GATE_PENDING_TTL)
            await pipe.execute()

    async def clear_prompt(self, chat_id: int, message_id: int) -> bool:
        """Forgets the prompt only if it is still `message_id` (a newer one may have replaced it)."""
        key = self._keys.captcha_prompt(chat_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    current = await pipe.hget(key, "message_id")
                    if current != str(message_id):
                        await pipe.reset()
                        return False
                    pipe.multi()
                    pipe.delete(key)
                    await pipe.execute()
                    return True
                except WatchError:
                    continue
