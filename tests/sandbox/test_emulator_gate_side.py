"""The emulator's join requests, bios and CAS-like list, driven by a real aiogram Bot over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest

from luka_bot.sandbox.telegram_emulator import start_emulator

GROUP = -1001234567890
ALICE = {"id": 111, "first_name": "Alice", "username": "alice"}
BOB = {"id": 222, "first_name": "Bob", "username": "bob"}


class Control:
    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

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

    async def say(self, user: dict, text: str) -> int:
        return (await self.post("/_emulator/messages", {"chat_id": GROUP, "from": user, "text": text}))["message_id"]


@pytest.fixture
async def base_url() -> AsyncIterator[str]:
    _, runner, port = await start_emulator("127.0.0.1", 0)
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture
async def bot(base_url: str) -> AsyncIterator[Bot]:
    client = Bot("424242:TEST-secret", session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))
    await client.get_me()
    yield client
    await client.session.close()


@pytest.fixture
async def control(base_url: str) -> AsyncIterator[Control]:
    async with aiohttp.ClientSession(base_url=base_url) as session:
        yield Control(session)


async def drain(bot: Bot) -> list:
    updates = await bot.get_updates(timeout=0, allowed_updates=["message", "chat_join_request", "chat_member"])
    if updates:
        await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    return updates


APPLICANT = {"id": 333, "first_name": "Pavel", "username": "pavel"}


async def test_a_join_request_reaches_the_bot_with_its_bio_and_opens_the_private_chat(
    bot: Bot, control: Control
) -> None:
    await control.say(ALICE, "the group exists")
    await drain(bot)
    made = await control.post(f"/_emulator/chats/{GROUP}/join_requests", {"from": APPLICANT, "bio": "I sell things"})
    assert made["user_chat_id"] == APPLICANT["id"]
    updates = await drain(bot)
    request = updates[0].chat_join_request
    assert request is not None and request.from_user.id == APPLICANT["id"] and request.bio == "I sell things"
    full = await bot.get_chat(APPLICANT["id"])
    assert full.bio == "I sell things"
    await bot.send_message(APPLICANT["id"], "Why do you want to join?")  # allowed: the request opened the chat
    assert [m["text"] for m in await control.get(f"/_emulator/users/{APPLICANT['id']}/messages")] == [
        "Why do you want to join?"
    ]
    assert [r["user_id"] for r in await control.get(f"/_emulator/chats/{GROUP}/join_requests")] == [APPLICANT["id"]]


async def test_approve_lets_the_applicant_in_and_decline_drops_the_request(bot: Bot, control: Control) -> None:
    await control.say(ALICE, "the group exists")
    await control.post(f"/_emulator/chats/{GROUP}/join_requests", {"from": APPLICANT})
    await control.post(f"/_emulator/chats/{GROUP}/join_requests", {"from": BOB | {"id": 444}})
    await drain(bot)
    assert await bot.approve_chat_join_request(GROUP, APPLICANT["id"])
    assert (await control.get(f"/_emulator/chats/{GROUP}/members/{APPLICANT['id']}"))["status"] == "member"
    joined = await drain(bot)
    assert any(u.message and u.message.new_chat_members for u in joined)
    assert await bot.decline_chat_join_request(GROUP, 444)
    assert (await control.get(f"/_emulator/chats/{GROUP}/members/444"))["status"] == "left"
    assert await control.get(f"/_emulator/chats/{GROUP}/join_requests") == []
    with pytest.raises(TelegramBadRequest, match="HIDE_REQUESTER_MISSING"):
        await bot.approve_chat_join_request(GROUP, 444)


async def test_the_cas_like_list_answers_as_cas_does(control: Control) -> None:
    assert (await control.get("/cas/check?user_id=5"))["ok"] is False
    await control.post("/_emulator/cas", {"user_id": 5, "listed": True})
    listed = await control.get("/cas/check?user_id=5")
    assert listed["ok"] is True and listed["result"]["offenses"] == 1
    state = await control.post("/_emulator/cas", {"user_id": 5, "listed": False})
    assert state["listed"] == [] and state["queries"] == 2
    status, refused = await control.call("POST", "/_emulator/cas", {"delay": -1})
    assert status == 400 and "delay" in refused["error"]
