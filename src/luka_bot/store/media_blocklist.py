"""Media the admins marked as spam, per group: file_unique_ids and perceptual hashes in Redis.

Both lists are sorted sets scored by when a file was marked, capped at MEDIA_BLOCKLIST_CAP (the
oldest leave first). The hashes of a group are kept in process for a few seconds as a numpy array,
so a lookup is one vectorised pass, not a Redis round trip per message; that cache holds the
`cache_size` most recently checked groups (a bot in 100,000 groups keeps only the active ones).
The index type is the caller's (`make_index`, moderation/media_hash.py's `HashSet` in the app):
storage does not import the moderation domain.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

import redis.asyncio as aioredis
from cachetools import TTLCache

from luka_bot.store.keys import MEDIA_BLOCKLIST_CAP, Keys
from luka_bot.store.redis import multi

Index = TypeVar("Index")


def to_hex(value: int) -> str:
    """A 64-bit hash as Redis keeps it."""
    return f"{value:016x}"


def from_hex(text: str) -> int | None:
    """The hash `to_hex` wrote; None for anything else (written by another version)."""
    try:
        value = int(text, 16)
    except ValueError:
        return None
    return value if 0 <= value < 2**64 else None


class MediaBlocklist(Generic[Index]):
    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        make_index: Callable[[Iterable[int]], Index],
        *,
        cache_seconds: float = 5.0,
        cap: int = MEDIA_BLOCKLIST_CAP,
        cache_size: int = 1_000,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._make_index = make_index
        self._cap = cap
        self._cache: TTLCache[int, Index] = TTLCache(maxsize=cache_size, ttl=cache_seconds)

    async def add(self, chat_ids: Iterable[int], file_unique_id: str, phash: int | None) -> None:
        now = time.time()
        chats = list(dict.fromkeys(chat_ids))
        async with multi(self._redis) as pipe:
            for chat_id in chats:
                if file_unique_id:
                    pipe.zadd(self._keys.media_files(chat_id), {file_unique_id: now})
                    pipe.zremrangebyrank(self._keys.media_files(chat_id), 0, -self._cap - 1)
                if phash is not None:
                    pipe.zadd(self._keys.media_hashes(chat_id), {to_hex(phash): now})
                    pipe.zremrangebyrank(self._keys.media_hashes(chat_id), 0, -self._cap - 1)
            await pipe.execute()
        for chat_id in chats:
            self._cache.pop(chat_id, None)

    @property
    def cached_groups(self) -> int:
        """Groups whose hashes are held in process now (at most `cache_size`)."""
        return len(self._cache)

    async def has_file(self, chat_id: int, file_unique_id: str) -> bool:
        return await self._redis.zscore(self._keys.media_files(chat_id), file_unique_id) is not None

    async def hashes(self, chat_id: int) -> Index:
        hit = self._cache.get(chat_id)
        if hit is not None:
            return hit
        raw = await self._redis.zrange(self._keys.media_hashes(chat_id), 0, -1)
        texts = (r.decode() if isinstance(r, bytes) else str(r) for r in raw)
        values = self._make_index(v for v in (from_hex(t) for t in texts) if v is not None)
        self._cache[chat_id] = values
        return values

    async def count(self, chat_id: int) -> tuple[int, int]:
        """(files, hashes) listed for the group."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zcard(self._keys.media_files(chat_id))
            pipe.zcard(self._keys.media_hashes(chat_id))
            files, hashes = await pipe.execute()
        return int(files), int(hashes)
