"""Onboarding: the bot's own rights in a group, and its command menus.

When the bot is added to a group or its rights change (`my_chat_member`), it checks what it can do
(delete, restrict, pin, invite) and whether privacy mode hides members' messages from it
(getMe's `can_read_all_group_messages`), and tells the group's admins what is missing and how to
fix it: once when added, and again whenever a right is taken away. At start it publishes its
command menus per scope (members, admins) in English and Russian.
"""

from __future__ import annotations

import structlog
from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeDefault,
    ChatMemberUpdated,
    User,
)

from luka_bot.store.group_settings import GroupSettingsRepository
from luka_bot.telegram.routers.calls import GROUP_CHATS
from luka_bot.texts import LANGUAGES
from luka_bot.texts.onboarding import (
    ADMIN_COMMANDS,
    MEMBER_COMMANDS,
    NEEDED_RIGHTS,
    rights_report,
)

log = structlog.get_logger(__name__)

_IN_CHAT = ("creator", "administrator", "member", "restricted")


def missing_rights(member: object) -> list[str]:
    """NEEDED_RIGHTS the bot lacks as this chat member; ["not_admin"] when it is no admin at all."""
    status = getattr(member, "status", "left")
    if status == "creator":
        return []
    if status != "administrator":
        return ["not_admin"]
    return [right for right in NEEDED_RIGHTS if not getattr(member, right, False)]


async def rights_changed(event: ChatMemberUpdated, bot: Bot, group_settings: GroupSettingsRepository, me: User) -> None:
    old, new = event.old_chat_member, event.new_chat_member
    if new.status not in _IN_CHAT:
        return  # removed from the group: nobody there to tell, and no way to
    added = old.status not in _IN_CHAT
    now_missing = missing_rights(new)
    before = [] if added else missing_rights(old)
    lost = [right for right in now_missing if right not in before]
    if not added and not lost and (now_missing or not before):
        return  # a change that took nothing away (or changed nothing we need): nothing new to say
    try:
        privacy_on = not (await bot.get_me()).can_read_all_group_messages
    except TelegramAPIError:
        privacy_on = False  # cannot tell now; the rights are still worth reporting
    lang = (await group_settings.get(event.chat.id)).language.value
    name = f"@{me.username}" if me.username else me.first_name
    text = rights_report(
        now_missing, privacy_on=privacy_on and added, lost=not added and bool(lost), bot_name=name, lang=lang
    )
    try:
        await bot.send_message(event.chat.id, text, parse_mode="HTML")
    except TelegramAPIError as exc:  # restricted in the group or no longer in it: nothing to do
        log.warning("onboarding.report_failed", chat_id=event.chat.id, error=str(exc))
        return
    log.info(
        "onboarding.rights_reported", chat_id=event.chat.id, missing=now_missing, added=added, privacy_on=privacy_on
    )


def _commands(entries: tuple[tuple[str, dict[str, str]], ...], lang: str) -> list[BotCommand]:
    return [BotCommand(command=name, description=descr.get(lang) or descr["en"]) for name, descr in entries]


async def publish_commands(bot: Bot) -> None:
    """Members see their commands in groups (and private chats); admins also see theirs."""
    scopes = (
        (BotCommandScopeDefault(), MEMBER_COMMANDS),
        (BotCommandScopeAllGroupChats(), MEMBER_COMMANDS),
        (BotCommandScopeAllChatAdministrators(), MEMBER_COMMANDS + ADMIN_COMMANDS),
    )
    try:
        for scope, entries in scopes:
            await bot.set_my_commands(_commands(entries, "en"), scope=scope)  # any other language
            for lang in LANGUAGES:
                await bot.set_my_commands(_commands(entries, lang), scope=scope, language_code=lang)
    except TelegramAPIError as exc:  # a menu is a convenience: the bot works without it
        log.warning("onboarding.commands_not_set", error=str(exc))


def create_router() -> Router:
    router = Router(name="onboarding")
    router.my_chat_member.register(rights_changed, F.chat.type.in_(GROUP_CHATS))
    router.startup.register(publish_commands)
    return router
