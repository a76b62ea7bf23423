"""A group's notes (/save, /get, #name, /notes, /clear): one Redis hash per group, name -> text."""

from __future__ import annotations

import re

import redis.asyncio as aioredis

from luka_bot.store.keys import Keys

NOTE_NAME = re.compile(r"[\w-]{1,32}")
NOTE_TEXT_MAX = 4000
NOTES_MAX = 200  # per group: every question ranks them all


def note_name(raw: str) -> str | None:
    """The canonical name (lower case, no leading #) or None when it is not a valid name."""
    name = raw.strip().lstrip("#").lower()
    return name if NOTE_NAME.fullmatch(name) else None


class NotesFull(Exception):
    pass


class NotesStore:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def save(self, chat_id: int, name: str, text: str) -> None:
        key = self._keys.notes(chat_id)
        if not await self._redis.hexists(key, name) and await self._redis.hlen(key) >= NOTES_MAX:
            raise NotesFull(name)
        await self._redis.hset(key, name, text[:NOTE_TEXT_MAX])

    async def get(self, chat_id: int, name: str) -> str | None:
        value = await self._redis.hget(self._keys.notes(chat_id), name)
        return None if value is None else str(value)

    async def all(self, chat_id: int) -> dict[str, str]:
        return {str(k): str(v) for k, v in (await self._redis.hgetall(self._keys.notes(chat_id))).items()}

    async def delete(self, chat_id: int, name: str) -> bool:
        return bool(await self._redis.hdel(self._keys.notes(chat_id), name))
