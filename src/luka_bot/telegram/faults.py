"""Telegram faults in background work become durable deferrals, never dead letters.

The session middleware waits out a 429 inline only when it is short (`INLINE_RETRY_AFTER_LIMIT`,
set per task with `short_inline_waits`), so a worker slot is never held for minutes. A longer
retry_after, or a 5xx / network error that outlived the middleware's own retries, is turned into
`Retry(defer, counts=False)`: the job sleeps in the delayed set for exactly what Telegram asked
(or a growing backoff for 5xx) without using up its attempt budget.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from aiogram.exceptions import (
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)

from luka_bot.jobs.worker import Retry

# How long one Bot API call may sleep on a 429 before giving the wait to the job queue instead.
# None: the middleware's own (interactive) limit.
INLINE_RETRY_AFTER_LIMIT: ContextVar[float | None] = ContextVar("inline_retry_after_limit", default=None)
BACKGROUND_INLINE_WAIT_S = 3.0
SERVER_ERROR_BACKOFF_MAX_S = 60.0


@contextmanager
def short_inline_waits(seconds: float = BACKGROUND_INLINE_WAIT_S) -> Iterator[None]:
    token = INLINE_RETRY_AFTER_LIMIT.set(seconds)
    try:
        yield
    finally:
        INLINE_RETRY_AFTER_LIMIT.reset(token)


def as_retry(exc: BaseException, deferrals: int) -> Retry | None:
    """The deferral for a Telegram fault, or None when the error is not a transient one."""
    if isinstance(exc, TelegramRetryAfter):
        # A little over what Telegram asked, so the retry lands after the window, not at its edge.
        return Retry(defer=exc.retry_after + 0.5, reason=f"telegram 429 retry_after={exc.retry_after}", counts=False)
    if isinstance(exc, (TelegramServerError, TelegramNetworkError)):
        delay = min(0.5 * 2 ** min(deferrals, 8), SERVER_ERROR_BACKOFF_MAX_S)
        return Retry(defer=delay, reason=f"telegram unavailable: {exc}"[:300], counts=False)
    return None
