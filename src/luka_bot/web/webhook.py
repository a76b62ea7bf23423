"""The webhook endpoint: Telegram gets its 200 only once an update is taken in.

aiogram's SimpleRequestHandler (in the background mode) answers 200 before handling, so an
update is lost if the process dies between the answer and the enqueue: Telegram never sends it
again. Here the answer waits for the intake's signal (`taken_in`): IntakeMiddleware gives it once
a group message and its moderation job are stored in one Redis transaction, or, for updates with
nothing to store, as it hands them to the handlers. If the intake fails or hangs (Redis down), the
answer is 500 and Telegram delivers the update again; the intake's update-id marker makes a second
delivery harmless when the first did get stored. A handler's own failure after the intake is
answered 200, as polling moves on too: a redelivery would fail the same way and hold up the rest.

GATEWAY_CONCURRENCY bounds the updates handled at once, as in polling: past it, a delivery waits
for a slot, so Telegram slows down instead of the gateway piling up tasks.
"""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from pydantic import ValidationError

from luka_bot.telegram.inbound.polling import TAKEN_IN

log = structlog.get_logger(__name__)

# Telegram waits about 60 s for an answer and then resends. An intake not done by this point
# (Redis unreachable) is answered 500 so Telegram tries again later.
ANSWER_WITHIN = 25.0


class IntakeFirstWebhook(SimpleRequestHandler):
    def __init__(
        self,
        dispatcher: Dispatcher,
        bot: Bot,
        *,
        secret_token: str,
        concurrency: int,
        answer_within: float = ANSWER_WITHIN,
    ) -> None:
        super().__init__(dispatcher, bot, handle_in_background=False, secret_token=secret_token)
        self._slots = asyncio.Semaphore(concurrency)
        self._answer_within = answer_within
        self._tasks: set[asyncio.Task[Any]] = set()

    async def handle(self, request: web.Request) -> web.Response:
        if not self.verify_secret(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), self.bot):
            return web.Response(body="Unauthorized", status=401)
        try:
            update = Update.model_validate(
                await request.json(loads=self.bot.session.json_loads), context={"bot": self.bot}
            )
        except (ValueError, ValidationError) as exc:
            # Not an update at all: resending it would not help, and it must not reach a handler.
            log.warning("webhook.malformed", error=str(exc).splitlines()[0][:200])
            return web.Response(status=400, text="not a Telegram update\n")
        await self._slots.acquire()
        taken_in: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(self._process(update, taken_in), name=f"update-{update.update_id}")
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        await asyncio.wait({taken_in, task}, timeout=self._answer_within, return_when=asyncio.FIRST_COMPLETED)
        if taken_in.done() or (task.done() and task.exception() is None):
            return web.json_response({})  # stored, or nothing of it to store (dropped by a middleware)
        # Nothing was stored: a non-2xx answer makes Telegram deliver the update again.
        error = str(task.exception()) if task.done() else f"intake not done within {self._answer_within:g} s"
        log.warning("webhook.intake_failed", update_id=update.update_id, error=error[:300])
        return web.Response(status=500, text="update not taken in; deliver it again\n")

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:  # retrieved here, whatever `handle` saw
            log.debug("webhook.update_failed", error=str(task.exception())[:300])

    async def _process(self, update: Update, taken_in: asyncio.Future[None]) -> None:
        try:
            result = await self.dispatcher.feed_update(self.bot, update, **{TAKEN_IN: taken_in})
            if isinstance(result, TelegramMethod):
                await self.dispatcher.silent_call_request(bot=self.bot, result=result)
        except Exception as exc:
            if not taken_in.done():
                raise  # `handle` answers 500 and Telegram retries
            log.warning("webhook.handler_failed", update_id=update.update_id, error=str(exc)[:300])
        finally:
            self._slots.release()

    async def close(self) -> None:
        """Nothing to close here: App.close closes the bot session, after InFlightUpdates drained
        the updates still being handled (aiogram's version would close the session under them)."""
