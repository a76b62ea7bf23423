"""Webhook mode end to end: `run --webhook URL` sets the webhook with a secret token, the emulator
POSTs updates to it, they go through the same intake as polling (moderation and the assistant),
a request without the right secret is refused, and stopping deletes the webhook."""

from __future__ import annotations

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest

from luka_bot.app import App, build_app
from luka_bot.sandbox.llm_emulator import start_llm_emulator
from luka_bot.sandbox.telegram_emulator import start_emulator
from luka_bot.settings import Role, load_settings
from tests.helpers import redis_client

from .harness import ALICE, BOB, BOT_USERNAME, GROUP, Control, wait_for

SECRET = "webhook-secret_123"


@dataclass
class WebhookStack:
    control: Control
    app: App
    task: asyncio.Task
    url: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def hooked(embedded_redis_url: str) -> AsyncIterator[WebhookStack]:
    _, tg_runner, tg_port = await start_emulator("127.0.0.1", 0, BOT_USERNAME)
    _, llm_runner, llm_port = await start_llm_emulator("127.0.0.1", 0)
    tg_url, llm_url = f"http://127.0.0.1:{tg_port}", f"http://127.0.0.1:{llm_port}"
    port = _free_port()
    url = f"http://127.0.0.1:{port}/telegram/webhook"
    settings = load_settings(
        bot_token="123456:test-token",
        telegram_api_url=tg_url,
        redis_url=embedded_redis_url,
        redis_key_prefix=f"e2e{uuid.uuid4().hex[:8]}",
        llm_base_url=f"{llm_url}/v1",
        assistant_model="emulated-assistant",
        moderation_model="emulated-judge",
        web_port=port,
        webhook_url=url,
        webhook_secret=SECRET,
        stream_edit_interval=0.2,
        llm_timeout=5,
        judge_timeout=5,
        log_format="console",
    )
    app = await build_app(settings, Role.ALL)
    task = asyncio.create_task(app.run())
    session = aiohttp.ClientSession()
    await wait_for(lambda: app.health.is_ready(), timeout=15)
    try:
        yield WebhookStack(Control(session, tg_url, llm_url), app, task, url)
    finally:
        if not task.done():
            app.request_stop()
            await asyncio.wait_for(task, timeout=20)
        await session.close()
        await llm_runner.cleanup()
        await tg_runner.cleanup()


async def test_updates_arrive_by_webhook_and_go_through_the_same_intake(hooked):
    c = hooked.control
    webhook = await c.bot_api("getWebhookInfo")
    assert webhook["url"] == hooked.url

    question = await c.post(f"@{BOT_USERNAME} what is a webhook?", user=ALICE)

    async def answered():
        return [m for m in await c.bot_messages(reply_to=question) if "[emulated LLM]" in m["text"]]

    await wait_for(answered, timeout=15)  # the assistant streamed its answer: the update arrived

    spam = "💰💰 EARN $500 DAILY 💰💰 join https://t.me/+AbCdEfGh123 now!!! write me in DM"
    spam_id = await c.post(spam, user=BOB)

    async def removed():
        return any(m["message_id"] == spam_id and m["deleted_at"] for m in await c.messages())

    await wait_for(removed, timeout=15)
    deliveries = await c.webhook_deliveries()
    assert deliveries and all(d["status"] == 200 for d in deliveries)
    assert not [x for x in await c.calls("getUpdates") if x["ok"]], "no polling in webhook mode"


async def test_a_wrong_or_missing_secret_is_refused(hooked):
    c = hooked.control
    forged = {
        "update_id": 999999,
        "message": {
            "message_id": 77,
            "date": 1,
            "chat": {"id": GROUP, "type": "supergroup", "title": "Test group"},
            "from": {"id": 666, "is_bot": False, "first_name": "Mallory"},
            "text": f"@{BOT_USERNAME} forged",
        },
    }
    for headers in ({"X-Telegram-Bot-Api-Secret-Token": "guess"}, {}):
        async with c.session.post(hooked.url, json=forged, headers=headers) as response:
            assert response.status == 401, headers
    updates = hooked.app.metrics.registry.get_sample_value("luka_updates_total", {"type": "message"})
    assert not updates, "a refused request never reaches the dispatcher"
    # The right secret (what Telegram, here the emulator, sends) is accepted.
    async with c.session.post(hooked.url, json=forged, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as ok:
        assert ok.status == 200


async def test_stopping_deletes_the_webhook(hooked):
    c = hooked.control
    hooked.app.request_stop()
    await asyncio.wait_for(hooked.task, timeout=20)
    info = await c.bot_api("getWebhookInfo")
    assert info["url"] == ""
    assert [x["ok"] for x in await c.calls("deleteWebhook")] == [True]


async def test_an_update_that_cannot_be_stored_is_refused_and_delivered_again(hooked, embedded_redis_url):
    """Telegram is answered only once the update is stored: with Redis refusing writes the webhook
    answers 500, the emulator (as Telegram does) delivers again, and the message is judged then."""

    c = hooked.control
    admin = redis_client(embedded_redis_url)
    before = len(await c.webhook_deliveries())
    await admin.config_set("maxmemory", "1")  # noeviction: every write is refused with OOM
    try:
        spam_id = await c.post(
            "💰💰 EARN $500 DAILY 💰💰 join https://t.me/+AbCdEfGh123 now!!! write me in DM", user=BOB
        )

        async def refused():
            deliveries = (await c.webhook_deliveries())[before:]
            return [d for d in deliveries if d["status"] == 500]

        await wait_for(refused, timeout=15)
    finally:
        await admin.config_set("maxmemory", "0")
        await admin.aclose()

    async def removed():
        return any(m["message_id"] == spam_id and m["deleted_at"] for m in await c.messages())

    await wait_for(removed, timeout=20)  # the redelivered update went through the intake
    deliveries = (await c.webhook_deliveries())[before:]
    statuses = [d["status"] for d in deliveries]
    assert 500 in statuses and statuses[-1] == 200, statuses
