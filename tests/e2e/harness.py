"""End-to-end harness: the Telegram emulator, the LLM emulator and the bot, talking real HTTP.

Each test gets fresh emulators and a bot built by `build_app`, on the session's embedded Valkey
with a key prefix of its own.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any

from luka_bot.app import App, build_app
from luka_bot.sandbox.control_client import EmulatorClient
from luka_bot.sandbox.llm_emulator import LlmEmulator
from luka_bot.settings import Role, load_settings
from tests.helpers import wait_for

GROUP = -1001000000001
OWNER = {"id": 1000, "first_name": "Olga", "username": "owner"}  # made an admin of the test group
ALICE = {"id": 1001, "first_name": "Alice", "username": "alice"}
BOB = {"id": 1002, "first_name": "Bob", "username": "bob"}
BOT_USERNAME = "luka_test_bot"


class Control(EmulatorClient):
    """The shared control-API client with this suite's defaults: ALICE writes in GROUP."""

    async def post(
        self, text: str, *, user: dict = ALICE, chat_id: int = GROUP, reply_to: int | None = None, **extra: Any
    ) -> int:
        extra.setdefault("chat_title", "Test group")
        sent = await self.send(chat_id, user, text, reply_to=reply_to, **extra)
        return int(sent["message_id"])

    async def edit(self, message_id: int, text: str, *, chat_id: int = GROUP) -> None:  # type: ignore[override]
        await super().edit(chat_id, message_id, text)

    async def messages(self, chat_id: int = GROUP) -> list[dict]:
        return await super().messages(chat_id)

    async def bot_messages(self, chat_id: int = GROUP, reply_to: int | None = None) -> list[dict]:
        return [
            m
            for m in await self.messages(chat_id)
            if m["from"]["is_bot"] and (reply_to is None or m["reply_to_message_id"] == reply_to)
        ]

    async def status(self, user: dict, chat_id: int = GROUP) -> str:
        """The member's status in the chat: "member", "restricted", "kicked", ..."""
        return str((await self.member(chat_id, user["id"]))["status"])


@dataclass
class Stack:
    control: Control
    app: App
    settings_overrides: dict[str, Any] = field(default_factory=dict)
    # The in-process LLM emulator, for what its control API cannot do: ending a delay at the
    # moment a test chooses (`llm.release.set()`) instead of racing a timer against the bot.
    llm: LlmEmulator | None = None


async def start_bot(
    embedded_redis_url: str, tg_url: str, llm_url: str, *, role: Role = Role.ALL, **overrides: Any
) -> tuple[App, asyncio.Task]:
    overrides.setdefault("redis_key_prefix", f"e2e{uuid.uuid4().hex[:8]}")
    # Defaults for the emulated LLM; the real-LLM tests override them.
    for name, value in (
        ("assistant_model", "emulated-assistant"),
        ("moderation_model", "emulated-judge"),
        ("stream_edit_interval", 0.2),
        # Generous: no test here waits for these to fire, and at 5 s a busy machine (the bot and
        # both emulators share one event loop, four test workers share two cores) timed out a
        # healthy stream.
        ("llm_timeout", 30),
        ("judge_timeout", 30),
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
    await wait_for(ready, timeout=15)
    return app, task


def sample(stack: Stack, name: str, **labels: str) -> float:
    """The value of one Prometheus sample of the bot under test (0 when it was never set)."""
    return stack.app.metrics.registry.get_sample_value(name, labels) or 0.0


async def audit_entry(
    stack: Stack, message_id: int, *, chat_id: int = GROUP, revision: int | None = None
) -> dict[str, str] | None:
    """The audit record of the moderation decision on a message (its newest, or that revision's).

    Every judged message gets one, "allow" included, so a test waits for it before asserting that
    nothing happened: without it, a slow worker would pass such an assertion by not having run yet."""
    for entry in await stack.app.audit.recent(chat_id, count=1000):
        fields = entry.fields
        if fields.get("message_id") == str(message_id) and (
            revision is None or fields.get("revision") == str(revision)
        ):
            return fields
    return None


async def settled(stack: Stack | App) -> bool:
    """Every moderation job and every notice taken in so far is finished (acked jobs are deleted
    from their stream). With `jobs_taken_in` or an audit record first, it proves that whatever a
    message would cause (a deletion, a notice, an announcement) has happened by now."""
    app = stack.app if isinstance(stack, Stack) else stack
    for queue in (app.queue, app.notice_queue):
        backlog = await queue.backlog()
        if backlog.length or backlog.delayed:
            return False
    return True


def jobs_taken_in(stack: Stack) -> float:
    """Moderation jobs intake wrote so far (one per group message or edit, whatever it decides)."""
    return sample(stack, "luka_jobs_enqueued_total")


def replies_ended(stack: Stack) -> float:
    """Assistant replies over, whatever their outcome (counted after the reply's last message)."""
    return sum(
        sample(stack, "luka_assistant_replies_total", outcome=o)
        for o in ("completed", "truncated", "interrupted", "removed", "failed")
    )


def handlers_idle(stack: Stack) -> bool:
    """No fetched update is still in its handlers (with polling; the tests' default)."""
    return stack.app.poller.in_flight == 0
