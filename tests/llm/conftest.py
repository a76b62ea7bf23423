"""A real LLM emulator on a free port per test, driven through its HTTP control API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from luka_bot.llm import LlmClient
from luka_bot.metrics import Metrics
from luka_bot.sandbox.llm_emulator import LlmEmulator, start_llm_emulator


@dataclass
class EmulatorHandle:
    emulator: LlmEmulator
    root: str
    http: aiohttp.ClientSession

    @property
    def base_url(self) -> str:
        return f"{self.root}/v1"

    async def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """POST (with a body) or GET a control path; fails the test on a non-2xx answer."""
        if body is None:
            async with self.http.get(f"{self.root}{path}") as response:
                response.raise_for_status()
                return await response.json()
        async with self.http.post(f"{self.root}{path}", json=body) as response:
            response.raise_for_status()
            return await response.json()

    async def requests(self) -> list[dict[str, Any]]:
        return await self.control("/_llm/requests")


@pytest.fixture
async def llm_server() -> AsyncIterator[EmulatorHandle]:
    emulator, runner, port = await start_llm_emulator("127.0.0.1", 0)
    async with aiohttp.ClientSession() as http:
        yield EmulatorHandle(emulator, f"http://127.0.0.1:{port}", http)
    await runner.cleanup()


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
async def llm_client(llm_server: EmulatorHandle, metrics: Metrics) -> AsyncIterator[LlmClient]:
    client = LlmClient(llm_server.base_url, "", timeout=2.0, metrics=metrics)
    yield client
    await client.aclose()


@pytest.fixture
def failure_count(metrics: Metrics) -> Callable[[str, str], float]:
    """How many LLM failures `metrics` counted for (purpose, reason)."""

    def count(purpose: str, reason: str) -> float:
        value = metrics.registry.get_sample_value("luka_llm_failures_total", {"purpose": purpose, "reason": reason})
        return value or 0.0

    return count
