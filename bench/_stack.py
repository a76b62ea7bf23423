"""Shared pieces of the end-to-end benchmarks: emulators here, the bot as a separate process."""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import sys
import time
from pathlib import Path

import aiohttp

from luka_bot.sandbox.control_client import EmulatorClient

ROOT = Path(__file__).resolve().parents[1]
ALICE = {"id": 1001, "first_name": "Alice"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": percentile(values, 50) * 1000,
        "p99_ms": percentile(values, 99) * 1000,
        "mean_ms": statistics.fmean(values) * 1000 if values else float("nan"),
    }


class Http(EmulatorClient):
    """The emulators' control client (shared with the tests), with the benchmarks' way to post."""

    async def post(self, chat_id: int, user: dict, text: str) -> dict:
        return await self.send(chat_id, user, text, chat_title=f"Bench {chat_id}")


async def start_bot(http: Http, env_extra: dict[str, str], data_dir: Path) -> tuple[asyncio.subprocess.Process, int]:
    web_port = free_port()
    env = dict(os.environ)
    env.update(
        BOT_TOKEN="123456:bench-token",
        TELEGRAM_API_URL=http.tg_url,
        LLM_BASE_URL=f"{http.llm_url}/v1",
        ASSISTANT_MODEL="emulated-assistant",
        MODERATION_MODEL="emulated-judge",
        WEB_PORT=str(web_port),
        DATA_DIR=str(data_dir),
        LOG_LEVEL="WARNING",
        WORKER_NAME=f"bench-{web_port}",
    )
    env.update(env_extra)
    log_path = os.environ.get("BENCH_BOT_LOG")
    bot_log = Path(log_path).open("ab") if log_path else None  # noqa: SIM115, ASYNC230 - the child writes it
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "luka_bot",
        "run",
        env=env,
        # BENCH_BOT_LOG=path keeps the bot's log (appended) for a run that needs explaining.
        stdout=bot_log if bot_log is not None else asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.STDOUT if bot_log is not None else asyncio.subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120  # a loaded shared machine starts slowly
    while time.monotonic() < deadline:
        try:
            async with http.session.get(f"http://127.0.0.1:{web_port}/healthz") as response:
                if response.status == 200:
                    return process, web_port
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    process.kill()
    raise RuntimeError("the bot did not become healthy within 120 s")


async def stop_bot(process: asyncio.subprocess.Process) -> int:
    process.terminate()
    return await asyncio.wait_for(process.wait(), timeout=30)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process itself used so far (children not included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def child_pid(pid: int, name: str) -> int | None:
    """The first child of `pid` whose command line contains `name` (the embedded Valkey)."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            try:
                if name.encode() in Path(f"/proc/{child}/cmdline").read_bytes():
                    return int(child)
            except OSError:
                continue
    return None
