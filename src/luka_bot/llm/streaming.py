"""A streamed chat reply that knows how it ended.

A stream that stops is not necessarily a finished answer. OpenAI-compatible servers say why the
model stopped in the last chunk's `finish_reason`: `stop` (the model ended its answer), `length`
(it hit `max_tokens`), or something else (`content_filter`, ...). Some servers end a stream early
with a bare `data: [DONE]` and no `finish_reason` at all: llama-cpp-python's server does so when a
second request interrupts a running one, and a proxy that drops the connection cleanly looks the
same. Only `stop` is a complete answer; everything else must be shown as cut off, never as done.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from enum import StrEnum


class StreamEnding(StrEnum):
    COMPLETE = "complete"  # finish_reason "stop": the model ended its answer
    TRUNCATED = "truncated"  # finish_reason "length": the answer reached max_tokens
    INTERRUPTED = "interrupted"  # ended without "stop"/"length": server cut it, filter, bare [DONE]
    FAILED = "failed"  # an error was raised (timeout, HTTP error, broken chunk, dropped connection)


def ending_for(finish_reason: str | None) -> StreamEnding:
    if finish_reason == "stop":
        return StreamEnding.COMPLETE
    if finish_reason == "length":
        return StreamEnding.TRUNCATED
    return StreamEnding.INTERRUPTED


class ChatStream:
    """An async iterator of the reply's text pieces. Once it is exhausted, `ending` and
    `finish_reason` say how the reply ended; while it runs, or when the reader stopped early,
    `ending` is None. A failure is raised to the reader as a typed `LlmError` (and `ending` is
    FAILED)."""

    def __init__(self) -> None:
        self.ending: StreamEnding | None = None
        self.finish_reason: str | None = None
        # (prompt_tokens, completion_tokens) as the server reported them (`stream_options.include_usage`);
        # None when it reported nothing, and the caller estimates.
        self.usage: tuple[int, int] | None = None
        self._pieces: AsyncGenerator[str, None] | None = None

    def bind(self, pieces: AsyncGenerator[str, None]) -> ChatStream:
        self._pieces = pieces
        return self

    def __aiter__(self) -> ChatStream:
        return self

    async def __anext__(self) -> str:
        assert self._pieces is not None, "ChatStream used before bind()"
        return await self._pieces.__anext__()

    async def aclose(self) -> None:
        if self._pieces is not None:
            await self._pieces.aclose()

    async def relay(self, inner: ChatStream) -> AsyncGenerator[str, None]:
        """`inner`'s pieces, and then its ending as this stream's: for a wrapper that hands the
        reader one of several underlying streams (a provider chain with a fallback), so the
        ending is never lost on the way:

            out = ChatStream()
            async def pieces():
                async for piece in out.relay(client.stream_chat(...)):
                    yield piece
            return out.bind(pieces())
        """
        try:
            async for piece in inner:
                yield piece
        finally:
            self.ending, self.finish_reason = inner.ending, inner.finish_reason
            self.usage = inner.usage
