"""Calls to OpenAI-compatible chat models (Ollama, OpenAI, llama.cpp, the bundled emulator)."""

from luka_bot.llm.client import LlmClient
from luka_bot.llm.errors import LlmBadOutput, LlmError, LlmFormatRefused, LlmTimeout, LlmUnavailable
from luka_bot.llm.providers import ProviderChain

__all__ = ["LlmBadOutput", "LlmClient", "LlmError", "LlmFormatRefused", "LlmTimeout", "LlmUnavailable", "ProviderChain"]
