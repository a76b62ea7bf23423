"""Memory per idle chat: the bot's RSS and Valkey's bytes grown per chat that sent one message.

    .venv/bin/python bench/bench_chat_memory.py [--chats 2000] [--posters 8]

The whole stack (emulator -> bot process with its embedded Valkey, LLM_JUDGE=off): every chat
posts one message, then is idle. Growth is measured from after a warm-up chat to after every job
was acknowledged: VmRSS of the bot process and Valkey's `used_memory`, divided by the chats.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import redis.asyncio as aioredis

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stack import Http, start_bot, stop_bot
from bench_throughput import jobs_done

from luka_bot.sandbox.llm_emulator import start_llm_emulator
from luka_bot.sandbox.telegram_emulator import start_emulator


def rss_now_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def wait_done(http: Http, port: int, target: float) -> None:
    deadline = time.monotonic() + 300
    while await jobs_done(http, port) < target:
        if time.monotonic() > deadline:
            raise TimeoutError("jobs not finished within 300 s")
        await asyncio.sleep(0.1)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chats", type=int, default=2000)
    parser.add_argument("--posters", type=int, default=8)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="luka-bench-mem-"))
    _, tg_runner, tg_port = await start_emulator("127.0.0.1", 0)
    _, llm_runner, llm_port = await start_llm_emulator("127.0.0.1", 0)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session:
        http = Http(session, f"http://127.0.0.1:{tg_port}", f"http://127.0.0.1:{llm_port}")
        process, port = await start_bot(http, {"LLM_JUDGE": "off"}, tmp / "data")
        conf = (tmp / "data" / "valkey.conf").read_text()
        valkey_port = int(next(line.split()[1] for line in conf.splitlines() if line.startswith("port ")))
        valkey = aioredis.Redis(port=valkey_port)
        # Warm-up: one chat's first message loads everything lazily built (classifier, pools).
        await http.post(-1006999999999, {"id": 42, "first_name": "Warm"}, "hello there")
        await wait_done(http, port, 1)
        await asyncio.sleep(1)
        rss0 = rss_now_kib(process.pid)
        used0 = int((await valkey.info("memory"))["used_memory"])
        queue: asyncio.Queue[int] = asyncio.Queue()
        for n in range(args.chats):
            queue.put_nowait(n)

        async def poster() -> None:
            while not queue.empty():
                n = queue.get_nowait()
                await http.post(-1006000000000 - n, {"id": 20_000 + n, "first_name": f"M{n}"}, f"good morning ({n})")

        await asyncio.gather(*(poster() for _ in range(args.posters)))
        await wait_done(http, port, 1 + args.chats)
        await asyncio.sleep(6)  # past the settings cache's TTL: what stays is what idle chats cost
        rss1 = rss_now_kib(process.pid)
        used1 = int((await valkey.info("memory"))["used_memory"])
        keys = await valkey.dbsize()
        await valkey.aclose()
        await stop_bot(process)
    await llm_runner.cleanup()
    await tg_runner.cleanup()
    print(f"{args.chats} chats, one message each, then idle (LLM_JUDGE=off)")
    print(
        f"bot RSS growth per chat: {(rss1 - rss0) * 1024 / args.chats:.0f} bytes "
        f"({rss0 / 1024:.0f} -> {rss1 / 1024:.0f} MiB)"
    )
    print(f"Valkey used_memory growth per chat: {(used1 - used0) / args.chats:.0f} bytes; {keys} keys in all")


if __name__ == "__main__":
    asyncio.run(main())
