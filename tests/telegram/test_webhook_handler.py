"""The webhook's answer to Telegram: 200 once the intake took the update in (a handler failing
afterwards included), 500 when the intake failed or did not finish, 401 without the secret."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher
from aiohttp import web

from luka_bot.telegram.inbound.intake import mark_taken_in
from luka_bot.web.webhook import IntakeFirstWebhook

UPDATE = {
    "update_id": 7,
    "message": {
        "message_id": 1,
        "date": 1,
        "chat": {"id": 5, "type": "private"},
        "from": {"id": 5, "is_bot": False, "first_name": "A"},
        "text": "hi",
    },
}


async def serve(intake: str, *, concurrency: int = 4) -> tuple[web.AppRunner, str, list[str]]:
    seen: list[str] = []
    dispatcher = Dispatcher()

    async def middleware(handler: Any, event: Any, data: dict[str, Any]) -> Any:
        if intake == "fails":
            raise ConnectionError("Redis is down")
        if intake == "hangs":
            await asyncio.sleep(30)
        mark_taken_in(data)
        seen.append("taken in")
        return await handler(event, data)

    async def broken_handler(message: Any) -> None:
        raise RuntimeError("a bug in a handler")

    dispatcher.update.outer_middleware(middleware)
    dispatcher.message.register(broken_handler)
    app = web.Application()
    IntakeFirstWebhook(
        dispatcher, Bot("123:abc"), secret_token="s", concurrency=concurrency, answer_within=0.5
    ).register(app, path="/hook")
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/hook", seen


@pytest.mark.parametrize(("intake", "status"), [("works", 200), ("fails", 500), ("hangs", 500)])
async def test_the_answer_says_whether_the_update_was_taken_in(intake: str, status: int) -> None:
    runner, url, seen = await serve(intake)
    try:
        async with aiohttp.ClientSession() as session:
            async with session.post(url, json=UPDATE, headers={"X-Telegram-Bot-Api-Secret-Token": "s"}) as response:
                assert response.status == status
            async with session.post(url, json=UPDATE) as response:
                assert response.status == 401
        assert seen == (["taken in"] if intake == "works" else [])
    finally:
        await runner.cleanup()


async def test_not_an_update_is_refused_without_reaching_a_handler() -> None:
    runner, url, seen = await serve("works")
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, data=b"\xff not json", headers={"X-Telegram-Bot-Api-Secret-Token": "s"}) as response,
        ):
            assert response.status == 400
        assert seen == []
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("limit", [1, 3])
async def test_gateway_concurrency_bounds_the_updates_handled_at_once(limit: int) -> None:
    running, most = 0, 0
    dispatcher = Dispatcher()

    async def slow_handler(message: Any) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.2)
        running -= 1

    dispatcher.message.register(slow_handler)
    app = web.Application()
    IntakeFirstWebhook(dispatcher, Bot("123:abc"), secret_token="s", concurrency=limit).register(app, path="/hook")
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/hook"
    try:
        async with aiohttp.ClientSession() as session:

            async def deliver(update_id: int) -> int:
                async with session.post(
                    url, json={**UPDATE, "update_id": update_id}, headers={"X-Telegram-Bot-Api-Secret-Token": "s"}
                ) as response:
                    return response.status

            assert await asyncio.gather(*(deliver(i) for i in range(6))) == [200] * 6
        while running:  # the last handlers finish after their answers
            await asyncio.sleep(0.05)
        assert most == limit
    finally:
        await runner.cleanup()
