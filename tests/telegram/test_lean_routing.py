"""The intake's lean path skips the routers for plain group messages: none of the bot's real
routers may act on a message it skips, and everything a router does act on still goes through."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import Message, Update, User

from luka_bot.app import create_routers
from luka_bot.telegram.addressing import routers_may_act

ME = User(id=42, is_bot=True, first_name="Luka", username="luka_test_bot")
CHAT = {"id": -100500, "type": "supergroup", "title": "Talk"}
MEMBER = {"id": 7, "is_bot": False, "first_name": "Ann"}
OTHER = {"id": 8, "is_bot": False, "first_name": "Bob", "username": "bob"}


def message(**fields: Any) -> Message:
    return Message.model_validate({"message_id": 10, "date": 1_700_000_000, "chat": CHAT, "from": MEMBER, **fields})


PLAIN = {
    "text": message(text="good morning everyone"),
    "a slash inside": message(text="either/or, 1/2 of it"),
    "a link": message(text="see https://example.com", entities=[{"type": "url", "offset": 4, "length": 19}]),
    "a mention of another member": message(
        text="@bob thanks", entities=[{"type": "mention", "offset": 0, "length": 4}]
    ),
    "a reply to another member": message(
        text="agreed",
        reply_to_message={"message_id": 9, "date": 1_700_000_000, "chat": CHAT, "from": OTHER, "text": "x"},
    ),
    "a photo with a caption": message(
        photo=[{"file_id": "f", "file_unique_id": "u", "width": 90, "height": 90}], caption="look"
    ),
    "a sticker": message(
        sticker={
            "file_id": "s",
            "file_unique_id": "su",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
    ),
    "a forward": message(text="news", forward_origin={"type": "user", "date": 1_700_000_000, "sender_user": OTHER}),
}

ROUTED = {
    "a command": message(text="/rep", entities=[{"type": "bot_command", "offset": 0, "length": 4}]),
    "a command after spaces": message(text="  /top"),
    "a note": message(text="#rules"),
    "a mention of the bot": message(
        text="@luka_test_bot what is this?", entities=[{"type": "mention", "offset": 0, "length": 14}]
    ),
    "a reply to the bot": message(
        text="and then?",
        reply_to_message={
            "message_id": 9,
            "date": 1_700_000_000,
            "chat": CHAT,
            "from": {"id": ME.id, "is_bot": True, "first_name": "Luka"},
            "text": "x",
        },
    ),
    "members joining": message(new_chat_members=[OTHER]),
}


@pytest.mark.parametrize("name", sorted(PLAIN))
async def test_no_router_of_the_bot_acts_on_a_message_the_lean_path_skips(name: str) -> None:
    plain = PLAIN[name]
    assert not routers_may_act(plain, ME)
    dispatcher = Dispatcher()
    dispatcher.include_routers(*create_routers())
    bot = Bot("123456:lean-routing-test")
    try:
        result = await dispatcher.feed_update(bot, Update(update_id=1, message=plain), me=ME)
    finally:
        await bot.session.close()
    assert result is UNHANDLED


@pytest.mark.parametrize("name", sorted(ROUTED))
def test_commands_notes_the_bot_addressed_and_joins_still_reach_the_routers(name: str) -> None:
    assert routers_may_act(ROUTED[name], ME)


def test_without_knowing_who_the_bot_is_every_message_is_routed() -> None:
    assert routers_may_act(PLAIN["text"], None)
