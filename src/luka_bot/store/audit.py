"""The audit trail: one stream per chat, one entry per moderation decision."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass

import redis.asyncio as aioredis

from luka_bot.store.keys import AUDIT_MAXLEN, Keys
from luka_bot.store.redis import fields_to_store, stream_entries


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: str
    fields: dict[str, str]


class AuditLog:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    async def write(self, chat_id: int, fields: Mapping[str, object]) -> str:
        entry = {"at": repr(time.time()), **{k: "" if v is None else str(v) for k, v in fields.items()}}
        return str(
            await self._redis.xadd(
                self._keys.audit(chat_id), fields_to_store(entry), maxlen=AUDIT_MAXLEN, approximate=True
            )
        )

    async def recent(self, chat_id: int, count: int = 50) -> list[AuditEntry]:
        rows = await self._redis.xrevrange(self._keys.audit(chat_id), count=count)
        return [AuditEntry(entry_id, fields) for entry_id, fields in stream_entries(rows)]
