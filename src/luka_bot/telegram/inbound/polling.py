"""Long polling that confirms an update to Telegram only once it is taken in.

aiogram's own polling loop advances the getUpdates offset as soon as an update is handed to a
task, so an update whose intake failed (Redis unreachable) is confirmed anyway and lost, and an
update it cannot parse fails the whole getUpdates call forever (the offset never moves past it).

Here:
- getUpdates' result is read as plain JSON and each update is parsed alone: one that does not
  parse is logged with its update id, counted (`luka_updates_poison_total`) and confirmed, and the
  rest of the batch goes on.
- Each update runs in its own task as before, but the offset moves past an update only once it
  is *taken in*: for a group message, when its record and moderation job are written (the intake
  middleware calls `mark_taken_in`), however long that takes; for anything else, when its
  handler returns or HANDLER_CONFIRM_WAIT passed (a private message: once it is recorded). An update whose
  intake meets a storage fault is not confirmed: the offset stays on it, polling waits for Redis,
  and Telegram delivers it again (it keeps unconfirmed updates for 24 hours). Updates of the same
  batch that were taken in meanwhile are remembered so they are not handled twice; the intake's
  update marker dedupes them across processes and restarts too.

Holding the offset rather than buffering in memory was chosen because the updates then wait at
Telegram, durably: a crash or kill -9 during the outage loses nothing, and no local buffer can
overflow.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

import structlog
from aiogram import Bot, Dispatcher
from aiogram.methods import GetUpdates
from aiogram.types import Update
from pydantic import ValidationError
from redis.exceptions import BusyLoadingError, ClusterDownError, ResponseError, TryAgainError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from luka_bot.health import Health
from luka_bot.metrics import Metrics

log = structlog.get_logger(__name__)

TAKEN_IN = "taken_in"  # the key, in a handler's data, of the future the intake resolves
# A handler that neither took its update in nor returned within this long holds the offset no
# more (a callback answer waiting out a 429): it runs on, and polling goes on.
HANDLER_CONFIRM_WAIT = 10.0
_TRANSIENT_REPLIES = ("LOADING", "READONLY", "MISCONF", "OOM", "MASTERDOWN", "NOREPLICAS", "CLUSTERDOWN", "TRYAGAIN")


class RawGetUpdates(GetUpdates):
    """getUpdates with its result left as JSON objects, so each update is parsed on its own."""

    __returning__ = list[dict[str, Any]]


def mark_taken_in(data: dict[str, Any]) -> None:
    """Called by the intake once the update's durable part is written: it may be confirmed."""
    future = data.get(TAKEN_IN)
    if isinstance(future, asyncio.Future) and not future.done():
        future.set_result(None)


def is_storage_fault(exc: BaseException) -> bool:
    """Redis away or refusing writes for now: worth waiting for, not a reason to drop the update."""
    # redis-py parses CLUSTERDOWN and TRYAGAIN into their own classes and drops the code from the
    # message (a cluster pipeline read without raising hands them back so).
    if isinstance(exc, RedisConnectionError | RedisTimeoutError | BusyLoadingError | ClusterDownError | TryAgainError):
        return True
    return isinstance(exc, ResponseError) and str(exc).startswith(_TRANSIENT_REPLIES)


class Poller:
    def __init__(
        self,
        bot: Bot,
        dispatcher: Dispatcher,
        health: Health,
        metrics: Metrics,
        *,
        storage_ping: Callable[[], Awaitable[Any]],
        allowed_updates: list[str],
        polling_timeout: int = 25,
        concurrency: int = 512,
    ) -> None:
        self._bot = bot
        self._dispatcher = dispatcher
        self._health = health
        self._metrics = metrics
        self._ping = storage_ping
        self._allowed = allowed_updates
        self._timeout = polling_timeout
        self._slots = asyncio.Semaphore(concurrency)
        self._stopping = asyncio.Event()
        self.offset: int | None = None
        self._taken: set[int] = set()  # ids at or past the offset already taken in here
        self._tasks: set[asyncio.Task[None]] = set()

    def stop(self) -> None:
        self._stopping.set()

    @property
    def in_flight(self) -> int:
        """Updates fetched whose handlers have not finished yet (health and tests read it)."""
        return len(self._tasks)

    async def run(self, **data: Any) -> None:
        """Poll until `stop()`; `data` goes to every handler (as start_polling's kwargs did)."""
        failures = 0
        try:
            while not self._stopping.is_set():
                batch = await self._fetch()
                if batch is None:
                    failures += 1
                    await self._sleep(min(0.5 * 2 ** min(failures - 1, 5), 10.0))
                    continue
                failures = 0
                held = await self._take_in(batch, data)
                if held:
                    await self._wait_for_storage()
        finally:
            await self._confirm_on_stop()

    # --- one round -------------------------------------------------------------------------
    async def _fetch(self) -> list[dict[str, Any]] | None:
        method = RawGetUpdates(offset=self.offset, timeout=self._timeout, allowed_updates=self._allowed)
        self._health.poll_begins()
        fetch = asyncio.ensure_future(self._bot(method, request_timeout=self._timeout + 15))
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if not fetch.done():
            # Stopping: an unanswered getUpdates confirms nothing beyond what the offset says.
            fetch.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await fetch
            return []
        try:
            updates = fetch.result()
        except Exception as exc:  # noqa: BLE001 - any failure to fetch is retried with backoff
            self._health.poll_failed(f"{type(exc).__name__}: {exc}"[:300])
            self._metrics.polling_failures.inc()
            log.warning(
                "polling.fetch_failed", error=f"{type(exc).__name__}: {exc}"[:300], failures=self._health.poll_failures
            )
            return None
        self._health.mark_polled()
        # RawGetUpdates returns plain JSON objects (mypy sees GetUpdates' declared result)
        return updates  # type: ignore[return-value]

    async def _take_in(self, batch: list[dict[str, Any]], data: dict[str, Any]) -> bool:
        """Hand each update to its task and move the offset over those taken in, in order.
        Returns True when one met a storage fault (the offset stays on it)."""
        waiting: list[tuple[int, asyncio.Future[None] | None, bool]] = []
        loop = asyncio.get_running_loop()
        for raw in batch:
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            if not isinstance(update_id, int):
                self._metrics.poison_updates.inc()
                log.error("polling.update_without_id", update=str(raw)[:500])
                continue
            if update_id in self._taken or (self.offset is not None and update_id < self.offset):
                waiting.append((update_id, None, False))  # taken in before the outage: not twice
                continue
            try:
                update = Update.model_validate(raw, context={"bot": self._bot})
            except ValidationError as exc:
                self._metrics.poison_updates.inc()
                log.error(
                    "polling.poison_update",
                    update_id=update_id,
                    error=str(exc).splitlines()[0][:300],
                    update=str(raw)[:500],
                )
                waiting.append((update_id, None, False))
                continue
            # A group message is confirmed only once its intake wrote it, however long storage
            # takes; anything else (private chats included) holds the offset for a bounded time.
            message = update.message or update.edited_message
            is_message = message is not None and message.chat.type in ("group", "supergroup")
            future: asyncio.Future[None] = loop.create_future()
            # A failure that lands after the poller stopped waiting is logged by _handle; mark it
            # retrieved so asyncio does not report it again when the future is collected.
            future.add_done_callback(lambda f: f.cancelled() or f.exception())
            await self._slots.acquire()
            task = asyncio.create_task(self._handle(update, future, data), name=f"update:{update_id}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            waiting.append((update_id, future, is_message))

        held_at: int | None = None
        deadline = time.monotonic() + HANDLER_CONFIRM_WAIT
        for update_id, taken_in, is_message in waiting:
            ok = True
            if taken_in is not None:
                ok = await self._outcome(update_id, taken_in, is_message, deadline)
            if not ok:
                held_at = update_id if held_at is None else held_at
                continue
            if held_at is None:
                self.offset = update_id + 1
            else:
                self._taken.add(update_id)
        self._taken = {i for i in self._taken if self.offset is None or i >= self.offset}
        if held_at is not None:
            held = sum(1 for update_id, _, _ in waiting if update_id >= held_at and update_id not in self._taken)
            self._metrics.updates_held.inc(held)
            log.warning(
                "polling.updates_held",
                from_update_id=held_at,
                count=held,
                reason="storage unreachable: Telegram delivers them again once it is back",
            )
            return True
        return False

    async def _outcome(self, update_id: int, taken_in: asyncio.Future[None], is_message: bool, deadline: float) -> bool:
        """True when the update may be confirmed. A chat message waits for its intake however long
        it takes (the Redis client times out by itself); other updates hold the offset only until
        the deadline."""
        try:
            if is_message:
                await asyncio.shield(taken_in)
            else:
                await asyncio.wait_for(asyncio.shield(taken_in), max(deadline - time.monotonic(), 0.01))
        except TimeoutError:
            if taken_in.done() and taken_in.exception() is not None:
                return not is_storage_fault(taken_in.exception())  # type: ignore[arg-type]
            return True  # still running: it holds the offset no more
        except Exception as exc:  # noqa: BLE001 - the handler's failure (_handle logged it)
            return not is_storage_fault(exc)
        return True

    async def _handle(self, update: Update, taken_in: asyncio.Future[None], data: dict[str, Any]) -> None:
        try:
            await self._dispatcher.feed_update(self._bot, update, **data, **{TAKEN_IN: taken_in})
        except Exception as exc:  # the edge of one update: the poller decides what it means
            fault = is_storage_fault(exc)
            # A bug gets its traceback; a storage fault is expected and says enough in one line.
            log.error(
                "polling.update_failed",
                update_id=update.update_id,
                storage_fault=fault,
                taken_in=taken_in.done(),
                error=f"{type(exc).__name__}: {exc}"[:300],
                exc_info=None if fault else exc,
            )
            if not taken_in.done():
                taken_in.set_exception(exc)
        else:
            if not taken_in.done():
                taken_in.set_result(None)
        finally:
            self._slots.release()

    # --- outage and stop -------------------------------------------------------------------
    async def _wait_for_storage(self) -> None:
        self._health.hold("storage unreachable")
        delay = 0.2
        try:
            while not self._stopping.is_set():
                try:
                    await asyncio.wait_for(self._ping(), timeout=2.0)
                    log.info("polling.storage_back", offset=self.offset)
                    return
                except Exception:  # noqa: BLE001 - still away; try again
                    await self._sleep(delay)
                    delay = min(delay * 2, 2.0)
        finally:
            self._health.release()

    async def _sleep(self, seconds: float) -> None:
        with suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _confirm_on_stop(self) -> None:
        """Tell Telegram what was taken in, so a restart is not handed the last batch again."""
        if self.offset is None:
            return
        with suppress(Exception):
            await self._bot(
                RawGetUpdates(offset=self.offset, timeout=0, limit=1, allowed_updates=self._allowed), request_timeout=5
            )
