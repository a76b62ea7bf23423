"""Moving a group's state to its new chat id, on a real Redis-protocol server."""

from __future__ import annotations

from luka_bot.metrics import Metrics
from luka_bot.store.audit import AuditLog
from luka_bot.store.group_settings import GroupSettingsRepository
from luka_bot.telegram.inbound.migration import ChatMigration, renamed

OLD, NEW = -4001, -1004001


def test_renamed_replaces_every_part_equal_to_the_old_id_and_nothing_else() -> None:
    assert renamed("p:rep:-4001:17", OLD, NEW) == "p:rep:-1004001:17"
    # a group posting as itself (anonymous admin) is its own author
    assert renamed("p:rep:-4001:-4001", OLD, NEW) == "p:rep:-1004001:-1004001"
    assert renamed("p:rep:-40012:17", OLD, NEW) == "p:rep:-40012:17"


async def test_state_moves_merges_and_references_follow(redis, keys) -> None:
    migration = ChatMigration(redis, keys, GroupSettingsRepository(redis, keys), Metrics())
    await redis.set(keys.group_settings(OLD), '{"dry_run": true}')
    await redis.hset(keys.reputation(OLD, 17), mapping={"points": "-25"})
    await redis.zadd(keys.leaderboard(OLD), {"17": -25})
    await redis.set(keys.log_chat(OLD), str(OLD))  # the group logs to itself
    await redis.set(keys.log_chat(-5000), str(OLD))  # another group logs to it
    await redis.hset(keys.groups, str(OLD), "Old title")
    await redis.zadd(keys.scheduled_deletions, {f"{OLD}:9": 100.0, "-6000:3": 50.0})
    audit = AuditLog(redis, keys)
    await audit.write(OLD, {"message_id": "1"})
    await audit.write(NEW, {"message_id": "2"})  # the new chat already has a record
    await redis.sadd(keys.replies(OLD, 5), "6")

    await migration.migrate(OLD, NEW)

    assert await redis.get(keys.group_settings(NEW)) == '{"dry_run": true}'
    assert not await redis.exists(keys.group_settings(OLD))
    assert await redis.hget(keys.reputation(NEW, 17), "points") == "-25"
    assert await redis.zscore(keys.leaderboard(NEW), "17") == -25
    assert await redis.get(keys.log_chat(NEW)) == str(NEW)
    assert await redis.get(keys.log_chat(-5000)) == str(NEW)
    assert await redis.hgetall(keys.groups) == {str(NEW): "Old title"}
    assert await redis.zrange(keys.scheduled_deletions, 0, -1) == ["-6000:3", f"{NEW}:9"]
    assert [e.fields["message_id"] for e in await audit.recent(NEW)] == ["2", "1"]  # newest first
    assert not await redis.exists(keys.audit(OLD))
    assert await redis.smembers(keys.replies(NEW, 5)) == {"6"}
    assert await migration.resolve(OLD) == NEW
    # a fresh process learns it from Redis
    assert await ChatMigration(redis, keys, GroupSettingsRepository(redis, keys), Metrics()).resolve(OLD) == NEW

    # late work wrote under the old id: running the move again merges it in
    await audit.write(OLD, {"message_id": "3"})
    await migration.migrate(OLD, NEW)
    # Merged after what the new id holds (the move appends lists), so nothing is lost.
    assert sorted(e.fields["message_id"] for e in await audit.recent(NEW)) == ["1", "2", "3"]
