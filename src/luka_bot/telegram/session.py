"""The Bot API session: counts every call, waits out 429s, retries safe calls after a 5xx."""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

from luka_bot.metrics import Metrics
from luka_bot.telegram.faults import INLINE_RETRY_AFTER_LIMIT

log = structlog.get_logger(__name__)

# Methods whose repetition cannot show twice in the chat: safe to retry after a server error.
_IDEMPOTENT_PREFIXES = ("get", "delete", "edit", "restrict", "ban", "unban", "answer", "set", "leave")
MAX_RETRY_AFTER_WAITS = 5
MAX_SERVER_ERROR_RETRIES = 2
LONGEST_RETRY_AFTER = 120


class ResilientCalls(BaseRequestMiddleware):
    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        name = method_name(method)
        waits = retries = 0
        while True:
            try:
                response = await make_request(bot, method)
            except TelegramRetryAfter as exc:
                self._metrics.telegram_calls.labels(name, "429").inc()
                self._metrics.telegram_429.labels(name).inc()
                waits += 1
                # Background jobs set a short limit: they defer themselves durably for a longer wait.
                limit = INLINE_RETRY_AFTER_LIMIT.get()
                if waits > MAX_RETRY_AFTER_WAITS or exc.retry_after > (LONGEST_RETRY_AFTER if limit is None else limit):
                    raise
                log.warning("telegram.retry_after", method=name, seconds=exc.retry_after)
                await asyncio.sleep(exc.retry_after)
                continue
            except TelegramServerError:
                self._metrics.telegram_calls.labels(name, "5xx").inc()
                retries += 1
                if retries > MAX_SERVER_ERROR_RETRIES or not name.startswith(_IDEMPOTENT_PREFIXES):
                    raise
                await asyncio.sleep(0.5 * retries)
                continue
            except TelegramAPIError:
                self._metrics.telegram_calls.labels(name, "error").inc()
                raise
            self._metrics.telegram_calls.labels(name, "ok").inc()
            return response


def build_bot(token: str, api_url: str, metrics: Metrics) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_url))
    session.middleware(ResilientCalls(metrics))
    # No default parse mode: assistant replies go as plain text, so nothing the model writes can
    # turn into markup; notices that need HTML ask for it and escape every value (texts.render).
    return Bot(token=token, session=session, default=DefaultBotProperties(link_preview_is_disabled=True))


def method_name(method: Any) -> str:
    return getattr(type(method), "__api_method__", type(method).__name__)
