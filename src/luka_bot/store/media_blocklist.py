"""Media the admins marked as spam, per group: file_unique_ids and perceptual hashes in Redis.

Both lists are sorted sets scored by when a file was marked, capped at MEDIA_BLOCKLIST_CAP (the
oldest leave first). The hashes of a group are kept in process for a few seconds as a numpy array,
so a lookup is one vectorised pass, not a Redis round trip per message.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

import redis.asyncio as aioredis

from luka_bot.moderation.media_hash import HashSet, from_hex, to_hex
from luka_bot.store.keys import MEDIA_BLOCKLIST_CAP, Keys
from luka_bot.store.redis import multi


class MediaBlocklist:
    def __init__(
        self, redis: aioredis.Redis, keys: Keys, *, cache_seconds: float = 5.0, cap: int = MEDIA_BLOCKLIST_CAP
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._cache_seconds = cache_seconds
        self._cap = cap
        self._cache: dict[int, tuple[float, HashSet]] = {}

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

    async def has_file(self, chat_id: int, file_unique_id: str) -> bool:
        return await self._redis.zscore(self._keys.media_files(chat_id), file_unique_id) is not None

    async def hashes(self, chat_id: int) -> HashSet:
        hit = self._cache.get(chat_id)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        raw = await self._redis.zrange(self._keys.media_hashes(chat_id), 0, -1)
        texts = (r.decode() if isinstance(r, bytes) else str(r) for r in raw)
        values = HashSet(v for v in (from_hex(t) for t in texts) if v is not None)
        self._cache[chat_id] = (time.monotonic() + self._cache_seconds, values)
        return values

    async def count(self, chat_id: int) -> tuple[int, int]:
        """(files, hashes) listed for the group."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zcard(self._keys.media_files(chat_id))
            pipe.zcard(self._keys.media_hashes(chat_id))
            files, hashes = await pipe.execute()
        return int(files), int(hashes)
