"""The audit trail as a capped list: newest first, capped, expiring, small, and pre-upgrade history kept."""

from __future__ import annotations

import luka_bot.store.audit as audit_module
from luka_bot.store.audit import AuditLog
from luka_bot.store.keys import AUDIT_TTL

CHAT = -100123


async def test_entries_come_back_newest_first_with_their_fields(any_redis, keys) -> None:
    log = AuditLog(any_redis, keys)
    first = await log.write(CHAT, {"message_id": 1, "decision": "allow", "reason": None})
    second = await log.write(CHAT, {"message_id": 2, "decision": "delete", "text": "привет <b>"})
    entries = await log.recent(CHAT)
    assert [e.id for e in entries] == [second, first]
    assert entries[0].fields["text"] == "привет <b>" and entries[1].fields["reason"] == ""
    assert 0 < await any_redis.ttl(keys.audit(CHAT)) <= AUDIT_TTL


async def test_the_trail_keeps_only_the_newest_up_to_the_cap(any_redis, keys, monkeypatch) -> None:
    monkeypatch.setattr(audit_module, "AUDIT_MAXLEN", 5)
    log = AuditLog(any_redis, keys)
    for n in range(12):
        await log.write(CHAT, {"message_id": n})
    assert [e.fields["message_id"] for e in await log.recent(CHAT, count=100)] == ["11", "10", "9", "8", "7"]


async def test_a_stream_written_before_the_upgrade_is_still_read_after_new_entries(any_redis, keys) -> None:
    await any_redis.xadd(keys.audit_legacy(CHAT), {"message_id": "old", "at": "1"})
    log = AuditLog(any_redis, keys)
    await log.write(CHAT, {"message_id": "new"})
    assert [e.fields["message_id"] for e in await log.recent(CHAT)] == ["new", "old"]


async def test_one_entry_costs_a_few_hundred_bytes_not_a_stream_node(any_redis, keys) -> None:
    await AuditLog(any_redis, keys).write(
        CHAT, {"message_id": 7, "decision": "allow", "tier": "rules", "user_id": 10001, "name": "Member"}
    )
    assert await any_redis.memory_usage(keys.audit(CHAT)) < 1024
