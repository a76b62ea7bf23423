"""/lock, /unlock and /locks: the group's content locks (moderation/locks.py decides what breaks one).

The locks live in the group's settings, so both the inline tier and the worker read them with the
settings they already load; a change is seen here at once and by other processes within the
settings cache's few seconds.
"""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from luka_bot.moderation.locks import LOCK_TYPES, LockScope, parse_lock_names
from luka_bot.policy.group import GroupSettings
from luka_bot.store.group_settings import GroupSettingsRepository
from luka_bot.telegram.routers.calls import AdminCommand, Invocation, refused_here
from luka_bot.texts import render
from luka_bot.texts.locks import TEXTS

NEWCOMER_WORDS = frozenset({"newcomers", "newcomer", "new", "новички", "новичкам"})


def _types() -> str:
    return ", ".join(LOCK_TYPES)


def _with_locks(settings: GroupSettings, locks: dict[str, LockScope]) -> GroupSettings:
    return settings.model_copy(update={"locks": locks})


async def lock(
    message: Message,
    call: Invocation,
    command: CommandObject,
    group_settings: GroupSettingsRepository,
) -> None:
    lang = call.lang
    words = (command.args or "").split()[:40]
    scope = LockScope.NEWCOMERS if any(w.lower() in NEWCOMER_WORDS for w in words) else LockScope.ALL
    names, unknown = parse_lock_names(w for w in words if w.lower() not in NEWCOMER_WORDS)
    if unknown:
        await message.reply(render(TEXTS, "unknown", lang, words=", ".join(unknown), types=_types()))
        return
    if not names:
        await message.reply(render(TEXTS, "usage.lock", lang, types=_types()))
        return
    await group_settings.update(message.chat.id, lambda s: _with_locks(s, {**s.locks, **{n: scope for n in names}}))
    key = "locked.newcomers" if scope is LockScope.NEWCOMERS else "locked.all"
    await message.reply(render(TEXTS, key, lang, names=", ".join(names)))


async def unlock(
    message: Message,
    call: Invocation,
    command: CommandObject,
    group_settings: GroupSettingsRepository,
) -> None:
    lang = call.lang
    names, unknown = parse_lock_names((command.args or "").split()[:40])
    if unknown:
        await message.reply(render(TEXTS, "unknown", lang, words=", ".join(unknown), types=_types()))
        return
    if not names:
        await message.reply(render(TEXTS, "usage.unlock", lang, types=_types()))
        return
    await group_settings.update(
        message.chat.id, lambda s: _with_locks(s, {k: v for k, v in s.locks.items() if k not in names})
    )
    await message.reply(render(TEXTS, "unlocked", lang, names=", ".join(names)))


async def list_locks(
    message: Message,
    call: Invocation,
    group_settings: GroupSettingsRepository,
) -> None:
    lang = call.lang
    locks = (await group_settings.get(message.chat.id)).locks
    if not locks:
        await message.reply(render(TEXTS, "list.none", lang))
        return
    rows = [render(TEXTS, f"list.row.{locks[name].value}", lang, name=name) for name in LOCK_TYPES if name in locks]
    free = ", ".join(name for name in LOCK_TYPES if name not in locks) or "—"
    await message.reply(
        "\n".join([render(TEXTS, "list.title", lang), *rows, "", render(TEXTS, "list.footer", lang, types=free)]),
        parse_mode="HTML",
    )


def create_router() -> Router:
    router = Router(name="locks")
    admin_command = AdminCommand(TEXTS)
    router.message.register(lock, Command("lock"), admin_command)
    router.message.register(unlock, Command("unlock"), admin_command)
    router.message.register(list_locks, Command("locks"), admin_command)
    # A refused command ends here (its filter said why), never in a later router.
    router.message.register(refused_here, Command("lock", "unlock", "locks"))
    return router
