"""A primary provider and an optional fallback, tried per call.

ARCHITECTURE.md promises a fallback between providers: when the primary server fails or times
out, the same call goes to `LLM_FALLBACK_BASE_URL` (with `LLM_FALLBACK_MODEL`, or the caller's
model when that is unset). Each hand-over is logged and counted in `luka_llm_fallbacks_total`;
when the fallback fails too, its error is the one raised (the primary's is in the log).

The judge calls `complete_json`; the assistant may call `stream_chat`, which hands over only
before the first piece of the reply arrived (after that, a second server would repeat the
answer's start).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import structlog

from luka_bot.llm.client import ASSISTANT, JUDGE, LlmClient
from luka_bot.llm.errors import LlmError
from luka_bot.llm.streaming import ChatStream
from luka_bot.metrics import Metrics

log = structlog.get_logger(__name__)


class ProviderChain:
    def __init__(
        self,
        primary: LlmClient,
        fallback: LlmClient | None = None,
        *,
        fallback_model: str | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.primary = primary
        self.fallback = fallback
        self._fallback_model = fallback_model or None
        self._metrics = metrics

    @property
    def attempts(self) -> int:
        """How many providers one call may try; a caller's own deadline should allow for each."""
        return 1 if self.fallback is None else 2

    def _fallback_for(self, model: str) -> str:
        return self._fallback_model or model

    def _hand_over(self, purpose: str, error: LlmError) -> None:
        assert self.fallback is not None
        log.warning(
            "llm.fallback",
            purpose=purpose,
            primary=self.primary.base_url,
            fallback=self.fallback.base_url,
            reason=error.reason,
        )
        if self._metrics is not None:
            self._metrics.llm_fallbacks.labels(purpose=purpose, reason=error.reason).inc()

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
        """`LlmClient.complete_json` on the primary, then on the fallback; `timeout` bounds each."""
        try:
            return await self.primary.complete_json(
                model,
                messages,
                schema=schema,
                schema_name=schema_name,
                timeout=timeout,
                temperature=temperature,
                purpose=purpose,
                max_tokens=max_tokens,
            )
        except LlmError as exc:
            if self.fallback is None:
                raise
            self._hand_over(purpose, exc)
        return await self.fallback.complete_json(
            self._fallback_for(model),
            messages,
            schema=schema,
            schema_name=schema_name,
            timeout=timeout,
            temperature=temperature,
            purpose=purpose,
            max_tokens=max_tokens,
        )

    def stream_chat(
        self, model: str, messages: list[dict[str, Any]], *, temperature: float = 0.7, max_tokens: int | None = None
    ) -> ChatStream:
        """`LlmClient.stream_chat` on the primary; on the fallback when the primary failed before
        its first piece. A failure after the first piece is raised as it is. The returned stream's
        `ending` is the ending of whichever provider answered, so a cut-off answer is never shown
        as a complete one."""
        out = ChatStream()
        return out.bind(self._stream_pieces(out, model, messages, temperature, max_tokens))

    async def _stream_pieces(
        self, out: ChatStream, model: str, messages: list[dict[str, Any]], temperature: float, max_tokens: int | None
    ) -> AsyncGenerator[str, None]:
        started = False
        try:
            async for piece in out.relay(
                self.primary.stream_chat(model, messages, temperature=temperature, max_tokens=max_tokens)
            ):
                started = True
                yield piece
            return
        except LlmError as exc:
            if started or self.fallback is None:
                raise
            self._hand_over(ASSISTANT, exc)
        async for piece in out.relay(
            self.fallback.stream_chat(
                self._fallback_for(model), messages, temperature=temperature, max_tokens=max_tokens
            )
        ):
            yield piece

    async def aclose(self) -> None:
        """Close the clients this chain holds (a client shared with others is closed by its owner)."""
        await self.primary.aclose()
        if self.fallback is not None:
            await self.fallback.aclose()
