"""A CAS-compatible ban-list lookup (https://cas.chat/api), cached in Redis, never slow.

`GET {CAS_URL}/check?user_id=N` answers {"ok": true, "result": {...}} for a listed account and
{"ok": false, ...} otherwise. A join decision never waits more than `timeout` (at most 1 s) for
it: a slow or failing lookup answers "unknown" (None), which the caller records and treats as not
listed, since the other checks still run. Only real answers are cached.
"""

from __future__ import annotations

import asyncio

import aiohttp
import redis.asyncio as aioredis
import structlog

from luka_bot.store.keys import CAS_CACHE_TTL, Keys

log = structlog.get_logger(__name__)

MAX_TIMEOUT_S = 1.0


class CasLookup:
    def __init__(
        self, redis: aioredis.Redis, keys: Keys, base_url: str | None, *, timeout: float = MAX_TIMEOUT_S
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._base_url = base_url.rstrip("/") if base_url else None
        self._timeout = min(timeout, MAX_TIMEOUT_S)
        self._session: aiohttp.ClientSession | None = None

    @property
    def configured(self) -> bool:
        return self._base_url is not None

    async def is_listed(self, user_id: int) -> bool | None:
        """True listed, False not listed, None unknown (off, slow or failing)."""
        if self._base_url is None:
            return None
        cached = await self._redis.get(self._keys.cas(user_id))
        if cached is not None:
            return cached == "1"
        try:
            listed = await asyncio.wait_for(self._ask(user_id), timeout=self._timeout)
        except (TimeoutError, aiohttp.ClientError, ValueError, TypeError) as exc:  # unknown, not "clean"
            log.warning("gate.cas_unavailable", user_id=user_id, error=type(exc).__name__)
            return None
        await self._redis.set(self._keys.cas(user_id), "1" if listed else "0", ex=CAS_CACHE_TTL)
        return listed

    async def _ask(self, user_id: int) -> bool:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        async with self._session.get(f"{self._base_url}/check", params={"user_id": str(user_id)}) as response:
            if response.status >= 500:
                raise aiohttp.ClientResponseError(response.request_info, (), status=response.status)
            body = await response.json(content_type=None)
        if not isinstance(body, dict):
            raise TypeError("CAS answer is not a JSON object")
        return body.get("ok") is True and bool(body.get("result"))

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
