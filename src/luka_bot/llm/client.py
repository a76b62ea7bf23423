"""A thin wrapper over the `openai` SDK: streamed replies for the assistant, JSON answers for the
judge, and every SDK or transport failure turned into one of the errors in `llm.errors`."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator
from typing import Any, cast

import openai
import structlog

try:  # the transport library under the openai SDK: httpx2 from SDK 3 on, httpx before
    import httpx2 as _http
except ImportError:  # pragma: no cover - depends on the installed SDK
    import httpx as _http  # type: ignore[no-redef]

from luka_bot.llm.errors import LlmBadOutput, LlmError, LlmTimeout, LlmUnavailable
from luka_bot.llm.streaming import ChatStream, StreamEnding, ending_for
from luka_bot.metrics import Metrics

log = structlog.get_logger(__name__)

ASSISTANT = "assistant"
JUDGE = "judge"

# What the SDK and its transport raise for a failed call. ValueError covers a body or SSE chunk that is not
# JSON (the SDK lets json.JSONDecodeError through); TimeoutError is our own overall deadline.
_CALL_FAILURES = (openai.APIError, _http.HTTPError, ValueError, TimeoutError)


class LlmClient:
    def __init__(self, base_url: str, api_key: str, *, timeout: float, metrics: Metrics | None = None) -> None:
        self.base_url = base_url
        self._metrics = metrics
        # Retries are the caller's decision (the job queue retries, the assistant apologises).
        self._openai = openai.AsyncOpenAI(
            base_url=base_url, api_key=api_key or "not-needed", timeout=timeout, max_retries=0)
        # Ask streams for the server's token count (budgets read it); a server that refuses the
        # option is asked once more without it, and never again.
        self._stream_usage = True

    def stream_chat(self, model: str, messages: list[dict[str, Any]], *, temperature: float = 0.7,
                    max_tokens: int | None = None) -> ChatStream:
        """The reply's content pieces as they arrive; once exhausted, the stream's `ending` says
        whether the answer was complete (see `llm.streaming`). The client's timeout bounds each wait
        (connect, and the gap between chunks), not the whole reply."""
        stream = ChatStream()
        return stream.bind(self._stream_pieces(stream, model, messages, temperature, max_tokens))

    async def _stream_pieces(self, out: ChatStream, model: str, messages: list[dict[str, Any]],
                             temperature: float, max_tokens: int | None) -> AsyncGenerator[str, None]:
        started = time.monotonic()
        extra: dict[str, Any] = {} if max_tokens is None else {"max_tokens": max_tokens}
        try:
            try:
                stream = await self._create_stream(model, messages, temperature, extra)
            except openai.BadRequestError as exc:
                if not (self._stream_usage and "stream_options" in str(exc.message) + str(exc.body)):
                    raise
                log.info("llm.stream_usage_unsupported", base_url=self.base_url)
                self._stream_usage = False
                stream = await self._create_stream(model, messages, temperature, extra)
        except _CALL_FAILURES as exc:
            self._stream_ended(out, StreamEnding.FAILED)
            raise self._failure(ASSISTANT, exc) from exc
        pieces = 0
        try:
            async for chunk in stream:
                usage = getattr(chunk, "usage", None)
                if usage is not None:
                    out.usage = (int(getattr(usage, "prompt_tokens", 0) or 0),
                                 int(getattr(usage, "completion_tokens", 0) or 0))
                for choice in getattr(chunk, "choices", None) or ():
                    content = getattr(getattr(choice, "delta", None), "content", None)
                    if content:
                        pieces += 1
                        yield content
                    finish_reason = getattr(choice, "finish_reason", None)
                    if finish_reason:
                        out.finish_reason = str(finish_reason)
        except _CALL_FAILURES as exc:
            self._stream_ended(out, StreamEnding.FAILED)
            raise self._failure(ASSISTANT, exc) from exc
        finally:
            await stream.close()
        ending = ending_for(out.finish_reason)
        self._stream_ended(out, ending)
        if ending is StreamEnding.INTERRUPTED:
            # Not an exception: the pieces already shown are real text. But it is a failure of the
            # call, counted and logged with its real cause (e.g. llama.cpp's bare [DONE] when a
            # second request interrupted this one).
            log.warning("llm.stream_interrupted", purpose=ASSISTANT, base_url=self.base_url,
                        finish_reason=out.finish_reason, pieces=pieces)
            if self._metrics is not None:
                self._metrics.llm_failures.labels(purpose=ASSISTANT, reason="interrupted").inc()
        elif ending is StreamEnding.TRUNCATED:
            log.info("llm.stream_truncated", purpose=ASSISTANT, max_tokens=max_tokens, pieces=pieces)
        self._observe(ASSISTANT, started)

    async def _create_stream(self, model: str, messages: list[dict[str, Any]], temperature: float,
                             extra: dict[str, Any]) -> openai.AsyncStream[Any]:
        if self._stream_usage:
            extra = {**extra, "stream_options": {"include_usage": True}}
        return cast("openai.AsyncStream[Any]", await self._openai.chat.completions.create(
            model=model, messages=messages, temperature=temperature, stream=True, **extra))  # type: ignore[arg-type]

    def _stream_ended(self, out: ChatStream, ending: StreamEnding) -> None:
        out.ending = ending
        if self._metrics is not None:
            self._metrics.llm_stream_endings.labels(ending=ending.value).inc()

    async def complete_json(self, model: str, messages: list[dict[str, Any]], *, schema: dict[str, Any],
                            schema_name: str, timeout: float, temperature: float = 0.0,
                            purpose: str = JUDGE) -> dict[str, Any]:
        """One non-streamed answer constrained to `schema`, parsed into a dict. `timeout` bounds the
        whole call. Checking the dict against the schema is the caller's job."""
        started = time.monotonic()
        response_format = {"type": "json_schema",
                           "json_schema": {"name": schema_name, "schema": schema, "strict": True}}
        try:
            async with asyncio.timeout(timeout):
                response = await self._openai.chat.completions.create(
                    model=model, messages=messages, temperature=temperature, stream=False,  # type: ignore[arg-type]
                    response_format=response_format, timeout=timeout)  # type: ignore[arg-type]
        except _CALL_FAILURES as exc:
            raise self._failure(purpose, exc) from exc
        choices = getattr(response, "choices", None) or []
        content = getattr(getattr(choices[0], "message", None), "content", None) if choices else None
        try:
            data = parse_json_object(content)
        except LlmBadOutput as exc:
            raise self._record(purpose, exc) from None
        self._observe(purpose, started)
        return data

    async def aclose(self) -> None:
        await self._openai.close()

    def _failure(self, purpose: str, exc: BaseException) -> LlmError:
        error = _as_llm_error(exc)
        log.warning("llm.call_failed", purpose=purpose, base_url=self.base_url, reason=error.reason,
                    error=str(error))
        return self._record(purpose, error)

    def _record(self, purpose: str, error: LlmError) -> LlmError:
        if self._metrics is not None:
            self._metrics.llm_failures.labels(purpose=purpose, reason=error.reason).inc()
            error.recorded_in_metrics = True
        return error

    def _observe(self, purpose: str, started: float) -> None:
        if self._metrics is not None:
            self._metrics.llm_latency.labels(purpose=purpose).observe(time.monotonic() - started)


def parse_json_object(content: str | None) -> dict[str, Any]:
    """The JSON object in a model's answer; tolerates a Markdown code fence around it."""
    if not content:
        raise LlmBadOutput("empty answer")
    text = content.strip()
    if text.startswith("```"):
        text = text.strip("`").strip()
        if text.lower().startswith("json"):
            text = text[4:]
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise LlmBadOutput(f"answer is not JSON: {content[:80]!r}") from exc
    if not isinstance(data, dict):
        raise LlmBadOutput("answer is JSON but not an object")
    return data


def _as_llm_error(exc: BaseException) -> LlmError:
    if isinstance(exc, openai.APITimeoutError | _http.TimeoutException | TimeoutError):
        return LlmTimeout(f"no answer in time ({type(exc).__name__})")
    if isinstance(exc, openai.APIStatusError):
        return LlmUnavailable(f"HTTP {exc.status_code}: {exc.message}", status_code=exc.status_code)
    if isinstance(exc, openai.APIResponseValidationError | ValueError):
        return LlmBadOutput(f"unreadable answer: {exc}")
    return LlmUnavailable(f"{type(exc).__name__}: {exc}")
