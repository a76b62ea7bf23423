"""End-to-end harness: the Telegram emulator, the LLM emulator and the bot, talking real HTTP.

Each test gets fresh emulators and a bot built by `build_app`, on the session's embedded Valkey
with a key prefix of its own.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from luka_bot.app import App, build_app
from luka_bot.settings import Role, load_settings

GROUP = -1001000000001
OWNER = {"id": 1000, "first_name": "Olga", "username": "owner"}  # made an admin of the test group
ALICE = {"id": 1001, "first_name": "Alice", "username": "alice"}
BOB = {"id": 1002, "first_name": "Bob", "username": "bob"}
BOT_USERNAME = "luka_test_bot"


@dataclass
class Control:
    """The emulators' control APIs, as a test drives them."""

    session: aiohttp.ClientSession
    tg_url: str
    llm_url: str
    bot_id: int = 123456

    async def _json(self, method: str, url: str, body: Any = None) -> Any:
        async with self.session.request(method, url, json=body) as response:
            payload = await response.json()
            if response.status >= 400:
                raise AssertionError(f"{method} {url} -> {response.status}: {payload}")
            return payload

    async def post(
        self, text: str, *, user: dict = ALICE, chat_id: int = GROUP, reply_to: int | None = None, **extra: Any
    ) -> int:
        body = {"chat_id": chat_id, "chat_title": "Test group", "from": user, "text": text, **extra}
        if reply_to is not None:
            body["reply_to_message_id"] = reply_to
        return (await self._json("POST", f"{self.tg_url}/_emulator/messages", body))["message_id"]

    async def edit(self, message_id: int, text: str, *, chat_id: int = GROUP) -> None:
        await self._json(
            "POST",
            f"{self.tg_url}/_emulator/messages/edit",
            {"chat_id": chat_id, "message_id": message_id, "text": text},
        )

    async def messages(self, chat_id: int = GROUP) -> list[dict]:
        return await self._json("GET", f"{self.tg_url}/_emulator/chats/{chat_id}/messages")

    async def bot_messages(self, chat_id: int = GROUP, reply_to: int | None = None) -> list[dict]:
        return [
            m
            for m in await self.messages(chat_id)
            if m["from"]["is_bot"] and (reply_to is None or m["reply_to_message_id"] == reply_to)
        ]

    async def calls(self, method: str | None = None) -> list[dict]:
        calls = await self._json("GET", f"{self.tg_url}/_emulator/calls")
        return [c for c in calls if method is None or c["method"] == method]

    async def fault(self, method: str, error_code: int, times: int = 1, retry_after: int | None = None) -> None:
        body: dict[str, Any] = {"method": method, "error_code": error_code, "times": times}
        if retry_after is not None:
            body["retry_after"] = retry_after
        await self._json("POST", f"{self.tg_url}/_emulator/faults", body)

    async def llm_config(self, **config: Any) -> None:
        await self._json("POST", f"{self.llm_url}/_llm/config", config)

    async def llm_script(self, **rule: Any) -> None:
        await self._json("POST", f"{self.llm_url}/_llm/script", rule)

    async def llm_requests(self) -> list[dict]:
        return await self._json("GET", f"{self.llm_url}/_llm/requests")


async def wait_for(check: Callable[[], Awaitable[Any]], *, timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll `check` until it returns something truthy; fail with the last value seen."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s; last value: {last!r}")


@dataclass
class Stack:
    control: Control
    app: App
    settings_overrides: dict[str, Any] = field(default_factory=dict)


async def start_bot(
    embedded_redis_url: str, tg_url: str, llm_url: str, *, role: Role = Role.ALL, **overrides: Any
) -> tuple[App, asyncio.Task]:
    overrides.setdefault("redis_key_prefix", f"e2e{uuid.uuid4().hex[:8]}")
    # Defaults for the emulated LLM; the real-LLM tests override them.
    for name, value in (
        ("assistant_model", "emulated-assistant"),
        ("moderation_model", "emulated-judge"),
        ("stream_edit_interval", 0.2),
        ("llm_timeout", 5),
        ("judge_timeout", 5),
        # Tests ask in quick succession; the cooldown has tests of its own.
        ("assistant_cooldown", 0),
    ):
        overrides.setdefault(name, value)
    settings = load_settings(
        bot_token="123456:test-token",
        telegram_api_url=tg_url,
        redis_url=embedded_redis_url,
        llm_base_url=f"{llm_url}/v1",
        web_port=0,
        log_format="console",
        **overrides,
    )
    app = await build_app(settings, role)
    task = asyncio.create_task(app.run())
    ready = (lambda: app.health.worker_running) if role is Role.WORKER else app.health.is_ready
    await wait_for(lambda: asyncio.sleep(0, ready()), timeout=15)
    return app, task
