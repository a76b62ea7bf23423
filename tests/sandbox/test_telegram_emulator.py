"""The Telegram emulator over real HTTP: a real aiogram Bot on one side, the control API on the other."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BotCommand,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
    ChatPermissions,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)

from luka_bot.sandbox.telegram_emulator import TelegramEmulator, start_emulator
from luka_bot.sandbox.telegram_emulator.app import STATIC_DIR

GROUP = -1001234567890
ALICE = {"id": 111, "first_name": "Alice", "username": "alice"}
BOB = {"id": 222, "first_name": "Bob", "username": "bob"}
BOT_ID = 424242
NOT_MODIFIED = (
    "Telegram server says - Bad Request: message is not modified: specified new message content and reply "
    "markup are exactly the same as a current content and reply markup of the message"
)


@dataclass
class Control:
    session: aiohttp.ClientSession

    async def call(self, verb: str, path: str, body: dict | None = None) -> tuple[int, Any]:
        async with self.session.request(verb, path, json=body) as response:
            return response.status, await response.json()

    async def post(self, path: str, body: dict | None = None) -> Any:
        status, payload = await self.call("POST", path, body)
        assert status == 200, payload
        return payload

    async def get(self, path: str) -> Any:
        status, payload = await self.call("GET", path)
        assert status == 200, payload
        return payload

    async def say(self, user: dict, text: str, chat_id: int = GROUP, **extra: Any) -> int:
        answer = await self.post("/_emulator/messages", {"chat_id": chat_id, "from": user, "text": text, **extra})
        return answer["message_id"]


@pytest.fixture
async def server() -> AsyncIterator[tuple[TelegramEmulator, str]]:
    emulator, runner, port = await start_emulator("127.0.0.1", 0)
    yield emulator, f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture
async def bot(server: tuple[TelegramEmulator, str]) -> AsyncIterator[Bot]:
    client = Bot(f"{BOT_ID}:TEST-secret", session=AiohttpSession(api=TelegramAPIServer.from_base(server[1])))
    await client.get_me()  # the emulator learns the bot's id from its token, as Telegram knows it
    yield client
    await client.session.close()


@pytest.fixture
async def control(server: tuple[TelegramEmulator, str]) -> AsyncIterator[Control]:
    async with aiohttp.ClientSession(base_url=server[1]) as session:
        yield Control(session)


async def drain(bot: Bot) -> list:
    updates = await bot.get_updates(timeout=0)
    if updates:
        await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    return updates


# ----- identity and polling -----------------------------------------------------------------


async def test_get_me_reports_the_bot_behind_the_token(bot: Bot, control: Control) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (BOT_ID, "luka_test_bot", True)
    assert me.can_read_all_group_messages is True and me.can_join_groups is True
    config = await control.get("/_emulator/config")
    assert (config["bot_id"], config["bot_username"]) == (BOT_ID, "luka_test_bot")


async def test_long_poll_wakes_up_when_a_user_writes_and_offset_confirms(bot: Bot, control: Control) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await asyncio.sleep(0.2)
    assert not poll.done()
    await control.say(ALICE, "hello there")
    updates = await asyncio.wait_for(poll, 5)  # far below the 30 s poll: it woke on the message
    assert [u.message.text for u in updates] == ["hello there"]
    assert updates[0].message.chat.type == "supergroup" and updates[0].message.from_user.username == "alice"

    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [updates[0].update_id]  # not confirmed yet
    assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == []


async def test_a_second_poller_ends_the_first_with_conflict(bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=30))
    await asyncio.sleep(0.2)
    assert await bot.get_updates(timeout=0) == []
    with pytest.raises(TelegramConflictError):
        await asyncio.wait_for(first, 5)


async def test_aiogram_dispatcher_polls_and_replies_through_the_emulator(bot: Bot, control: Control) -> None:
    dispatcher = Dispatcher()

    @dispatcher.message(F.text)
    async def answer(message: Message) -> None:
        await message.reply(f"<b>echo</b> {message.text}", parse_mode="HTML")

    polling = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, close_bot_session=False, polling_timeout=5)
    )
    try:
        asked = await control.say(ALICE, "ping")
        for _ in range(100):
            messages = await control.get(f"/_emulator/chats/{GROUP}/messages")
            if len(messages) > 1:
                break
            await asyncio.sleep(0.05)
        reply = messages[-1]
        assert (reply["text"], reply["reply_to_message_id"], reply["from"]["is_bot"]) == ("echo ping", asked, True)
    finally:
        await dispatcher.stop_polling()
        await polling


async def test_bot_commands_round_trip(bot: Bot) -> None:
    commands = [BotCommand(command="help", description="What I can do")]
    assert await bot.set_my_commands(commands) is True
    assert [(c.command, c.description) for c in await bot.get_my_commands()] == [("help", "What I can do")]
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad Command", description="x")])
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == []


async def test_a_bot_that_left_cannot_write_there(bot: Bot, control: Control) -> None:
    await control.say(ALICE, "hi")
    assert await bot.leave_chat(GROUP) is True
    with pytest.raises(TelegramForbiddenError, match="bot is not a member of the supergroup chat"):
        await bot.send_message(GROUP, "hello?")


async def test_message_ids_count_up_per_chat_across_users_and_the_bot(bot: Bot, control: Control) -> None:
    assert await control.say(ALICE, "one") == 1
    sent = await bot.send_message(GROUP, "two")
    assert sent.message_id == 2
    assert await control.say(BOB, "three") == 3
    assert await control.say(ALICE, "elsewhere", chat_id=-100777) == 1


# ----- what the bot receives ----------------------------------------------------------------


async def test_mention_of_the_bot_is_an_entity_counted_in_utf16(bot: Bot, control: Control) -> None:
    await control.say(ALICE, "😀 @luka_test_bot what is /help at https://example.com?")
    message = (await drain(bot))[0].message
    found = {e.type: e.extract_from(message.text) for e in message.entities}
    assert found == {"mention": "@luka_test_bot", "bot_command": "/help", "url": "https://example.com"}
    assert message.entities[0].offset == 3  # the emoji takes two UTF-16 units


async def test_reply_carries_the_replied_message(bot: Bot, control: Control) -> None:
    await control.say(ALICE, "hi")
    sent = await bot.send_message(GROUP, "Hello, Alice")
    await drain(bot)
    await control.say(ALICE, "thanks", reply_to_message_id=sent.message_id)
    message = (await drain(bot))[0].message
    assert message.reply_to_message.message_id == sent.message_id
    assert message.reply_to_message.from_user.is_bot and message.reply_to_message.text == "Hello, Alice"


async def test_media_forwards_and_channel_posts_parse_in_aiogram(bot: Bot, control: Control) -> None:
    await control.say(ALICE, "look", media="photo")
    await control.say(ALICE, "news", forward_from_chat={"id": -1009, "title": "Spam channel"})
    await control.say(ALICE, "as channel", sender_chat={"id": -1008, "title": "My channel"})
    await control.post(
        "/_emulator/messages", {"chat_id": GROUP, "from": BOB, "contact": {"phone_number": "+100", "first_name": "X"}}
    )
    photo, forward, channel, contact = [u.message for u in await drain(bot)]
    assert photo.photo and photo.caption == "look" and photo.text is None
    assert forward.forward_origin.chat.title == "Spam channel"
    assert channel.sender_chat.id == -1008 and channel.from_user.username == "Channel_Bot"
    assert contact.contact.phone_number == "+100"


async def test_edit_by_a_user_arrives_as_edited_message(bot: Bot, control: Control) -> None:
    message_id = await control.say(ALICE, "typo")
    await drain(bot)
    assert await control.post(
        "/_emulator/messages/edit", {"chat_id": GROUP, "message_id": message_id, "text": "fixed"}
    ) == {"ok": True}
    update = (await drain(bot))[0]
    assert update.edited_message.text == "fixed" and update.edited_message.edit_date


# ----- sending and HTML ---------------------------------------------------------------------


async def test_html_becomes_plain_text_with_entities(bot: Bot, control: Control) -> None:
    await control.say(ALICE, "hi")
    sent = await bot.send_message(GROUP, "<b>bold</b> &amp; <i>it</i> &lt;3 see example.com", parse_mode="HTML")
    assert sent.text == "bold & it <3 see example.com"
    assert [(e.type, e.extract_from(sent.text)) for e in sent.entities] == [
        ("bold", "bold"),
        ("italic", "it"),
        ("url", "example.com"),
    ]
    stored = (await control.get(f"/_emulator/chats/{GROUP}/messages"))[-1]
    assert stored["text"] == sent.text and stored["from"]["is_bot"] is True


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        ("say <foo>hi</foo>", 'Unsupported start tag "foo" at byte offset 4'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b>open", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
    ],
    ids=["unknown-tag", "bare-less-than", "unclosed", "mismatched", "stray-end-tag"],
)
async def test_bad_html_is_refused_like_telegram(bot: Bot, control: Control, html: str, reason: str) -> None:
    await control.say(ALICE, "hi")
    with pytest.raises(TelegramBadRequest) as caught:
        await bot.send_message(GROUP, html, parse_mode="HTML")
    assert caught.value.message == f"Bad Request: can't parse entities: {reason}"


@pytest.mark.parametrize(
    ("text", "parse_mode", "error"),
    [
        ("x" * 4097, None, "message is too long"),
        ("😀" * 2049, None, "message is too long"),  # 2049 characters, 4098 UTF-16 units
        ("<b>" + "x" * 4097 + "</b>", "HTML", "message is too long"),
        ("<b></b>", "HTML", "message text is empty"),
        ("   \n ", None, "message text is empty"),
    ],
    ids=["4097-chars", "emoji-utf16", "long-after-html", "empty-after-html", "whitespace"],
)
async def test_text_length_is_checked_after_parsing(
    bot: Bot, control: Control, text: str, parse_mode: str | None, error: str
) -> None:
    await control.say(ALICE, "hi")
    with pytest.raises(TelegramBadRequest, match=error):
        await bot.send_message(GROUP, text, parse_mode=parse_mode)


async def test_4096_characters_fit(bot: Bot, control: Control) -> None:
    await control.say(ALICE, "hi")
    sent = await bot.send_message(GROUP, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    assert len(sent.text) == 4096


async def test_reply_parameters_and_missing_reply_target(bot: Bot, control: Control) -> None:
    asked = await control.say(ALICE, "question")
    answer = await bot.send_message(GROUP, "answer", reply_parameters=ReplyParameters(message_id=asked))
    assert answer.reply_to_message.message_id == asked
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(GROUP, "answer", reply_to_message_id=999)


async def test_unknown_group_is_chat_not_found(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="Bad Request: chat not found"):
        await bot.send_message(-100999, "hello?")


# ----- editing and deleting -----------------------------------------------------------------


async def test_edit_with_same_content_is_not_modified(bot: Bot, control: Control) -> None:
    await control.say(ALICE, "hi")
    sent = await bot.send_message(GROUP, "<b>draft</b>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest) as caught:
        await bot.edit_message_text("<b>draft</b>", chat_id=GROUP, message_id=sent.message_id, parse_mode="HTML")
    assert str(caught.value) == NOT_MODIFIED
    edited = await bot.edit_message_text("<b>final</b>", chat_id=GROUP, message_id=sent.message_id, parse_mode="HTML")
    assert edited.text == "final" and edited.edit_date is not None


async def test_edit_refusals(bot: Bot, control: Control) -> None:
    users_message = await control.say(ALICE, "mine")
    with pytest.raises(TelegramBadRequest, match="Bad Request: message to edit not found"):
        await bot.edit_message_text("x", chat_id=GROUP, message_id=77)
    with pytest.raises(TelegramBadRequest, match="Bad Request: message can't be edited"):
        await bot.edit_message_text("x", chat_id=GROUP, message_id=users_message)


async def test_delete_not_found_and_already_deleted(bot: Bot, control: Control) -> None:
    message_id = await control.say(ALICE, "spam")
    assert await bot.delete_message(GROUP, message_id) is True
    for missing in (message_id, 500):
        with pytest.raises(TelegramBadRequest, match="Bad Request: message to delete not found"):
            await bot.delete_message(GROUP, missing)
    stored = await control.get(f"/_emulator/chats/{GROUP}/messages")
    assert stored[0]["deleted_at"] is not None and stored[0]["text"] == "spam"


async def test_delete_window_is_48_hours_on_the_emulator_clock(bot: Bot, control: Control) -> None:
    old = await control.say(ALICE, "old")
    await control.post("/_emulator/clock", {"advance": 47 * 3600})
    fresh = await control.say(ALICE, "fresh")
    await control.post("/_emulator/clock", {"advance": 3600 + 1})
    with pytest.raises(TelegramBadRequest, match="Bad Request: message can't be deleted for everyone"):
        await bot.delete_message(GROUP, old)
    assert await bot.delete_message(GROUP, fresh) is True


async def test_delete_needs_the_right_to_delete_others_messages(bot: Bot, control: Control) -> None:
    message_id = await control.say(ALICE, "hi")
    own = await bot.send_message(GROUP, "mine")
    await control.post(f"/_emulator/chats/{GROUP}/members/{BOT_ID}", {"status": "member"})
    with pytest.raises(TelegramBadRequest, match="message can't be deleted for everyone"):
        await bot.delete_message(GROUP, message_id)
    assert await bot.delete_message(GROUP, own.message_id) is True


async def test_delete_messages_is_true_even_when_some_are_gone(bot: Bot, control: Control) -> None:
    ids = [await control.say(ALICE, f"m{i}") for i in range(3)]
    await bot.delete_message(GROUP, ids[0])
    assert await bot.delete_messages(GROUP, [*ids, 99]) is True
    assert all(m["deleted_at"] for m in await control.get(f"/_emulator/chats/{GROUP}/messages"))
    with pytest.raises(TelegramBadRequest):
        await bot.delete_messages(GROUP, list(range(1, 102)))
    calls = await control.get("/_emulator/calls?method=deleteMessages")
    assert calls[0]["message_ids"] == [*ids, 99] and calls[0]["ok"] is True


# ----- private chats ------------------------------------------------------------------------


async def test_private_message_needs_start_first(bot: Bot, control: Control) -> None:
    await control.say(ALICE, "hi")  # known from the group, but never opened the bot
    with pytest.raises(TelegramForbiddenError, match="bot can't initiate conversation with a user"):
        await bot.send_message(ALICE["id"], "psst")
    await control.post(f"/_emulator/users/{ALICE['id']}/start", {})
    start = [u.message for u in await drain(bot) if u.message.chat.type == "private"]
    assert start[0].text == "/start" and start[0].entities[0].type == "bot_command"
    await bot.send_message(ALICE["id"], "welcome")
    written = await control.get(f"/_emulator/users/{ALICE['id']}/messages")
    assert [m["text"] for m in written] == ["welcome"]


# ----- members ------------------------------------------------------------------------------


async def member_status(control: Control, user: dict) -> dict:
    return await control.get(f"/_emulator/chats/{GROUP}/members/{user['id']}")


async def test_posters_are_plain_members_of_a_group_a_silent_owner_created(bot: Bot, control: Control) -> None:
    # Every poster is moderated like anyone else until the control API makes them an admin.
    await control.say(ALICE, "first", chat_title="Test group")
    await control.say(BOB, "second")
    assert isinstance(await bot.get_chat_member(GROUP, ALICE["id"]), ChatMemberMember)
    assert isinstance(await bot.get_chat_member(GROUP, 1), ChatMemberOwner)
    me = await bot.get_chat_member(GROUP, BOT_ID)
    assert isinstance(me, ChatMemberAdministrator) and me.can_delete_messages and me.can_restrict_members
    admins = await bot.get_chat_administrators(GROUP)
    assert {a.user.id for a in admins} == {1, BOT_ID}
    chat = await bot.get_chat(GROUP)
    assert (chat.type, chat.title) == ("supergroup", "Test group")
    assert await control.get("/_emulator/chats") == [{"chat_id": GROUP, "title": "Test group", "type": "supergroup"}]


async def test_a_group_made_before_the_bot_started_knows_the_bot_as_admin(server, control: Control) -> None:
    await control.say(ALICE, "anyone here?")
    late = Bot("555:late", session=AiohttpSession(api=TelegramAPIServer.from_base(server[1])))
    try:
        me = await late.get_chat_member(GROUP, 555)
        assert isinstance(me, ChatMemberAdministrator) and me.user.id == 555 and me.user.is_bot
    finally:
        await late.session.close()


async def test_mute_blocks_posting_until_it_lapses(bot: Bot, control: Control) -> None:
    await control.say(ALICE, "hi")
    await control.say(BOB, "spam")
    now = (await control.post("/_emulator/clock", {"advance": 86400}))["now"]  # a day later on the emulator
    # The bot counts an hour from its own clock; the emulator keeps it an hour on its clock.
    await bot.restrict_chat_member(
        GROUP, BOB["id"], ChatPermissions(can_send_messages=False), until_date=timedelta(hours=1)
    )
    member = await bot.get_chat_member(GROUP, BOB["id"])
    assert isinstance(member, ChatMemberRestricted) and member.can_send_messages is False
    status = await member_status(control, BOB)
    assert status["status"] == "restricted" and 3590 < status["until_date"] - now < 3610
    status, payload = await control.call("POST", "/_emulator/messages", {"chat_id": GROUP, "from": BOB, "text": "more"})
    assert status == 403 and "muted" in payload["error"]
    await control.post("/_emulator/clock", {"advance": 3601})
    assert (await member_status(control, BOB))["status"] == "member"
    await control.say(BOB, "I am back")


async def test_ban_unban_and_a_banned_user_cannot_post(bot: Bot, control: Control) -> None:
    await control.say(ALICE, "hi")
    await control.say(BOB, "spam")
    assert await bot.ban_chat_member(GROUP, BOB["id"]) is True
    banned = await bot.get_chat_member(GROUP, BOB["id"])
    assert isinstance(banned, ChatMemberBanned) and banned.until_date is not None
    status, payload = await control.call(
        "POST", "/_emulator/messages", {"chat_id": GROUP, "from": BOB, "text": "let me in"}
    )
    assert status == 403 and "banned" in payload["error"]
    assert await bot.unban_chat_member(GROUP, BOB["id"], only_if_banned=True) is True
    assert (await member_status(control, BOB))["status"] == "left"
    await control.say(BOB, "rejoined")
    assert await bot.unban_chat_member(GROUP, BOB["id"], only_if_banned=True) is True
    assert (await member_status(control, BOB))["status"] == "member"


@pytest.mark.parametrize("action", ["restrict", "ban", "unban"])
async def test_admins_cannot_be_restricted(bot: Bot, control: Control, action: str) -> None:
    await control.say(ALICE, "hi")
    await control.post(f"/_emulator/chats/{GROUP}/admins", {"user_id": ALICE["id"]})
    calls = {
        "restrict": lambda: bot.restrict_chat_member(GROUP, ALICE["id"], ChatPermissions(can_send_messages=False)),
        "ban": lambda: bot.ban_chat_member(GROUP, ALICE["id"]),
        "unban": lambda: bot.unban_chat_member(GROUP, ALICE["id"]),
    }
    with pytest.raises(TelegramBadRequest, match="Bad Request: user is an administrator of the chat"):
        await calls[action]()


async def test_member_changes_arrive_as_chat_member_only_when_asked_for(bot: Bot, control: Control) -> None:
    await control.say(ALICE, "hi")
    await control.say(BOB, "spam")
    await drain(bot)
    await bot.ban_chat_member(GROUP, BOB["id"])
    assert await bot.get_updates(timeout=0) == []  # chat_member is not sent unless asked for
    await bot.get_updates(timeout=0, allowed_updates=["message", "chat_member"])
    await control.post(f"/_emulator/chats/{GROUP}/members/{BOB['id']}", {"status": "member"})  # admin unbans in the app
    await bot.ban_chat_member(GROUP, BOB["id"])
    changes = [u.chat_member for u in await bot.get_updates(timeout=0)]
    assert [(c.from_user.id, c.old_chat_member.status, c.new_chat_member.status) for c in changes] == [
        (1, "kicked", "member"),  # the group's owner acted in the Telegram app
        (BOT_ID, "member", "kicked"),
    ]


async def test_joining_by_link_is_a_new_chat_members_message(bot: Bot, control: Control) -> None:
    await control.say(ALICE, "hi")
    await drain(bot)
    await bot.get_updates(timeout=0, allowed_updates=["message", "chat_member"])
    joined = await control.post(f"/_emulator/chats/{GROUP}/join", {"from": BOB})
    service, change = await bot.get_updates(timeout=0)
    assert service.message.message_id == joined["message_id"]
    assert [u.id for u in service.message.new_chat_members] == [BOB["id"]]
    assert (change.chat_member.old_chat_member.status, change.chat_member.new_chat_member.status) == ("left", "member")
    status, payload = await control.call("POST", f"/_emulator/chats/{GROUP}/join", {"from": BOB})
    assert status == 400 and "already" in payload["error"]


async def test_control_admins_endpoint_promotes(bot: Bot, control: Control) -> None:
    await control.say(ALICE, "hi")
    await control.say(BOB, "hi")
    await control.post(f"/_emulator/chats/{GROUP}/admins", {"user_id": BOB["id"]})
    assert isinstance(await bot.get_chat_member(GROUP, BOB["id"]), ChatMemberAdministrator)
    members = await control.get(f"/_emulator/chats/{GROUP}/members")
    assert {m["user_id"]: m["status"] for m in members} == {
        1: "creator",
        ALICE["id"]: "member",
        BOB["id"]: "administrator",
        BOT_ID: "administrator",
    }


# ----- buttons ------------------------------------------------------------------------------


async def test_button_press_reaches_the_bot_and_its_answer_is_recorded(bot: Bot, control: Control) -> None:
    await control.say(ALICE, "hi")
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="Unmute", callback_data="unmute:222")]])
    sent = await bot.send_message(GROUP, "Muted Bob", reply_markup=keyboard)
    await drain(bot)
    status, payload = await control.call(
        "POST", "/_emulator/callback", {"chat_id": GROUP, "message_id": sent.message_id, "from": ALICE, "data": "nope"}
    )
    assert status == 400 and "unmute:222" in payload["error"]
    pressed = await control.post(
        "/_emulator/callback", {"chat_id": GROUP, "message_id": sent.message_id, "from": ALICE, "data": "unmute:222"}
    )
    query = (await drain(bot))[0].callback_query
    assert query.id == pressed["callback_query_id"] and query.data == "unmute:222"
    assert query.message.reply_markup.inline_keyboard[0][0].text == "Unmute"
    await bot.answer_callback_query(query.id, text="Done", show_alert=True)
    answer = await control.get(f"/_emulator/callbacks/{query.id}")
    assert answer == {"answered": True, "text": "Done", "show_alert": True, "url": None}
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(query.id)
    await bot.edit_message_reply_markup(chat_id=GROUP, message_id=sent.message_id, reply_markup=None)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_reply_markup(chat_id=GROUP, message_id=sent.message_id, reply_markup=None)


# ----- faults, limits, calls ----------------------------------------------------------------


async def test_injected_429_is_telegram_retry_after(bot: Bot, control: Control) -> None:
    await control.say(ALICE, "hi")
    await control.post("/_emulator/faults", {"method": "sendMessage", "error_code": 429, "retry_after": 7, "times": 1})
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(GROUP, "hello")
    assert caught.value.retry_after == 7
    await bot.send_message(GROUP, "hello")  # only `times` calls fail
    calls = await control.get("/_emulator/calls?method=sendMessage")
    assert [(c["ok"], c["error_code"], c["chat_id"]) for c in calls] == [(False, 429, GROUP), (True, None, GROUP)]


@pytest.mark.parametrize(("code", "text"), [(500, "Internal Server Error"), (502, "Bad Gateway")], ids=["500", "502"])
async def test_injected_server_errors(bot: Bot, control: Control, code: int, text: str) -> None:
    await control.post("/_emulator/faults", {"method": "deleteMessage", "error_code": code, "times": 1})
    with pytest.raises(TelegramServerError, match=text):
        await bot.delete_message(GROUP, 1)


async def test_group_flood_limit_answers_429_until_the_window_moves(bot: Bot, control: Control) -> None:
    await control.say(ALICE, "hi")
    await control.post("/_emulator/limits", {"group_messages_per_minute": 2})
    first = await bot.send_message(GROUP, "one")
    await bot.edit_message_text("one!", chat_id=GROUP, message_id=first.message_id)
    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.send_message(GROUP, "three")
    assert 1 <= caught.value.retry_after <= 60
    await control.post("/_emulator/clock", {"advance": 61})
    await bot.send_message(GROUP, "three")


async def test_reset_forgets_everything_but_update_ids_keep_growing(bot: Bot, control: Control) -> None:
    await control.say(ALICE, "hi")
    before = (await drain(bot))[-1].update_id
    moved = (await control.post("/_emulator/clock", {"advance": 100}))["now"]
    await control.post("/_emulator/reset")
    assert await control.get("/_emulator/chats") == []
    assert await control.get("/_emulator/calls") == []
    assert (await control.get("/_emulator/clock"))["now"] < moved - 50
    await control.say(ALICE, "after reset")
    updates = await bot.get_updates(offset=before + 1, timeout=0)  # a polling bot's offset still fits
    assert [u.message.text for u in updates] == ["after reset"]


# ----- raw HTTP -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status", "description"),
    [("/botnot-a-token/getMe", 401, "Unauthorized"), ("/bot1:x/sendTelepathy", 404, "Not Found")],
    ids=["bad-token", "unknown-method"],
)
async def test_http_envelope_for_bad_requests(control: Control, path: str, status: int, description: str) -> None:
    got_status, payload = await control.call("POST", path)
    assert got_status == status
    assert payload == {"ok": False, "error_code": status, "description": description}


@pytest.mark.parametrize("encoding", ["json", "form", "query"])
async def test_bodies_in_every_encoding(control: Control, encoding: str) -> None:
    await control.say(ALICE, "hi")
    fields = {
        "chat_id": str(GROUP),
        "text": "<i>x</i>",
        "parse_mode": "HTML",
        "reply_markup": '{"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}',
    }
    url = "/bot1:x/sendMessage"
    if encoding == "json":
        request = control.session.post(
            url,
            json={
                **fields,
                "chat_id": GROUP,
                "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]},
            },
        )
    elif encoding == "form":
        request = control.session.post(url, data=fields)
    else:
        request = control.session.get(url, params=fields)
    async with request as response:
        payload = await response.json()
    assert payload["ok"] is True, payload
    assert (
        payload["result"]["text"] == "x"
        and payload["result"]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "b"
    )


@pytest.mark.parametrize("description", ["message thread not found", "Bad Request: message thread not found"])
async def test_injected_400_carries_its_description(bot: Bot, control: Control, description: str) -> None:
    await control.post(
        "/_emulator/faults", {"method": "sendChatAction", "error_code": 400, "times": 1, "description": description}
    )
    with pytest.raises(TelegramBadRequest) as caught:
        await bot.send_chat_action(GROUP, "typing")
    assert caught.value.message == "Bad Request: message thread not found"


async def test_control_errors_say_what_is_wrong(control: Control) -> None:
    status, payload = await control.call("POST", "/_emulator/messages", {"chat_id": 5, "from": ALICE, "text": "x"})
    assert status == 400 and "from.id" in payload["error"]
    status, payload = await control.call("GET", "/_emulator/chats/-5/messages")
    assert status == 404 and "not found" in payload["error"]
    status, payload = await control.call("POST", "/_emulator/teleport", {})
    assert status == 404 and "no control endpoint" in payload["error"]


async def test_static_files_stay_inside_their_folder(control: Control) -> None:
    for path in ("/static/no-such-file.js", "/static/..%2Fapp.py"):
        async with control.session.get(path) as response:
            assert response.status == 404
    async with control.session.get("/") as response:
        page = STATIC_DIR / "chat.html"
        if page.is_file():
            assert response.status == 200 and await response.read() == page.read_bytes()
        else:
            assert response.status == 404


# ----- what the sandbox page and onboarding read -------------------------------------------------


async def test_typing_shows_until_the_bots_message_arrives(bot: Bot, control: Control) -> None:
    await control.say(ALICE, "hello")
    assert (await control.get(f"/_emulator/chats/{GROUP}/action"))["action"] is None
    await bot.send_chat_action(GROUP, "typing")
    assert (await control.get(f"/_emulator/chats/{GROUP}/action"))["action"] == "typing"
    await bot.send_message(GROUP, "here it is")
    assert (await control.get(f"/_emulator/chats/{GROUP}/action"))["action"] is None
    await bot.send_chat_action(GROUP, "typing")
    await control.post("/_emulator/clock", {"advance": 6})  # Telegram shows it for 5 s at most
    assert (await control.get(f"/_emulator/chats/{GROUP}/action"))["action"] is None


async def test_privacy_mode_is_reported_by_get_me(bot: Bot, control: Control) -> None:
    assert (await bot.get_me()).can_read_all_group_messages is True
    await control.post("/_emulator/bot", {"can_read_all_group_messages": False})
    assert (await bot.get_me()).can_read_all_group_messages is False
    assert (await control.get("/_emulator/config"))["can_read_all_group_messages"] is False
