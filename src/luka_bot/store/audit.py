"""The audit trail: one capped list per chat, newest first, one JSON entry per decision.

A list rather than a stream because a stream's fixed cost per key is ~4.7 KB (its first listpack
node is sized for `stream-node-max-bytes`), against ~300 bytes for a list with one entry: the
audit was most of what an idle chat cost in Redis. Entries keep the fields they had as stream
entries, plus an id made of the write time in ms and a random suffix (order comes from the list).
Audits written by older versions as a stream (`Keys.audit_legacy`) are still read after the new
entries, so an upgrade loses no history.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis

from luka_bot.store.keys import AUDIT_MAXLEN, AUDIT_TTL, Keys
from luka_bot.store.redis import stream_entries


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: str
    fields: dict[str, str]


def _entry(raw: Any) -> AuditEntry | None:
    try:
        data = json.loads(raw)
        return AuditEntry(str(data.pop("_id", "")), {str(k): str(v) for k, v in data.items()})
    except (ValueError, TypeError, AttributeError):
        return None  # not ours (edited by hand): skipped, the rest of the trail still shows


class AuditLog:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys

    def prepare(self, chat_id: int, fields: Mapping[str, object]) -> tuple[str, str, str]:
        """(key, entry as stored, entry id) for a caller that writes the entry in a script of its
        own (enforcement writes it in one step with the done marker): LPUSH, LTRIM to
        AUDIT_MAXLEN - 1, EXPIRE AUDIT_TTL, as `write` does."""
        now = time.time()
        entry_id = f"{int(now * 1000)}-{secrets.token_hex(3)}"
        entry = {"_id": entry_id, "at": repr(now), **{k: "" if v is None else str(v) for k, v in fields.items()}}
        return self._keys.audit(chat_id), json.dumps(entry, ensure_ascii=False), entry_id

    async def write(self, chat_id: int, fields: Mapping[str, object]) -> str:
        key, payload, entry_id = self.prepare(chat_id, fields)
        # One MULTI: the entry, the cap (AUDIT_MAXLEN newest) and the idle lifetime come together.
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.lpush(key, payload)
            pipe.ltrim(key, 0, AUDIT_MAXLEN - 1)
            pipe.expire(key, AUDIT_TTL)
            await pipe.execute()
        return entry_id

    async def recent(self, chat_id: int, count: int = 50) -> list[AuditEntry]:
        """The newest `count` entries, newest first (a pre-upgrade stream's entries after them)."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.lrange(self._keys.audit(chat_id), 0, count - 1)
            pipe.xrevrange(self._keys.audit_legacy(chat_id), count=count)
            rows, legacy = await pipe.execute(raise_on_error=False)
        entries = [e for e in (_entry(row) for row in (rows if isinstance(rows, list) else [])) if e is not None]
        if len(entries) < count and isinstance(legacy, list):
            entries += [
                AuditEntry(entry_id, fields) for entry_id, fields in stream_entries(legacy[: count - len(entries)])
            ]
        return entries
