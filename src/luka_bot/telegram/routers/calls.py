"""What several routers check before a command runs: that it came from a group, from an admin,
and (for the commands that act on a member) in reply to a member who may be acted on.

Two aiogram filters resolve that once, so a handler receives `call` (an `Invocation`) and, for
`AdminReply`, `target` (the member) as arguments instead of repeating the prelude. A filter that
refuses tells the sender why; the router then ends the command with `refused_here`, so a refused command never falls through to a later router (the assistant
would otherwise answer "/warn" sent in reply to one of its messages).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiogram import F
from aiogram.enums import ChatType
from aiogram.filters import CommandObject, Filter
from aiogram.types import Chat, Message, User

from luka_bot.policy.group import GroupSettings
from luka_bot.store.group_settings import GroupSettingsRepository
from luka_bot.telegram.admins import AdminCache
from luka_bot.texts import render
from luka_bot.texts.commands import TEXTS

GROUP_CHATS = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})
# For a handler's registration: `router.message.register(handler, Command("x"), IN_GROUPS)`.
IN_GROUPS = F.chat.type.in_(GROUP_CHATS)


def is_group(chat: Chat) -> bool:
    return chat.type in GROUP_CHATS


def display_name(user: User) -> str:
    """How the bot names a member: the name Telegram shows, else the username, else the id."""
    return user.full_name or user.username or str(user.id)


@dataclass(frozen=True, slots=True)
class Invocation:
    """A command in a group, with the group's settings and who sent it."""

    message: Message
    settings: GroupSettings
    command: str

    @property
    def chat_id(self) -> int:
        return self.message.chat.id

    @property
    def lang(self) -> str:
        return self.settings.language.value

    async def reply(self, key: str, catalog: dict[str, dict[str, str]] = TEXTS, **values: object) -> None:
        await self.message.reply(render(catalog, key, self.lang, **values), parse_mode="HTML")


Catalog = dict[str, dict[str, str]]


async def group_invocation(
    message: Message, command: CommandObject, group_settings: GroupSettingsRepository, catalog: Catalog = TEXTS
) -> Invocation | None:
    if not is_group(message.chat):
        await message.answer(render(catalog, "groups_only", "en"))
        return None
    settings = await group_settings.get(message.chat.id)
    return Invocation(message, settings, command.command.lower())


async def require_admin(call: Invocation, admins: AdminCache, catalog: Catalog = TEXTS) -> bool:
    if await admins.sent_by_admin(call.message):
        return True
    await call.reply("not_admin", catalog, command=call.command)
    return False


async def reply_target(call: Invocation, admins: AdminCache, me: User) -> User | None:
    """The replied-to member, or None after telling the admin why there is none."""
    reply = call.message.reply_to_message
    if reply is None or reply.from_user is None:
        await call.reply("needs_reply", command=call.command)
        return None
    user = reply.from_user
    if user.is_bot or user.id == me.id or reply.sender_chat is not None:
        await call.reply("target_is_bot")
        return None
    if await admins.is_admin(call.chat_id, user.id):
        await call.reply("target_is_admin", member=display_name(user))
        return None
    return user


class AdminCommand(Filter):
    """An admin's command in a group. Gives the handler `call`; refuses (and says why, from
    `catalog`: a feature may word its refusals its own way) otherwise. Goes after a
    `Command(...)` filter, whose `command` it reads."""

    def __init__(self, catalog: Catalog = TEXTS) -> None:
        self._catalog = catalog

    async def __call__(
        self, message: Message, command: CommandObject, group_settings: GroupSettingsRepository, admins: AdminCache
    ) -> bool | dict[str, Any]:
        call = await group_invocation(message, command, group_settings, self._catalog)
        if call is None or not await require_admin(call, admins, self._catalog):
            return False
        return {"call": call}


class AdminReply(Filter):
    """An admin's command in a group, in reply to a member who is neither a bot nor an admin.
    Gives the handler `call` and `target`; refuses (and says why) otherwise."""

    async def __call__(
        self,
        message: Message,
        command: CommandObject,
        group_settings: GroupSettingsRepository,
        admins: AdminCache,
        me: User,
    ) -> bool | dict[str, Any]:
        found = await AdminCommand()(message, command, group_settings, admins)
        if not isinstance(found, dict):
            return False
        target = await reply_target(found["call"], admins, me)
        return {**found, "target": target} if target is not None else False


async def refused_here(message: Message) -> None:
    """Ends a command its filter refused: the refusal was already said."""
