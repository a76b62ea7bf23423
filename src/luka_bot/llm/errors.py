"""What can go wrong when calling an LLM, as the bot cares about it.

    LlmError
    ├── LlmTimeout       no answer in time (connect, read or overall deadline)
    ├── LlmUnavailable   connection refused or dropped, any HTTP error status (4xx, 5xx)
    │   └── LlmFormatRefused  the server refused the structured-output format we asked for
    └── LlmBadOutput     an answer came but cannot be used (not JSON, broken stream chunk)

Each carries `reason`, the label used in `luka_llm_failures_total`.
"""

from __future__ import annotations


class LlmError(Exception):
    reason = "error"

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        # Set by the client that already counted this failure in the metrics, so a caller that
        # also counts failures (the judge) does not count it twice.
        self.recorded_in_metrics = False


class LlmTimeout(LlmError):
    reason = "timeout"


class LlmUnavailable(LlmError):
    reason = "unavailable"


class LlmFormatRefused(LlmUnavailable):
    """The server answered an error naming the `response_format` (llama-cpp-python answers 500
    "Input should be 'text' or 'json_object'" to `json_schema`). Its own reason, because the cure
    is another format, not waiting: the client falls back to the next format by itself."""

    reason = "format_refused"


class LlmBadOutput(LlmError):
    reason = "invalid_output"
