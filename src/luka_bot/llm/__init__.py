"""Calls to OpenAI-compatible chat models (Ollama, OpenAI, the bundled emulator)."""

from luka_bot.llm.client import LlmClient
from luka_bot.llm.errors import LlmBadOutput, LlmError, LlmTimeout, LlmUnavailable

__all__ = ["LlmBadOutput", "LlmClient", "LlmError", "LlmTimeout", "LlmUnavailable"]
