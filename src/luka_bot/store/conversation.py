"""What the bot remembers about messages: their text (for reply chains), the bot messages posted
for each user message, and whether moderation removed it.

The two sides of the reply race meet here, each in one atomic step:
- the assistant records a new bot message and reads the verdict (`track`);
- the moderator sets the verdict and reads the recorded bot messages (`mark_removed`).
Whichever runs second sees the other's write, so no bot reply can escape deletion.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import redis.asyncio as aioredis

from luka_bot.store.keys import MESSAGE_TTL, REPLIES_TTL, VERDICT_TTL, Keys
from luka_bot.store.redis import fields_to_store, text_fields


@dataclass(frozen=True, slots=True)
class StoredMessage:
    message_id: int
    user_id: int
    name: str
    text: str
    is_bot: bool
    reply_to: int | None
    date: float = 0.0


def message_record(
    *, user_id: int, name: str, text: str, kind: str, date: float, reply_to: int | None, is_bot: bool, revision: int = 0
) -> dict[str, str]:
    """The hash stored for a message; the intake writes it for every group message."""
    return {
        "user_id": str(user_id),
        "name": name,
        "text": text,
        "kind": kind,
        "date": repr(date),
        "reply_to": str(reply_to or ""),
        "is_bot": "1" if is_bot else "0",
        "revision": str(revision),
    }


class ConversationStore:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def track(self, chat_id: int, message_id: int, bot_message_id: int) -> bool:
        """Record a bot message posted for `message_id`; True when that message was removed."""
        replies = self._keys.replies(chat_id, message_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.sadd(replies, bot_message_id)
            pipe.expire(replies, REPLIES_TTL)
            pipe.exists(self._keys.verdict(chat_id, message_id))
            _, _, removed = await pipe.execute()
        return bool(removed)

    def verdict_key(self, chat_id: int, message_id: int) -> str:
        """The key whose existence says the message was removed (what `is_removed` reads)."""
        return self._keys.verdict(chat_id, message_id)

    async def is_removed(self, chat_id: int, message_id: int) -> bool:
        return bool(await self._redis.exists(self._keys.verdict(chat_id, message_id)))

    async def mark_removed(self, chat_id: int, message_id: int, reason: str) -> list[int]:
        """Set the verdict and return every bot message recorded for the message so far."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._keys.verdict(chat_id, message_id), reason, ex=VERDICT_TTL)
            pipe.smembers(self._keys.replies(chat_id, message_id))
            _, members = await pipe.execute()
        return sorted(int(member) for member in members)

    async def replies(self, chat_id: int, message_id: int) -> list[int]:
        return sorted(int(m) for m in await self._redis.smembers(self._keys.replies(chat_id, message_id)))

    async def record(self, chat_id: int, message_id: int, record: Mapping[str, str]) -> None:
        key = self._keys.message(chat_id, message_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping=fields_to_store(record))
            pipe.expire(key, MESSAGE_TTL)
            await pipe.execute()

    async def get(self, chat_id: int, message_id: int) -> StoredMessage | None:
        raw = text_fields(await self._redis.hgetall(self._keys.message(chat_id, message_id)))
        if not raw:
            return None
        return StoredMessage(
            message_id=message_id,
            user_id=int(raw.get("user_id") or 0),
            name=raw.get("name", ""),
            text=raw.get("text", ""),
            is_bot=raw.get("is_bot") == "1",
            reply_to=int(raw["reply_to"]) if raw.get("reply_to") else None,
            date=_float(raw.get("date")),
        )

    async def recent(self, chat_id: int, *, since: float | None = None, limit: int = 50) -> list[StoredMessage]:
        """Members' recent messages in a group, oldest first, from the index the intake keeps.
        A message moderation removed (its verdict is set) is left out, whatever its text."""
        index = self._keys.recent_messages(chat_id)
        low = "-inf" if since is None else repr(since)
        ids = [int(str(m)) for m in await self._redis.zrevrangebyscore(index, "+inf", low, start=0, num=limit)]
        if not ids:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for message_id in ids:
                pipe.exists(self._keys.verdict(chat_id, message_id))
            removed = await pipe.execute()
        kept: list[StoredMessage] = []
        for message_id, gone in zip(ids, removed, strict=True):
            if gone:
                continue
            stored = await self.get(chat_id, message_id)
            if stored is None or stored.is_bot or not stored.text.strip():
                continue
            kept.append(stored)
        kept.reverse()
        return kept

    async def chain(self, chat_id: int, message_id: int, limit: int) -> list[StoredMessage]:
        """The reply chain ending at `message_id`, oldest first."""
        chain: list[StoredMessage] = []
        current: int | None = message_id
        seen: set[int] = set()
        while current is not None and current not in seen and len(chain) < limit:
            seen.add(current)
            stored = await self.get(chat_id, current)
            if stored is None:
                break
            chain.append(stored)
            current = stored.reply_to
        chain.reverse()
        return chain


def _float(value: object) -> float:
    try:
        return float(str(value or 0))
    except ValueError:
        return 0.0
