"""The emulator's raw updates and group → supergroup migration, seen by a real aiogram Bot."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramMigrateToChat

from luka_bot.sandbox.telegram_emulator import TelegramEmulator, start_emulator
from luka_bot.telegram.inbound.polling import RawGetUpdates

GROUP = -1001234567890
ALICE = {"id": 111, "first_name": "Alice", "username": "alice"}
BOT_ID = 424242


@pytest.fixture
async def server() -> AsyncIterator[tuple[TelegramEmulator, str]]:
    emulator, runner, port = await start_emulator("127.0.0.1", 0)
    yield emulator, f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture
async def bot(server: tuple[TelegramEmulator, str]) -> AsyncIterator[Bot]:
    client = Bot(f"{BOT_ID}:TEST-secret", session=AiohttpSession(api=TelegramAPIServer.from_base(server[1])))
    await client.get_me()
    yield client
    await client.session.close()


@pytest.fixture
async def http(server: tuple[TelegramEmulator, str]) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(base_url=server[1]) as session:
        yield session


async def post(http: aiohttp.ClientSession, path: str, body: dict | None = None) -> tuple[int, dict]:
    async with http.post(path, json=body) as response:
        return response.status, await response.json()


async def test_a_raw_update_is_queued_as_it_is_with_an_id_added(bot: Bot, http: aiohttp.ClientSession) -> None:
    status, answer = await post(http, "/_emulator/raw_updates", {"update": {"message": {"message_id": "not a number"}}})
    assert status == 200 and isinstance(answer["update_id"], int)
    updates = await bot(RawGetUpdates(timeout=0))
    assert updates == [{"update_id": answer["update_id"], "message": {"message_id": "not a number"}}]
    # aiogram's own getUpdates cannot parse it: this is what used to stall polling
    with pytest.raises(Exception, match="deserialize"):
        await bot.get_updates(timeout=0)


async def test_a_given_update_id_is_kept_and_later_ids_stay_above_it(bot: Bot, http: aiohttp.ClientSession) -> None:
    _, answer = await post(http, "/_emulator/raw_updates", {"update": {"update_id": 5000, "weird_kind": {}}})
    assert answer["update_id"] == 5000
    await post(http, "/_emulator/messages", {"chat_id": GROUP, "from": ALICE, "text": "after"})
    ids = [u["update_id"] for u in await bot(RawGetUpdates(timeout=0))]
    assert ids[0] == 5000 and ids[1] > 5000
    status, error = await post(http, "/_emulator/raw_updates", {"update": {"update_id": "x"}})
    assert status == 400 and "update_id" in error["error"]
    status, error = await post(http, "/_emulator/raw_updates", {"nothing": 1})
    assert status == 400


async def test_migration_moves_the_group_and_refuses_the_old_id(bot: Bot, http: aiohttp.ClientSession) -> None:
    _, first = await post(http, "/_emulator/messages", {"chat_id": GROUP, "from": ALICE, "text": "before"})
    await bot(RawGetUpdates(timeout=0))
    status, answer = await post(http, f"/_emulator/chats/{GROUP}/migrate")
    assert status == 200
    new_id = answer["new_chat_id"]
    assert new_id != GROUP and new_id < 0

    updates = await bot.get_updates(offset=None, timeout=0)
    service = [
        u.message for u in updates if u.message and (u.message.migrate_to_chat_id or u.message.migrate_from_chat_id)
    ]
    assert [(m.chat.id, m.migrate_to_chat_id, m.migrate_from_chat_id) for m in service] == [
        (GROUP, new_id, None),
        (new_id, None, GROUP),
    ]
    assert service[0].chat.type == "group" and service[1].chat.type == "supergroup"

    with pytest.raises(TelegramMigrateToChat) as refused:
        await bot.delete_message(GROUP, first["message_id"])
    assert refused.value.migrate_to_chat_id == new_id
    # the history moved with its ids: the same message is deleted under the new id
    assert await bot.delete_message(new_id, first["message_id"]) is True
    async with http.get(f"/_emulator/chats/{new_id}/messages") as response:
        moved = {m["message_id"]: m for m in await response.json()}
    assert moved[first["message_id"]]["deleted_at"] is not None

    status, error = await post(http, "/_emulator/messages", {"chat_id": GROUP, "from": ALICE, "text": "old id"})
    assert status == 400 and str(new_id) in error["error"]
    status, _ = await post(http, f"/_emulator/chats/{GROUP}/migrate")
    assert status == 400
