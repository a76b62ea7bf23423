"""/console in a private chat: a one-time sign-in link to the admin console, scoped to the groups
where Telegram says the sender is an admin (asked through the admin cache, per group)."""

from __future__ import annotations

from aiogram import Router
from aiogram.enums import ChatType
from aiogram.filters import Command
from aiogram.types import LinkPreviewOptions, Message

from luka_bot.store.console_links import ConsoleLinks
from luka_bot.store.keys import CONSOLE_LINK_TTL
from luka_bot.store.known_groups import KnownGroups
from luka_bot.telegram.admins import AdminCache
from luka_bot.texts import count, language_of, render
from luka_bot.texts.console import TEXTS

MAX_GROUPS = 200  # a bound on the admin checks one command may cost


async def console(message: Message, known_groups: KnownGroups, admins: AdminCache, console_links: ConsoleLinks) -> None:
    user = message.from_user
    if user is None:
        return
    lang = language_of(user.language_code)
    if message.chat.type != ChatType.PRIVATE:
        await message.reply(render(TEXTS, "cmd.private_only", lang))
        return
    if not console_links.available:
        await message.answer(render(TEXTS, "cmd.off", lang))
        return
    known = (await known_groups.ids())[:MAX_GROUPS]
    groups = [chat_id for chat_id in known if await admins.is_admin(chat_id, user.id)]
    if not groups:
        await message.answer(render(TEXTS, "cmd.no_groups", lang))
        return
    url = await console_links.issue(user.id, user.full_name, lang, groups)
    await message.answer(
        render(
            TEXTS, "cmd.link", lang, url=url, minutes=CONSOLE_LINK_TTL // 60, groups=count(len(groups), "group", lang)
        ),
        parse_mode="HTML",
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )


def create_router() -> Router:
    router = Router(name="console")
    router.message.register(console, Command("console"))
    return router
