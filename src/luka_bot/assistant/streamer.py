"""Deliver a streamed answer into a chat: first message at the first token, then paced edits.

Race rules kept here (ARCHITECTURE.md):
- the verdict is checked before the first send, after every send and at every edit; when the
  question was removed, every message already posted is deleted and the stream is abandoned;
- every message id is recorded the moment it exists (`guard.track`), so a verdict that lands
  while we are still streaming deletes it too;
- answers longer than one Telegram message continue in new messages, each tracked.

How an answer ends is always visible in the chat:
- the model's stream reports its ending (`llm.streaming`): a truncated answer (max_tokens) and
  an interrupted one (bare [DONE], dropped connection, error mid-answer) keep their text and get
  a mark; nothing at all from the model gets the apology;
- Telegram being unavailable (429, 5xx, network) delays the answer, never loses it silently: an
  intermediate edit is skipped until Telegram's retry_after has passed, a send or the final edit
  is retried (honouring retry_after) up to the delivery deadline; past it, a reply that stopped
  mid-answer gets an "interrupted" mark, and one of which nothing could be sent gets the apology,
  each posted as soon as Telegram answers again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import Protocol, TypeVar

import structlog

from luka_bot.assistant.splitter import split_message
from luka_bot.llm.streaming import StreamEnding

log = structlog.get_logger(__name__)

TYPING_EVERY = 4.0
T = TypeVar("T")


class ReplySink(Protocol):
    """Where the answer goes; implemented over the Bot API by the Telegram layer."""

    async def send(self, text: str) -> int: ...  # waits for the rate limit
    async def edit(self, message_id: int, text: str, *, final: bool) -> bool: ...  # False: skipped
    async def delete(self, message_ids: list[int]) -> None: ...
    async def typing(self) -> None: ...


class ReplyGuard(Protocol):
    """The moderation state of the question being answered."""

    async def is_removed(self) -> bool: ...
    async def track(self, message_id: int) -> bool: ...  # True: question removed meanwhile


class Outcome(StrEnum):
    COMPLETED = "completed"
    TRUNCATED = "truncated"  # the model reached max_tokens; the text says it was cut short
    INTERRUPTED = "interrupted"  # the answer stopped early (model or Telegram); marked in the chat
    REMOVED = "removed"  # the question was removed by moderation; nothing of ours stays
    FAILED = "failed"  # nothing of the answer could be shown; an apology was posted if possible


@dataclass
class StreamResult:
    outcome: Outcome
    parts: list[tuple[int, str]] = field(default_factory=list)  # (message id, its final text)
    text: str = ""
    first_message_at: float | None = None
    error: str | None = None

    @property
    def message_ids(self) -> list[int]:
        return [message_id for message_id, _ in self.parts]


class _Removed(Exception):
    pass


class QuestionRemoved(Exception):
    """Raised by a sink whose `send` checks the question's verdict itself (in the same round trip
    as its rate limit): the question was removed, nothing was sent. See `sink_checks_removal`."""


class SinkUnavailable(Exception):
    """Raised by a sink when the chat cannot take this call now but may soon: Telegram answered 429
    (`retry_after`: the seconds it asked us to wait) or a 5xx, or the network failed. Worth
    retrying, unlike any other failure of the sink."""

    def __init__(self, detail: str, *, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class DeliveryError(Exception):
    """Sending or editing the answer failed in Telegram (not in the model)."""


class DeliveryTimedOut(DeliveryError):
    """Telegram stayed unavailable (429/5xx/network) past the delivery deadline."""


DELIVERY_DEADLINE = 60.0  # how long one send or final edit keeps retrying before we give up on it
APOLOGY_PATIENCE = 600.0  # how long an apology or an "interrupted" mark waits for Telegram to answer again
_BACKOFF_FIRST = 0.5
_BACKOFF_MAX = 8.0


class ReplyStreamer:
    def __init__(
        self,
        sink: ReplySink,
        guard: ReplyGuard,
        *,
        edit_interval: float,
        clock: Callable[[], float] = time.monotonic,
        delivery_deadline: float = DELIVERY_DEADLINE,
        apology_patience: float = APOLOGY_PATIENCE,
        backoff: float = _BACKOFF_FIRST,
        sink_checks_removal: bool = False,
    ) -> None:
        self._sink = sink
        # True: the sink's send checks the question's verdict itself and raises QuestionRemoved,
        # so no separate read is made before each send (one round trip fewer per sent message).
        self._sink_checks_removal = sink_checks_removal
        self._guard = guard
        self._edit_interval = edit_interval
        self._clock = clock
        self._delivery_deadline = delivery_deadline
        self._apology_patience = apology_patience
        self._backoff = backoff
        self._parts: list[tuple[int, str]] = []  # (message id, text shown now)
        self._next_edit_at = 0.0  # no intermediate edit before this (pacing, retry_after)
        self._first_at: float | None = None
        self._text = ""  # the answer as read so far

    async def run(
        self, deltas: AsyncIterator[str], *, apology: str, interrupted: str, truncated: str | None = None
    ) -> StreamResult:
        """Stream `deltas` into the chat. `deltas` may report how it ended (`ending`, a
        `StreamEnding`, as `llm.ChatStream` does); a plain iterator that ends without an error
        counts as complete."""
        if await self._guard.is_removed():
            return StreamResult(Outcome.REMOVED)
        try:
            model_error = await self._read(deltas)
            ending = StreamEnding.FAILED if model_error is not None else _ending_of(deltas)
            return await self._finish(
                ending, model_error, apology=apology, interrupted=interrupted, truncated=truncated
            )
        except DeliveryTimedOut as exc:
            # Telegram kept answering 429/5xx past the deadline: the answer cannot be finished.
            if await self._guard.is_removed():
                return await self._removed()
            log.warning("assistant.delivery_timed_out", error=str(exc.__cause__ or exc)[:200], parts=len(self._parts))
            if self._parts:
                # What is shown stops mid-answer: say so in a message of its own (an edit is what
                # just failed), once Telegram takes it.
                return await self._post_late(interrupted, self._text, Outcome.INTERRUPTED)
            return await self._post_late(apology, self._text, Outcome.FAILED)
        except DeliveryError as exc:
            # Telegram refused a send or edit (e.g. our message was deleted under us): whatever the
            # cause, a question removed meanwhile still takes every part with it.
            if await self._guard.is_removed():
                return await self._removed()
            log.warning("assistant.delivery_failed", error=str(exc.__cause__ or exc)[:200])
            return StreamResult(Outcome.FAILED, list(self._parts), self._text, self._first_at, error="delivery")
        except _Removed:
            return await self._removed()

    async def _read(self, deltas: AsyncIterator[str]) -> Exception | None:
        """Show the answer as it grows (into `self._text`); the model's failure is returned, not
        raised, since what was shown so far still gets its ending. Delivery failures and a
        removal raise."""
        typing = asyncio.create_task(self._keep_typing())
        try:
            async for delta in deltas:
                self._text += delta
                if not self._parts:
                    if self._text.strip():
                        typing.cancel()
                        await self._deliver(self._text, final=False)
                elif self._clock() >= self._next_edit_at:
                    if await self._guard.is_removed():
                        raise _Removed
                    await self._deliver(self._text, final=False)
        except (_Removed, DeliveryError):
            raise
        except Exception as exc:  # noqa: BLE001 - the model's failure (typed LlmError or a broken stream)
            return exc
        finally:
            typing.cancel()
            with suppress(Exception):
                await deltas.aclose()  # type: ignore[attr-defined]
        return None

    async def _finish(
        self,
        ending: StreamEnding,
        model_error: Exception | None,
        *,
        apology: str,
        interrupted: str,
        truncated: str | None,
    ) -> StreamResult:
        """The final edit for how the stream ended: complete, truncated (marked), interrupted
        (marked), or nothing shown at all (the apology)."""
        text = self._text
        if not text.strip():
            if model_error is not None:
                return await self._fail(text, apology, error=type(model_error).__name__, detail=str(model_error))
            empty = "empty" if ending is StreamEnding.COMPLETE else ending.value
            return await self._fail(text, apology, error=empty, detail=f"stream {ending.value} before any text")
        error: str | None = None
        if ending is StreamEnding.COMPLETE:
            shown, outcome = text, Outcome.COMPLETED
        elif ending is StreamEnding.TRUNCATED:
            shown, outcome = _marked(text, truncated or interrupted), Outcome.TRUNCATED
        else:
            error = type(model_error).__name__ if model_error is not None else ending.value
            log.warning(
                "assistant.answer_interrupted", error=error, detail=str(model_error or "")[:200], shown_chars=len(text)
            )
            shown, outcome = _marked(text, interrupted), Outcome.INTERRUPTED
        if await self._guard.is_removed():
            raise _Removed
        await self._deliver(shown, final=True)
        if await self._guard.is_removed():
            raise _Removed
        return StreamResult(outcome, list(self._parts), text, self._first_at, error=error)

    async def _removed(self) -> StreamResult:
        """The question was removed: every part of the answer goes with it."""
        await self._delete_all()
        return StreamResult(Outcome.REMOVED, list(self._parts), self._text, self._first_at)

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
        except (_Removed, DeliveryError):
            raise
        except Exception as exc:  # the sink is the Telegram edge: any failure there is a delivery failure
            raise DeliveryError from exc

    async def _publish(self, text: str, *, final: bool) -> None:
        chunks = split_message(text)
        for index, chunk in enumerate(chunks):
            complete = final or index < len(chunks) - 1  # earlier parts never change again
            if index < len(self._parts):
                message_id, shown = self._parts[index]
                if shown == chunk:
                    continue
                if not complete:
                    # An intermediate edit is optional: when Telegram is busy, wait as it asks and
                    # go on reading the model; a later edit (at the latest the final one) catches up.
                    try:
                        edited = await self._sink.edit(message_id, chunk, final=False)
                    except SinkUnavailable as exc:
                        self._next_edit_at = self._clock() + max(exc.retry_after or 0.0, self._edit_interval)
                        return
                    if edited:
                        self._parts[index] = (message_id, chunk)
                        self._next_edit_at = self._clock() + self._edit_interval
                    continue
                await self._retrying(
                    partial(self._sink.edit, message_id, chunk, final=True), self._clock() + self._delivery_deadline
                )
                self._parts[index] = (message_id, chunk)
                self._next_edit_at = self._clock() + self._edit_interval
            else:
                await self._send_tracked(chunk, self._clock() + self._delivery_deadline)

    async def _send_tracked(self, text: str, until: float) -> None:
        # The model may take seconds to its first token; a verdict that landed meanwhile
        # means this message is never sent, rather than sent and deleted.
        if not self._sink_checks_removal and await self._guard.is_removed():
            raise _Removed
        try:
            message_id = await self._retrying(partial(self._sink.send, text), until)
        except QuestionRemoved:
            raise _Removed from None
        self._parts.append((message_id, text))
        self._next_edit_at = self._clock() + self._edit_interval
        if self._first_at is None:
            self._first_at = time.time()
        if await self._guard.track(message_id):
            raise _Removed

    async def _retrying(self, call: Callable[[], Awaitable[T]], until: float) -> T:
        """`call` again while the sink is unavailable, honouring Telegram's retry_after, until
        `until` (then DeliveryTimedOut). A rare duplicate is possible when a 5xx came after
        Telegram had in fact posted the message: Telegram offers no idempotency key, and a
        duplicate is better than an answer lost in silence."""
        delay = self._backoff
        while True:
            try:
                return await call()
            except SinkUnavailable as exc:
                wait = exc.retry_after if exc.retry_after is not None else delay
                if self._clock() + wait > until:
                    raise DeliveryTimedOut(str(exc)) from exc
                log.info("assistant.delivery_retry", wait_s=round(wait, 2), error=str(exc)[:200])
                await asyncio.sleep(wait)
                delay = min(delay * 2, _BACKOFF_MAX)
                if await self._guard.is_removed():
                    raise _Removed from None

    async def _delete_all(self) -> None:
        if self._parts:
            await self._sink.delete(self._ids())

    async def _fail(self, text: str, apology: str, *, error: str, detail: str) -> StreamResult:
        """Nothing of the answer can be shown: post the apology instead."""
        log.warning("assistant.llm_failed", error=error, detail=detail[:200])
        try:
            await self._send_tracked(apology, self._clock() + self._delivery_deadline)
        except _Removed:
            await self._delete_all()
            return StreamResult(Outcome.REMOVED, list(self._parts), text, self._first_at)
        except DeliveryTimedOut:
            return await self._post_late(apology, text, Outcome.FAILED, error=error)
        except Exception as apology_exc:  # noqa: BLE001 - Telegram refused the apology for good: nothing more to say
            log.warning("assistant.apology_failed", error=str(apology_exc)[:200])
        return StreamResult(Outcome.FAILED, list(self._parts), text, self._first_at, error=error)

    async def _post_late(self, notice: str, text: str, outcome: Outcome, *, error: str = "delivery") -> StreamResult:
        """Post `notice` (the apology, or the "interrupted" mark) as soon as Telegram answers
        again, waiting up to the apology patience."""
        try:
            await self._send_tracked(notice, self._clock() + self._apology_patience)
            log.info("assistant.late_notice_posted", outcome=outcome.value)
        except _Removed:
            await self._delete_all()
            return StreamResult(Outcome.REMOVED, list(self._parts), text, self._first_at)
        except Exception as notice_exc:  # noqa: BLE001 - still no Telegram after all that patience: log it, say so in metrics
            log.warning("assistant.late_notice_failed", outcome=outcome.value, error=str(notice_exc)[:200])
        return StreamResult(outcome, list(self._parts), text, self._first_at, error=error)


def _marked(text: str, mark: str) -> str:
    return text.rstrip() + "\n\n" + mark


def _ending_of(deltas: AsyncIterator[str]) -> StreamEnding:
    """How an exhausted stream ended. A plain iterator that reports nothing (a test's generator)
    ended normally; one that reports an ending but has none is not taken as complete."""
    if not hasattr(deltas, "ending"):
        return StreamEnding.COMPLETE
    ending = deltas.ending
    return ending if isinstance(ending, StreamEnding) else StreamEnding.INTERRUPTED
