"""Deliver a streamed answer into a chat: first message at the first token, then paced edits.

Race rules kept here (ARCHITECTURE.md):
- the verdict is checked before the first send, after every send and at every edit; when the
  question was removed, every message already posted is deleted and the stream is abandoned;
- every message id is recorded the moment it exists (`guard.track`), so a verdict that lands
  while we are still streaming deletes it too;
- answers longer than one Telegram message continue in new messages, each tracked.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

import structlog

from luka_bot.assistant.splitter import split_message

log = structlog.get_logger(__name__)

TYPING_EVERY = 4.0


class ReplySink(Protocol):
    """Where the answer goes; implemented over the Bot API by the Telegram layer."""

    async def send(self, text: str) -> int: ...                       # waits for the rate limit
    async def edit(self, message_id: int, text: str, *, final: bool) -> bool: ...  # False: skipped
    async def delete(self, message_ids: list[int]) -> None: ...
    async def typing(self) -> None: ...


class ReplyGuard(Protocol):
    """The moderation state of the question being answered."""

    async def is_removed(self) -> bool: ...
    async def track(self, message_id: int) -> bool: ...               # True: question removed meanwhile


class Outcome(StrEnum):
    COMPLETED = "completed"
    REMOVED = "removed"     # the question was removed by moderation; nothing of ours stays
    FAILED = "failed"       # the model failed; an apology was posted


@dataclass
class StreamResult:
    outcome: Outcome
    parts: list[tuple[int, str]] = field(default_factory=list)   # (message id, its final text)
    text: str = ""
    first_message_at: float | None = None
    error: str | None = None

    @property
    def message_ids(self) -> list[int]:
        return [message_id for message_id, _ in self.parts]


class _Removed(Exception):
    pass


class DeliveryError(Exception):
    """Sending or editing the answer failed in Telegram (not in the model)."""


class ReplyStreamer:
    def __init__(self, sink: ReplySink, guard: ReplyGuard, *, edit_interval: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._sink = sink
        self._guard = guard
        self._edit_interval = edit_interval
        self._clock = clock
        self._parts: list[tuple[int, str]] = []   # (message id, text shown now)
        self._last_edit = 0.0
        self._first_at: float | None = None

    async def run(self, deltas: AsyncIterator[str], *, apology: str, interrupted: str) -> StreamResult:
        if await self._guard.is_removed():
            return StreamResult(Outcome.REMOVED)
        typing = asyncio.create_task(self._keep_typing())
        text = ""
        try:
            try:
                async for delta in deltas:
                    text += delta
                    if not self._parts:
                        if text.strip():
                            typing.cancel()
                            await self._deliver(text, final=False)
                    elif self._clock() - self._last_edit >= self._edit_interval:
                        if await self._guard.is_removed():
                            raise _Removed
                        await self._deliver(text, final=False)
            except (_Removed, DeliveryError):
                raise
            except Exception as exc:  # the model's failure (typed LlmError or a broken stream)
                return await self._fail(text, exc, apology, interrupted)
            finally:
                typing.cancel()
                with suppress(Exception):
                    await deltas.aclose()  # type: ignore[attr-defined]
            if not text.strip():
                return await self._fail(text, RuntimeError("empty answer"), apology, interrupted)
            if await self._guard.is_removed():
                raise _Removed
            await self._deliver(text, final=True)
            if await self._guard.is_removed():
                raise _Removed
        except DeliveryError as exc:
            # Telegram refused a send or edit (e.g. our message was deleted under us): whatever the
            # cause, a question removed meanwhile still takes every part with it.
            if await self._guard.is_removed():
                await self._delete_all()
                return StreamResult(Outcome.REMOVED, list(self._parts), text, self._first_at)
            log.warning("assistant.delivery_failed", error=str(exc.__cause__ or exc)[:200])
            return StreamResult(Outcome.FAILED, list(self._parts), text, self._first_at, error="delivery")
        except _Removed:
            await self._delete_all()
            return StreamResult(Outcome.REMOVED, list(self._parts), text, self._first_at)
        return StreamResult(Outcome.COMPLETED, list(self._parts), text, self._first_at)

    def _ids(self) -> list[int]:
        return [message_id for message_id, _ in self._parts]

    async def _keep_typing(self) -> None:
        with suppress(Exception):  # typing is decoration: a failure must not stop the answer
            while True:
                await self._sink.typing()
                await asyncio.sleep(TYPING_EVERY)

    async def _deliver(self, text: str, *, final: bool) -> None:
        """`_publish`, with the sink's own failures told apart from the model's."""
        try:
            await self._publish(text, final=final)
        except _Removed:
            raise
        except Exception as exc:  # the sink is the Telegram edge: any failure there is a delivery failure
            raise DeliveryError from exc

    async def _publish(self, text: str, *, final: bool) -> None:
        chunks = split_message(text)
        for index, chunk in enumerate(chunks):
            complete = final or index < len(chunks) - 1   # earlier parts never change again
            if index < len(self._parts):
                message_id, shown = self._parts[index]
                if shown != chunk and await self._sink.edit(message_id, chunk, final=complete):
                    self._parts[index] = (message_id, chunk)
                    self._last_edit = self._clock()
            else:
                # The model may take seconds to its first token; a verdict that landed meanwhile
                # means this message is never sent, rather than sent and deleted.
                if await self._guard.is_removed():
                    raise _Removed
                message_id = await self._sink.send(chunk)
                self._parts.append((message_id, chunk))
                self._last_edit = self._clock()
                if self._first_at is None:
                    self._first_at = time.time()
                if await self._guard.track(message_id):
                    raise _Removed

    async def _delete_all(self) -> None:
        if self._parts:
            await self._sink.delete(self._ids())

    async def _fail(self, text: str, exc: Exception, apology: str, interrupted: str) -> StreamResult:
        log.warning("assistant.llm_failed", error=type(exc).__name__, detail=str(exc)[:200], partial=bool(self._parts))
        try:
            if await self._guard.is_removed():
                raise _Removed
            if self._parts:
                await self._publish(text.rstrip() + "\n\n" + interrupted, final=True)
            else:
                message_id = await self._sink.send(apology)
                self._parts.append((message_id, apology))
                if self._first_at is None:
                    self._first_at = time.time()
                if await self._guard.track(message_id):
                    raise _Removed
        except _Removed:
            await self._delete_all()
            return StreamResult(Outcome.REMOVED, list(self._parts), text, self._first_at)
        except Exception as apology_exc:  # Telegram refused the apology too: nothing more to say
            log.warning("assistant.apology_failed", error=str(apology_exc)[:200])
        return StreamResult(Outcome.FAILED, list(self._parts), text, self._first_at, error=type(exc).__name__)
