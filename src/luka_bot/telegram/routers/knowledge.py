"""The group's notes, as Rose users know them: /save name text (admins), /get name or #name,
/notes, /clear name (admins). Notes are sent as plain text (no parse mode), so whatever an admin
saved is shown as written and can never turn into markup. The assistant ranks them against
questions (assistant/knowledge.py)."""

from __future__ import annotations

import re

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from luka_bot.store.group_settings import GroupSettingsRepository
from luka_bot.store.notes import NotesFull, NotesStore, note_name
from luka_bot.telegram.admins import AdminCache
from luka_bot.telegram.routers.assistant import asker_language
from luka_bot.telegram.routers.calls import GROUP_CHATS
from luka_bot.texts import render
from luka_bot.texts.assistant import TEXTS

_HASHTAG = re.compile(r"#([\w-]{1,32})(?:\s|$)")


async def _lang(message: Message, group_settings: GroupSettingsRepository) -> str:
    return asker_language(message.from_user, await group_settings.get(message.chat.id))


async def _in_group(message: Message, lang: str) -> bool:
    if message.chat.type in GROUP_CHATS:
        return True
    await message.answer(render(TEXTS, "groups_only", lang))
    return False


async def save(
    message: Message,
    command: CommandObject,
    group_settings: GroupSettingsRepository,
    admins: AdminCache,
    notes: NotesStore,
) -> None:
    lang = await _lang(message, group_settings)
    if not await _in_group(message, lang):
        return
    if not await admins.sent_by_admin(message):
        await message.reply(render(TEXTS, "not_admin", lang))
        return
    head, _, rest = (command.args or "").strip().partition(" ")
    name = note_name(head) if head else None
    text = rest.strip()
    if not text and message.reply_to_message is not None:
        text = (message.reply_to_message.text or message.reply_to_message.caption or "").strip()
    if name is None or not text:
        await message.reply(render(TEXTS, "note.save_usage", lang))
        return
    try:
        await notes.save(message.chat.id, name, text)
    except NotesFull:
        await message.reply(render(TEXTS, "note.full", lang))
        return
    await message.reply(render(TEXTS, "note.saved", lang, name=name))


async def _send_note(message: Message, notes: NotesStore, name: str) -> bool:
    text = await notes.get(message.chat.id, name)
    if text is None:
        return False
    reply_to = message.reply_to_message or message  # "#rules" in reply to a newcomer answers them
    await reply_to.reply(text)
    return True


async def get(
    message: Message, command: CommandObject, group_settings: GroupSettingsRepository, notes: NotesStore
) -> None:
    lang = await _lang(message, group_settings)
    if not await _in_group(message, lang):
        return
    name = note_name((command.args or "").strip().split(" ")[0]) if command.args else None
    if name is None:
        await message.reply(render(TEXTS, "note.get_usage", lang))
        return
    if not await _send_note(message, notes, name):
        await message.reply(render(TEXTS, "note.missing", lang, name=name))


async def hashtag(message: Message, notes: NotesStore) -> None:
    match = _HASHTAG.match(message.text or "")
    name = note_name(match.group(1)) if match else None
    if name is None or not await _send_note(message, notes, name):
        raise SkipHandler  # an ordinary hashtag: let the other handlers see the message


async def list_notes(message: Message, group_settings: GroupSettingsRepository, notes: NotesStore) -> None:
    lang = await _lang(message, group_settings)
    if not await _in_group(message, lang):
        return
    names = sorted(await notes.all(message.chat.id))
    if not names:
        await message.reply(render(TEXTS, "notes.none", lang))
        return
    await message.reply(render(TEXTS, "notes.list", lang, names=", ".join(f"#{n}" for n in names)))


async def clear(
    message: Message,
    command: CommandObject,
    group_settings: GroupSettingsRepository,
    admins: AdminCache,
    notes: NotesStore,
) -> None:
    lang = await _lang(message, group_settings)
    if not await _in_group(message, lang):
        return
    if not await admins.sent_by_admin(message):
        await message.reply(render(TEXTS, "not_admin", lang))
        return
    name = note_name((command.args or "").strip()) if command.args else None
    if name is None:
        await message.reply(render(TEXTS, "note.clear_usage", lang))
        return
    if await notes.delete(message.chat.id, name):
        await message.reply(render(TEXTS, "note.cleared", lang, name=name))
    else:
        await message.reply(render(TEXTS, "note.missing", lang, name=name))


def create_router() -> Router:
    router = Router(name="knowledge")
    router.message.register(save, Command("save"))
    router.message.register(get, Command("get"))
    router.message.register(list_notes, Command("notes"))
    router.message.register(clear, Command("clear"))
    router.message.register(hashtag, F.text.startswith("#"), F.chat.type.in_({ChatType.GROUP, ChatType.SUPERGROUP}))
    return router
