"""The one-time console sign-in links: /console (telegram/routers/console.py) issues one, the
console's login page (web/console.py) takes it. Both sides go through here, so the key and its
TTL are used in one place."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass

import redis.asyncio as aioredis

from luka_bot.store.keys import CONSOLE_LINK_TTL, Keys


@dataclass(frozen=True, slots=True)
class LinkGrant:
    """Whom a link signs in, and to which groups."""

    user_id: int
    name: str
    lang: str
    groups: list[int]


class ConsoleLinks:
    def __init__(self, redis: aioredis.Redis, keys: Keys, base_url: Callable[[], str]) -> None:
        self._redis = redis
        self._keys = keys
        # Read at each call: the web server learns its port after the links are built.
        self._base_url = base_url

    @property
    def available(self) -> bool:
        return bool(self._base_url())

    async def issue(self, user_id: int, name: str, lang: str, groups: list[int]) -> str:
        token = secrets.token_urlsafe(24)
        payload = json.dumps({"user_id": user_id, "name": name, "lang": lang, "groups": groups})
        await self._redis.set(self._keys.console_link(token), payload, ex=CONSOLE_LINK_TTL)
        return f"{self._base_url().rstrip('/')}/console/login?t={token}"

    async def take(self, token: str) -> LinkGrant | None:
        """The link's grant, once: a second use, an expired or a made-up token gives None."""
        if not 0 < len(token) <= 100:
            return None
        raw = await self._redis.getdel(self._keys.console_link(token))
        if raw is None:
            return None
        data = json.loads(raw)
        return LinkGrant(
            user_id=int(data["user_id"]),
            name=str(data.get("name", "")),
            lang=str(data.get("lang", "en")),
            groups=[int(g) for g in data["groups"]],
        )
