"""Group settings in Redis (one JSON value per group), with a short in-process cache.

The cache keeps the per-message hot path at zero extra round trips; a change made through this
repository is visible at once in this process and within `cache_seconds` in the others. It is an
LRU with a TTL (`cache_size` chats), so a bot in 100,000 groups holds only the active ones; and a
group that never changed a setting shares the one (frozen) default instance rather than a copy.
"""

from __future__ import annotations

from collections.abc import Callable

import redis.asyncio as aioredis
import structlog
from cachetools import TTLCache
from pydantic import ValidationError
from redis.exceptions import WatchError

from luka_bot.policy.group import GroupSettings, JudgeMode
from luka_bot.store.keys import Keys
from luka_bot.store.redis import optional_text

log = structlog.get_logger(__name__)


class GroupSettingsRepository:
    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        *,
        default_judge: str = "uncertain",
        cache_seconds: float = 5.0,
        cache_size: int = 10_000,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._default_judge = JudgeMode(default_judge)
        self._cache_seconds = cache_seconds
        self._cache: TTLCache[int, GroupSettings] = TTLCache(maxsize=cache_size, ttl=cache_seconds)
        self._defaults = GroupSettings(llm_judge=self._default_judge)
        # Writes through this repository, counted: a read that began before the latest write of
        # its chat must not cache what it read over the newer settings (the write cached them).
        # Bounded like the cache; a read outlives neither.
        self._writes = 0
        self._written_at: TTLCache[int, int] = TTLCache(maxsize=cache_size, ttl=max(60.0, cache_seconds))

    def defaults(self) -> GroupSettings:
        return self._defaults  # frozen, so one instance serves every group on defaults

    def parse(self, chat_id: int, raw: str | None) -> GroupSettings:
        if raw is None:
            return self.defaults()
        try:
            return GroupSettings.model_validate_json(raw)
        except ValidationError as exc:
            # A stored value from an older version or edited by hand: keep the group running
            # on defaults and say so, rather than failing every message of that group.
            log.warning("group_settings.invalid", chat_id=chat_id, error=str(exc).splitlines()[0])
            return self.defaults()

    def read_token(self) -> int:
        """Taken before reading the settings from Redis; pass it to `remember` with what was read."""
        return self._writes

    def remember(self, chat_id: int, settings: GroupSettings, *, read_token: int | None = None) -> None:
        """Cache `settings`. With `read_token` they are what a read begun then saw: kept only when
        no write of this chat came since (else they may be older than what that write cached)."""
        if read_token is not None:
            if self._written_at.get(chat_id, 0) > read_token:
                return
        else:
            self._writes += 1
            self._written_at[chat_id] = self._writes
        # Equal to the defaults (a stored value someone set back): keep the shared instance.
        self._cache[chat_id] = self._defaults if settings == self._defaults else settings

    def forget(self, chat_id: int) -> None:
        """Drop the cached settings (the group's state moved to another chat id)."""
        self._cache.pop(chat_id, None)

    def cached(self, chat_id: int) -> GroupSettings | None:
        return self._cache.get(chat_id)

    async def get(self, chat_id: int) -> GroupSettings:
        cached = self.cached(chat_id)
        if cached is not None:
            return cached
        token = self.read_token()
        settings = self.parse(chat_id, optional_text(await self._redis.get(self._keys.group_settings(chat_id))))
        self.remember(chat_id, settings, read_token=token)
        return settings

    async def update(self, chat_id: int, change: Callable[[GroupSettings], GroupSettings]) -> GroupSettings:
        """Apply `change` to the stored settings atomically (optimistic WATCH/MULTI, retried), so
        two admins changing different settings at once never undo each other."""
        key = self._keys.group_settings(chat_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            while True:
                try:
                    await pipe.watch(key)
                    new = change(self.parse(chat_id, optional_text(await pipe.get(key))))
                    pipe.multi()
                    pipe.set(key, new.model_dump_json())
                    await pipe.execute()
                    break
                except WatchError:
                    continue  # someone else changed them meanwhile: read again and re-apply
        self.remember(chat_id, new)
        return new

    async def save(self, chat_id: int, settings: GroupSettings) -> None:
        await self._redis.set(self._keys.group_settings(chat_id), settings.model_dump_json())
        self.remember(chat_id, settings)
