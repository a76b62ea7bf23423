"""Chat state written by versions before the Redis Cluster key layout is found under today's names."""

from __future__ import annotations

from luka_bot.store.audit import AuditLog
from luka_bot.telegram.inbound.migration import adopt_legacy_chat_keys, tagged

CHAT = -1001234


async def test_old_chat_keys_are_renamed_once_and_read_through_todays_stores(redis, keys):
    p = keys.prefix
    # As the previous version wrote them: the bare chat id as a key part.
    await redis.hset(f"{p}:rep:{CHAT}:7", mapping={"points": "42", "messages": "3"})
    await redis.zadd(f"{p}:top:{CHAT}", {"7": 42})
    await redis.lpush(f"{p}:auditlog:{CHAT}", '{"message_id": "5", "action": "delete"}')
    await redis.set(f"{p}:group:{CHAT}:settings", "{}")
    await redis.xadd(f"{p}:notice:jobs", {"kind": "member"})  # the old notice stream is not chat state

    moved = await adopt_legacy_chat_keys(redis, keys)

    assert moved == 4
    assert await redis.hget(keys.reputation(CHAT, 7), "points") == "42"
    assert await redis.zscore(keys.leaderboard(CHAT), "7") == 42
    assert await redis.get(keys.group_settings(CHAT)) == "{}"
    assert not await redis.exists(f"{p}:rep:{CHAT}:7", f"{p}:top:{CHAT}", f"{p}:auditlog:{CHAT}")
    assert await redis.exists(f"{p}:notice:jobs")
    entries = await AuditLog(redis, keys).recent(CHAT, count=10)
    assert [e.fields.get("action") for e in entries] == ["delete"]
    # Done once: a later start does not scan again, and a key written now in the old form stays.
    await redis.set(f"{p}:raid:{CHAT}", "1")
    assert await adopt_legacy_chat_keys(redis, keys) == 0
    assert await redis.exists(f"{p}:raid:{CHAT}")


def test_only_per_chat_keys_of_an_older_version_are_renamed():
    assert tagged("luka:msg:-100:5", "luka") == "luka:msg:{c-100}:5"
    assert tagged("luka:msg:{c-100}:5", "luka") is None
    assert tagged("luka:notice:jobs", "luka") is None
    assert tagged("luka:started:7", "luka") is None
    assert tagged("other:msg:-100:5", "luka") is None
