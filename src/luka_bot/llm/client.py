"""A thin wrapper over the `openai` SDK: streamed replies for the assistant, JSON answers for the
judge, and every SDK or transport failure turned into one of the errors in `llm.errors`."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Any, cast

import openai
import structlog

try:  # the transport library under the openai SDK: httpx2 from SDK 3 on, httpx before
    import httpx2 as _http
except ImportError:  # pragma: no cover - depends on the installed SDK
    import httpx as _http  # type: ignore[no-redef]

from luka_bot.llm.errors import LlmBadOutput, LlmError, LlmFormatRefused, LlmTimeout, LlmUnavailable
from luka_bot.llm.streaming import ChatStream, StreamEnding, ending_for
from luka_bot.metrics import Metrics

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionMessageParam

log = structlog.get_logger(__name__)

ASSISTANT = "assistant"
JUDGE = "judge"

# What the SDK and its transport raise for a failed call. ValueError covers a body or SSE chunk that is not
# JSON (the SDK lets json.JSONDecodeError through); TimeoutError is our own overall deadline.
_CALL_FAILURES = (openai.APIError, _http.HTTPError, ValueError, TimeoutError)


# Structured-output formats, best first (see `LlmClient.complete_json`).
FORMAT_JSON_SCHEMA = "json_schema"
FORMAT_JSON_OBJECT = "json_object"
FORMAT_PROMPT = "prompt"
FORMATS = (FORMAT_JSON_SCHEMA, FORMAT_JSON_OBJECT, FORMAT_PROMPT)

# Statuses a server uses to refuse a request body it does not understand; the text decides.
_REFUSAL_STATUSES = frozenset({400, 415, 422, 500, 501})
_REFUSAL_WORDS = ("response_format", "json_schema", "json_object", "input should be 'text'", "structured output")


class LlmClient:
    def __init__(self, base_url: str, api_key: str, *, timeout: float, metrics: Metrics | None = None) -> None:
        self.base_url = base_url
        self._metrics = metrics
        # Per model on this server (one client per base URL): the format that worked, and those refused.
        self._formats: dict[str, str] = {}
        self._refused: dict[str, set[str]] = {}
        # Retries are the caller's decision (the job queue retries, the assistant apologises).
        self._openai = openai.AsyncOpenAI(
            base_url=base_url, api_key=api_key or "not-needed", timeout=timeout, max_retries=0
        )
        # Ask streams for the server's token count (budgets read it); a server that refuses the
        # option is asked once more without it, and never again.
        self._stream_usage = True

    def stream_chat(
        self, model: str, messages: list[dict[str, Any]], *, temperature: float = 0.7, max_tokens: int | None = None
    ) -> ChatStream:
        """The reply's content pieces as they arrive; once exhausted, the stream's `ending` says
        whether the answer was complete (see `llm.streaming`). The client's timeout bounds each wait
        (connect, and the gap between chunks), not the whole reply."""
        stream = ChatStream()
        return stream.bind(self._stream_pieces(stream, model, messages, temperature, max_tokens))

    async def _stream_pieces(
        self, out: ChatStream, model: str, messages: list[dict[str, Any]], temperature: float, max_tokens: int | None
    ) -> AsyncGenerator[str, None]:
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
                    out.usage = (
                        int(getattr(usage, "prompt_tokens", 0) or 0),
                        int(getattr(usage, "completion_tokens", 0) or 0),
                    )
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
            log.warning(
                "llm.stream_interrupted",
                purpose=ASSISTANT,
                base_url=self.base_url,
                finish_reason=out.finish_reason,
                pieces=pieces,
            )
            if self._metrics is not None:
                self._metrics.llm_failures.labels(purpose=ASSISTANT, reason="interrupted").inc()
        elif ending is StreamEnding.TRUNCATED:
            log.info("llm.stream_truncated", purpose=ASSISTANT, max_tokens=max_tokens, pieces=pieces)
        self._observe(ASSISTANT, started)

    async def _create_stream(
        self, model: str, messages: list[dict[str, Any]], temperature: float, extra: dict[str, Any]
    ) -> openai.AsyncStream[Any]:
        if self._stream_usage:
            extra = {**extra, "stream_options": {"include_usage": True}}
        return cast(
            "openai.AsyncStream[Any]",
            await self._openai.chat.completions.create(
                model=model, messages=_params(messages), temperature=temperature, stream=True, **extra
            ),
        )

    def _stream_ended(self, out: ChatStream, ending: StreamEnding) -> None:
        out.ending = ending
        if self._metrics is not None:
            self._metrics.llm_stream_endings.labels(ending=ending.value).inc()

    async def complete_json(
        self,
        model: str,
        messages: list[dict[str, Any]],
        *,
        schema: dict[str, Any],
        schema_name: str,
        timeout: float,
        temperature: float = 0.0,
        purpose: str = JUDGE,
        max_tokens: int | None = None,
    ) -> dict[str, Any]:
        """One non-streamed answer shaped by `schema`, parsed into a dict. `timeout` bounds the
        whole call, format negotiation included. Checking the dict against the schema (pydantic)
        is the caller's job.

        Servers differ in what structured output they take, so the formats are tried in order
        (`FORMATS`): `json_schema` (OpenAI, vLLM, Ollama), then `json_object` carrying the schema
        (llama-cpp-python), then no `response_format` at all with the schema in the prompt and the
        first JSON object of the answer taken. A refusal of a format moves on to the next one at
        once; what worked is remembered for this server and model, so the probing costs one
        refused request per process at most."""
        started = time.monotonic()
        deadline = started + timeout
        refused: LlmFormatRefused | None = None
        for fmt in self._formats_to_try(model):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._record(purpose, LlmTimeout("no answer in time (format negotiation)"))
            try:
                content = await self._complete_once(
                    model,
                    messages,
                    fmt,
                    schema=schema,
                    schema_name=schema_name,
                    timeout=remaining,
                    temperature=temperature,
                    max_tokens=max_tokens,
                )
            except LlmFormatRefused as exc:
                refused = exc
                log.warning(
                    "llm.format_refused",
                    purpose=purpose,
                    base_url=self.base_url,
                    model=model,
                    format=fmt,
                    reason=exc.reason,
                    error=str(exc)[:300],
                )
                if self._metrics is not None:
                    # A refused request is a failed one, under its own reason (not "unavailable").
                    self._metrics.llm_format_refusals.labels(purpose=purpose, format=fmt).inc()
                self._record(purpose, exc)
                self._refused.setdefault(model, set()).add(fmt)
                continue
            except _CALL_FAILURES as exc:
                raise self._failure(purpose, exc) from exc
            if self._formats.get(model) != fmt:
                self._formats[model] = fmt
                log.info("llm.format_chosen", purpose=purpose, base_url=self.base_url, model=model, format=fmt)
            try:
                data = parse_json_object(content)
            except LlmBadOutput as exc:
                raise self._record(purpose, exc) from None
            self._observe(purpose, started)
            return data
        assert refused is not None  # FORMATS is never empty, so a loop without return saw a refusal
        log.warning(
            "llm.call_failed", purpose=purpose, base_url=self.base_url, reason=refused.reason, error=str(refused)[:300]
        )
        raise refused  # counted already, when it was refused

    def structured_format(self, model: str) -> str | None:
        """The structured-output format that last worked for `model` on this server, if any."""
        return self._formats.get(model)

    def _formats_to_try(self, model: str) -> list[str]:
        known = self._formats.get(model)
        if known is not None:  # start from what worked; a later refusal still moves down the list
            return list(FORMATS[FORMATS.index(known) :])
        refused = self._refused.get(model, set())
        untried = [fmt for fmt in FORMATS if fmt not in refused]
        return untried or [FORMATS[-1]]

    async def _complete_once(
        self,
        model: str,
        messages: list[dict[str, Any]],
        fmt: str,
        *,
        schema: dict[str, Any],
        schema_name: str,
        timeout: float,
        temperature: float,
        max_tokens: int | None,
    ) -> str | None:
        extra: dict[str, Any] = {} if max_tokens is None else {"max_tokens": max_tokens}
        if fmt == FORMAT_JSON_SCHEMA:
            extra["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": schema_name, "schema": schema, "strict": True},
            }
        elif fmt == FORMAT_JSON_OBJECT:
            extra["response_format"] = {"type": "json_object", "schema": schema}
        else:
            messages = schema_in_prompt(messages, schema)
        try:
            async with asyncio.timeout(timeout):
                response = await self._openai.chat.completions.create(
                    model=model,
                    messages=_params(messages),
                    temperature=temperature,
                    stream=False,
                    timeout=timeout,
                    **extra,
                )
        except openai.APIStatusError as exc:
            if fmt != FORMAT_PROMPT and is_format_refusal(exc.status_code, _status_text(exc)):
                raise LlmFormatRefused(
                    f"HTTP {exc.status_code} to response_format {fmt}: {exc.message}", status_code=exc.status_code
                ) from exc
            raise
        choices = getattr(response, "choices", None) or []
        return getattr(getattr(choices[0], "message", None), "content", None) if choices else None

    async def aclose(self) -> None:
        await self._openai.close()

    def _failure(self, purpose: str, exc: BaseException) -> LlmError:
        error = _as_llm_error(exc)
        log.warning("llm.call_failed", purpose=purpose, base_url=self.base_url, reason=error.reason, error=str(error))
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
    """The JSON object in a model's answer: the whole answer when it is one (a Markdown code
    fence around it is fine), else the first JSON object in the text ("Sure! {...} Hope this
    helps" from a model asked in the prompt)."""
    if not content or not content.strip():
        raise LlmBadOutput("empty answer")
    text = content.strip()
    if text.startswith("```"):
        text = text.strip("`").strip()
        if text.lower().startswith("json"):
            text = text[4:]
    try:
        data = json.loads(text)
    except ValueError:
        data = first_json_object(content)
        if data is None:
            raise LlmBadOutput(f"answer is not JSON: {content[:80]!r}") from None
    if not isinstance(data, dict):
        raise LlmBadOutput("answer is JSON but not an object")
    return data


def first_json_object(text: str) -> dict[str, Any] | None:
    """The first `{...}` in `text` that decodes as a JSON object, or None."""
    decoder = json.JSONDecoder()
    index = text.find("{")
    while index != -1:
        try:
            value, _ = decoder.raw_decode(text, index)
        except ValueError:
            value = None
        if isinstance(value, dict):
            return value
        index = text.find("{", index + 1)
    return None


def schema_in_prompt(messages: list[dict[str, Any]], schema: dict[str, Any]) -> list[dict[str, Any]]:
    """`messages` with the answer's schema spelled out in the system turn, for a server that
    takes no `response_format`. Only the system turn changes: the user turn (member data) never."""
    instruction = "\n\nAnswer with exactly one JSON object and nothing else, matching this JSON Schema:\n" + json.dumps(
        schema, ensure_ascii=False, separators=(",", ":")
    )
    copied = [dict(message) for message in messages]
    for message in copied:
        if message.get("role") == "system" and isinstance(message.get("content"), str):
            message["content"] = message["content"] + instruction
            return copied
    return [{"role": "system", "content": instruction.strip()}, *copied]


def is_format_refusal(status_code: int, text: str) -> bool:
    """Whether an error answer refuses the request's `response_format` rather than failing."""
    lowered = text.lower()
    return status_code in _REFUSAL_STATUSES and any(word in lowered for word in _REFUSAL_WORDS)


def _params(messages: list[dict[str, Any]]) -> list[ChatCompletionMessageParam]:
    """Our messages as the SDK's typed params: the same dicts ({"role", "content"}), built by our code."""
    return cast("list[ChatCompletionMessageParam]", messages)


def _status_text(exc: openai.APIStatusError) -> str:
    body = exc.body
    return f"{exc.message} {json.dumps(body, default=str) if body is not None else ''}"


def _as_llm_error(exc: BaseException) -> LlmError:
    if isinstance(exc, openai.APITimeoutError | _http.TimeoutException | TimeoutError):
        return LlmTimeout(f"no answer in time ({type(exc).__name__})")
    if isinstance(exc, openai.APIStatusError):
        return LlmUnavailable(f"HTTP {exc.status_code}: {exc.message}", status_code=exc.status_code)
    if isinstance(exc, openai.APIResponseValidationError | ValueError):
        return LlmBadOutput(f"unreadable answer: {exc}")
    return LlmUnavailable(f"{type(exc).__name__}: {exc}")
