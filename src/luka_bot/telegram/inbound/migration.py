"""A group that becomes a supergroup changes its chat id; everything the bot keeps for it follows.

Telegram tells the bot three ways, and each leads here:
- the `migrate_to_chat_id` service message in the old chat (and `migrate_from_chat_id` in the new);
- any Bot API call naming the old id answers 400 with `parameters.migrate_to_chat_id`: the
  session middleware `FollowMigration` moves the state and sends the call again to the new id, so
  a deletion, ban or notice in flight is not lost;
- a moderation job queued for the old id is re-targeted when it starts (`MigratingJobs`).

Moving the state: every key with the old chat id as one of its `:`-separated parts is renamed to
the same key with the new id (settings, policy, reputation, violations, sanctions, cases, audit,
log chat, message records, ...), so keys added later follow without a list to keep up to date;
references to the old id inside values (another group's log chat, the self-deleting notices'
schedule, the dashboard's group list) are rewritten. A key that already exists under the new id
takes the old one's content in (`_MOVE_SCRIPT` says how, by type). The move is idempotent: it runs again whenever late work wrote to old keys.
It SCANs the keyspace once per migration, which is rare (once in a group's life).
"""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis
import structlog
from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramMigrateToChat
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import TelegramObject, Update
from redis.exceptions import ResponseError

from luka_bot.jobs.queue import Job
from luka_bot.metrics import Metrics
from luka_bot.store.group_settings import GroupSettingsRepository
from luka_bot.store.keys import MESSAGE_TTL, Keys
from luka_bot.store.redis import fields_to_store, is_cluster, scored, stream_entries, text, text_fields
from luka_bot.store.round_trips import RoundTrips
from luka_bot.telegram.inbound.polling import mark_taken_in

log = structlog.get_logger(__name__)

# KEYS: pairs of (old key, new key). Renames each old key that exists to its new name; when the
# new one exists too (work for the old id finished after the move), merges into it by type, the
# new key winning on conflicts: stream entries are appended (with fresh ids), set and sorted-set
# members united, hash fields added where missing, list items appended; a string under the new
# id supersedes the old one. The TTL of the new key stays. Returns [renamed, merged].
_MOVE_SCRIPT = """
local renamed, merged = 0, 0
for i = 1, #KEYS, 2 do
  local src, dst = KEYS[i], KEYS[i + 1]
  if redis.call('EXISTS', src) == 1 then
    if redis.call('EXISTS', dst) == 0 then
      redis.call('RENAME', src, dst)
      renamed = renamed + 1
    else
      local kind = redis.call('TYPE', src)['ok']
      if kind == 'stream' then
        for _, entry in ipairs(redis.call('XRANGE', src, '-', '+')) do
          redis.call('XADD', dst, '*', unpack(entry[2]))
        end
      elseif kind == 'set' then
        redis.call('SUNIONSTORE', dst, dst, src)
      elseif kind == 'zset' then
        redis.call('ZUNIONSTORE', dst, 2, dst, src, 'AGGREGATE', 'MAX')
      elseif kind == 'hash' then
        local fields = redis.call('HGETALL', src)
        for j = 1, #fields, 2 do
          redis.call('HSETNX', dst, fields[j], fields[j + 1])
        end
      elseif kind == 'list' then
        for _, item in ipairs(redis.call('LRANGE', src, 0, -1)) do
          redis.call('RPUSH', dst, item)
        end
      end
      redis.call('DEL', src)
      merged = merged + 1
    end
  end
end
return {renamed, merged}
"""

# KEYS: scheduled deletions zset; ARGV: old chat id, new chat id. Re-points `old:message` members.
_RESCHEDULE_SCRIPT = """
local prefix = ARGV[1] .. ':'
local moved = 0
local all = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #all, 2 do
  local member = all[i]
  if string.sub(member, 1, #prefix) == prefix then
    redis.call('ZREM', KEYS[1], member)
    redis.call('ZADD', KEYS[1], all[i + 1], ARGV[2] .. ':' .. string.sub(member, #prefix + 1))
    moved = moved + 1
  end
end
return moved
"""


def renamed(key: str, old: int, new: int) -> str:
    """`key` with the old chat id replaced, whether it is a plain part or a chat's hash tag."""
    swap = {str(old): str(new), f"{{c{old}}}": f"{{c{new}}}"}
    return ":".join(swap.get(part, part) for part in key.split(":"))


async def _restore_as(redis: aioredis.Redis, src: str, dst: str) -> bool:
    """Copy `src` to the absent `dst` whole (DUMP/RESTORE, its TTL kept) and delete `src`; False
    when there is nothing to copy or `dst` appeared meanwhile (then the caller merges)."""
    dump = await redis.dump(src)
    ttl = int(await redis.pttl(src))
    if dump is None:
        return False
    try:
        await redis.restore(dst, max(ttl, 0), dump, replace=False)
    except ResponseError as exc:
        # A concurrent run of this move (the service message and a job of the old id both
        # migrate) restored it first: merge as if it had been there at the check.
        if not str(exc).startswith("BUSYKEY"):
            raise
        return False
    await redis.delete(src)
    return True


async def _move_across_slots(redis: aioredis.Redis, src: str, dst: str) -> str:
    """`_MOVE_SCRIPT` for one pair on a Redis Cluster, by commands: the same outcome, but not
    atomic; the move runs again whenever late work wrote to old keys, so a crash part way is
    finished by the next run (each step adds what is missing and deletes the old key last)."""
    kind = text(await redis.type(src))
    if kind == "none":
        return ""
    if not await redis.exists(dst) and await _restore_as(redis, src, dst):
        return "renamed"
    if kind == "stream":
        for _, fields in stream_entries(await redis.xrange(src)):
            await redis.xadd(dst, fields_to_store(fields))
    elif kind == "set":
        members = await redis.smembers(src)
        if members:
            await redis.sadd(dst, *members)
    elif kind == "zset":
        rows = await redis.zrange(src, 0, -1, withscores=True)
        if rows:
            await redis.zadd(dst, dict(scored(rows)), gt=True)
    elif kind == "hash":
        for field, value in text_fields(await redis.hgetall(src)).items():
            await redis.hsetnx(dst, field, value)
    elif kind == "list":
        items = await redis.lrange(src, 0, -1)
        if items:
            await redis.rpush(dst, *items)
    await redis.delete(src)
    return "merged"


class ChatMigration:
    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        group_settings: GroupSettingsRepository,
        metrics: Metrics,
        *,
        round_trips: RoundTrips | None = None,
    ) -> None:
        self._redis = redis
        # Every job asks (a chat may have moved since its intake): a batch asks in one round trip.
        self._round_trips = round_trips or RoundTrips(redis)
        self._keys = keys
        self._group_settings = group_settings
        self._metrics = metrics
        self._known: dict[int, int] = {}  # old id -> new id, learnt in this process

    def known(self, chat_id: int) -> int | None:
        return self._known.get(chat_id)

    async def resolve(self, chat_id: int) -> int:
        """The id a chat has now: follows a recorded migration (once; supergroups never migrate)."""
        if chat_id in self._known:
            return self._known[chat_id]
        if chat_id >= 0:
            return chat_id
        (value,) = await self._round_trips.send(lambda pipe: pipe.get(self._keys.chat_migrated(chat_id)))
        if value is None:
            return chat_id
        self._known[chat_id] = int(value)
        return int(value)

    async def migrate(self, old: int, new: int) -> None:
        """Move every piece of state of chat `old` to `new`; safe to run again and concurrently."""
        if old == new:
            return
        # Kept as long as a job for the old id may still be queued or retried.
        first = await self._redis.set(self._keys.chat_migrated(old), str(new), nx=True, ex=MESSAGE_TTL)
        self._known[old] = new
        pairs: list[str] = []
        async for key in self._redis.scan_iter(match=f"{self._keys.prefix}:*{old}*", count=1000):
            name = text(key)
            target = renamed(name, old, new)
            if target != name and name != self._keys.chat_migrated(old):
                pairs.extend((name, target))
        moved = kept = 0
        if is_cluster(self._redis):
            # The old and the new id hash to different slots: no script can see both keys.
            for start in range(0, len(pairs), 2):
                outcome = await _move_across_slots(self._redis, pairs[start], pairs[start + 1])
                moved += outcome == "renamed"
                kept += outcome == "merged"
        for start in range(0, len(pairs) if not is_cluster(self._redis) else 0, 200):
            batch = pairs[start : start + 200]
            result: Any = await self._redis.eval(_MOVE_SCRIPT, len(batch), *batch)
            moved += int(result[0])
            kept += int(result[1])
        rescheduled = int(
            await self._redis.eval(_RESCHEDULE_SCRIPT, 1, self._keys.scheduled_deletions, str(old), str(new))
        )
        await self._repoint_values(old, new)
        # Cached reads of either id would show the state from before the move.
        self._group_settings.forget(old)
        self._group_settings.forget(new)
        await self._redis.delete(self._keys.admins(old), self._keys.admins(new))
        if first:
            self._metrics.migrations.inc()
            log.warning(
                "chat.migrated",
                old_chat_id=old,
                new_chat_id=new,
                keys_moved=moved,
                keys_merged=kept,
                notices_rescheduled=rescheduled,
            )
        elif moved or rescheduled:
            log.info("chat.migration_swept", old_chat_id=old, new_chat_id=new, keys_moved=moved)

    async def _repoint_values(self, old: int, new: int) -> None:
        title = await self._redis.hget(self._keys.groups, str(old))
        if title is not None:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hsetnx(self._keys.groups, str(new), title)
                pipe.hdel(self._keys.groups, str(old))
                await pipe.execute()
        # Groups whose log chat was the old group send their log to the new id.
        async for key in self._redis.scan_iter(match=self._keys.log_chat_pattern, count=1000):
            if await self._redis.get(key) == str(old):
                await self._redis.set(key, str(new))


class FollowMigration(BaseRequestMiddleware):
    """A Bot API call that meets "group chat was upgraded to a supergroup chat" moves the chat's
    state and is sent again to the new id, once; calls naming an id known to have moved go
    straight to the new one."""

    def __init__(self, migration: ChatMigration) -> None:
        self._migration = migration

    async def __call__(
        self, make_request: NextRequestMiddlewareType[TelegramType], bot: Bot, method: TelegramMethod[TelegramType]
    ) -> Response[TelegramType]:
        chat_id = getattr(method, "chat_id", None)
        if isinstance(chat_id, int) and (moved := self._migration.known(chat_id)) is not None:
            method = method.model_copy(update={"chat_id": moved})
            chat_id = moved
        try:
            return await make_request(bot, method)
        except TelegramMigrateToChat as exc:
            if not isinstance(chat_id, int):
                raise
            new = exc.migrate_to_chat_id
            log.warning("telegram.chat_migrated", method=type(method).__name__, old_chat_id=chat_id, new_chat_id=new)
            await self._migration.migrate(chat_id, new)
            return await make_request(bot, method.model_copy(update={"chat_id": new}))


class MigratingJobs:
    """Wraps the moderation job handler: a job for a chat that has since moved runs for the new id,
    and state its run wrote under the old id while the chat moved is moved after it."""

    def __init__(self, handler: Any, migration: ChatMigration) -> None:
        self._handler = handler
        self._migration = migration

    async def __call__(self, job: Job) -> None:
        try:
            chat_id = int(job.fields.get("chat_id") or 0)
        except ValueError:
            return await self._handler(job)
        current = await self._migration.resolve(chat_id)
        if current != chat_id:
            job = Job(job.id, {**job.fields, "chat_id": str(current)}, job.attempt)
        await self._handler(job)
        if current == chat_id and (moved := self._migration.known(chat_id)) is not None:
            await self._migration.migrate(chat_id, moved)  # it moved while this job ran


class MigrationWatch(BaseMiddleware):
    """The service messages of a migration move the state; they are not moderated or answered."""

    def __init__(self, migration: ChatMigration) -> None:
        self._migration = migration

    async def __call__(self, handler: Any, event: TelegramObject, data: dict[str, Any]) -> Any:
        message = event.message if isinstance(event, Update) else None
        if message is not None and message.migrate_to_chat_id:
            await self._migration.migrate(message.chat.id, message.migrate_to_chat_id)
        elif message is not None and message.migrate_from_chat_id:
            await self._migration.migrate(message.migrate_from_chat_id, message.chat.id)
        else:
            return await handler(event, data)
        mark_taken_in(data)
        return None


# The kinds of per-chat key (`<prefix>:<kind>:<chat id>...`) that versions before the Redis
# Cluster layout wrote with a bare chat id; today the id is the chat's hash tag `{c<id>}`.
_CHAT_KINDS = frozenset(
    "msg replies verdict noticed claim progress righthint done group admins activity llmbudget samples "
    "auditlog audit rep viol violpen cevent top ach sanction notice logchat migrated approved captcha "
    "joinseen joins raid joinreq joindeclined linked usage usagenames acool anotice recent notes "
    "mediahash mediafile reacts reactheld".split()
)
LAYOUT_VERSION = "2"  # 2: chat keys carry the chat's hash tag (store/keys.py)


def tagged(key: str, prefix: str) -> str | None:
    """The cluster-layout name of a per-chat key written by an older version; None for others."""
    parts = key.split(":")
    if len(parts) < 3 or parts[0] != prefix or parts[1] not in _CHAT_KINDS:
        return None
    chat = parts[2]
    if not chat.lstrip("-").isdigit():
        return None  # the notice queue (`notice:jobs`), today's tagged keys
    return ":".join([*parts[:2], f"{{c{chat}}}", *parts[3:]])


async def adopt_legacy_chat_keys(redis: aioredis.Redis, keys: Keys) -> int:
    """Rename every per-chat key an older version wrote into today's layout, once per deployment.

    Runs at start before anything reads chat state; `<prefix>:layout` records that it is done, so
    later starts skip the SCAN. A key that exists under both names (a process of the new version
    wrote meanwhile) is merged as a chat migration merges (`_MOVE_SCRIPT`). Returns the keys moved."""
    marker = f"{keys.prefix}:layout"
    if await redis.get(marker) == LAYOUT_VERSION:
        return 0
    pairs: list[str] = []
    async for key in redis.scan_iter(match=f"{keys.prefix}:*", count=1000):
        name = text(key)
        target = tagged(name, keys.prefix)
        if target is not None:
            pairs.extend((name, target))
    moved = 0
    if is_cluster(redis):
        for start in range(0, len(pairs), 2):
            moved += bool(await _move_across_slots(redis, pairs[start], pairs[start + 1]))
    else:
        for start in range(0, len(pairs), 200):
            batch = pairs[start : start + 200]
            result: Any = await redis.eval(_MOVE_SCRIPT, len(batch), *batch)
            moved += int(result[0]) + int(result[1])
    await redis.set(marker, LAYOUT_VERSION)
    if moved:
        log.warning("store.layout_migrated", keys_moved=moved, layout=LAYOUT_VERSION)
    return moved
