"""Outer middlewares: what happens to every update before any handler runs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from luka_bot.metrics import Metrics

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class ReceivedAt(BaseMiddleware):
    """Stamps each update with its arrival time and counts it."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        data["received_at"] = time.time()
        if isinstance(event, Update):
            self._metrics.updates.labels(event.event_type).inc()
        return await handler(event, data)


class InFlightUpdates(BaseMiddleware):
    """Keeps the task of every update being handled, so shutdown can let them finish.

    Stopping the poller stops taking updates but neither awaits nor cancels the handlers already
    running; without this, closing the sessions under them would cut a streaming answer mid-word.
    """

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        task = asyncio.current_task()
        if task is None:
            return await handler(event, data)
        self.tasks.add(task)
        try:
            return await handler(event, data)
        finally:
            self.tasks.discard(task)

    async def drain(self, deadline: float) -> int:
        """Wait up to `deadline` seconds for running updates; returns how many were still running."""
        running = {task for task in self.tasks if task is not asyncio.current_task()}
        if not running:
            return 0
        _, pending = await asyncio.wait(running, timeout=deadline)
        for task in pending:
            task.cancel()
        return len(pending)
