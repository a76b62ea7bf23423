"""Memory per idle chat: the bot's RSS and Valkey's bytes grown per chat that sent one message.

    .venv/bin/python bench/bench_chat_memory.py [--chats 2000] [--step N] [--bound 10000] [--window 400]

The whole stack (emulator -> bot process with its embedded Valkey, LLM_JUDGE=off): every chat
posts one message, then is idle. Growth is measured from after `--warmup` chats to after every job
was acknowledged: VmRSS of the bot process and Valkey's `used_memory`, divided by the chats.

The load generator is light so 100,000 chats fit in minutes: the emulator runs in this process
and messages are put on its update queue directly (no HTTP round trip per message), at most
`--window` ahead of the jobs the bot finished. Every `--step` chats a checkpoint is printed; the
growth per chat *past* `--bound` (the largest per-chat cache's cap, 10,000 groups) is what an
LRU-bounded process must keep near zero.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import redis.asyncio as aioredis

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stack import Http, start_bot, stop_bot
from bench_throughput import jobs_done

from luka_bot.logging import configure_logging
from luka_bot.sandbox.llm_emulator import start_llm_emulator
from luka_bot.sandbox.telegram_emulator import start_emulator
from luka_bot.store.keys import MESSAGE_TTL

FIRST_CHAT = -1006000000000
WARMUP_CHAT = -1007000000000


def rss_now_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def wait_done(http: Http, port: int, target: float, *, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while await jobs_done(http, port) < target:
        if time.monotonic() > deadline:
            raise TimeoutError(f"jobs not finished within {timeout:.0f} s")
        await asyncio.sleep(0.2)


@dataclass
class Pattern:
    keys: int = 0
    no_ttl: int = 0
    long_lived: int = 0  # no TTL, or one past MESSAGE_TTL: what an idle chat still costs in 2 days
    bytes: int = 0  # MEMORY USAGE, summed
    long_lived_bytes: int = 0


async def key_patterns(valkey: aioredis.Redis) -> dict[str, Pattern]:
    """Every key, by pattern (numbers and hashes folded to #): how many, how long they live, bytes."""
    found: dict[str, Pattern] = {}
    batch: list[str] = []

    async def flush() -> None:
        async with valkey.pipeline(transaction=False) as pipe:
            for key in batch:
                pipe.ttl(key)
                pipe.memory_usage(key)
            answers = await pipe.execute()
        for key, ttl, size in zip(batch, answers[::2], answers[1::2], strict=True):
            pattern = found.setdefault(re.sub(r"[0-9a-f]{12,}|-?\d+", "#", key), Pattern())
            pattern.keys += 1
            pattern.no_ttl += ttl == -1
            pattern.bytes += size or 0
            if ttl == -1 or ttl > MESSAGE_TTL:
                pattern.long_lived += 1
                pattern.long_lived_bytes += size or 0
        batch.clear()

    async for raw in valkey.scan_iter(count=1000):
        batch.append(raw.decode())
        if len(batch) >= 500:
            await flush()
    await flush()
    return found


def per_chat(grown: float, chats: int) -> float:
    return grown / chats if chats else float("nan")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chats", type=int, default=2000)
    parser.add_argument("--step", type=int, default=0, help="checkpoint every N chats (default: chats / 10)")
    parser.add_argument("--bound", type=int, default=10_000, help="the per-chat caches' cap (groups)")
    parser.add_argument("--window", type=int, default=400, help="messages posted ahead of the finished jobs")
    parser.add_argument("--warmup", type=int, default=400, help="chats posted before the baseline is taken")
    args = parser.parse_args()
    step = args.step or max(1, args.chats // 10)
    configure_logging("console", "WARNING")  # the emulator logs every group it creates
    tmp = Path(tempfile.mkdtemp(prefix="luka-bench-mem-"))
    emulator, tg_runner, tg_port = await start_emulator("127.0.0.1", 0)
    _, llm_runner, llm_port = await start_llm_emulator("127.0.0.1", 0)
    started = time.monotonic()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=16)) as session:
        http = Http(session, f"http://127.0.0.1:{tg_port}", f"http://127.0.0.1:{llm_port}")
        process, port = await start_bot(http, {"LLM_JUDGE": "off"}, tmp / "data")
        conf = (tmp / "data" / "valkey.conf").read_text()
        valkey_port = int(next(line.split()[1] for line in conf.splitlines() if line.startswith("port ")))
        valkey = aioredis.Redis(port=valkey_port)

        def post(n: int, chat_id: int) -> None:
            emulator.post_user_message(
                {
                    "chat_id": chat_id,
                    "chat_title": f"Bench {chat_id}",
                    "from": {"id": 20_000 + n, "first_name": f"M{n}"},
                    "text": f"good morning ({n})",
                }
            )

        async def sample() -> tuple[int, int]:
            return rss_now_kib(process.pid), int((await valkey.info("memory"))["used_memory"])

        # Warm-up: a window's worth of chats (other ids) builds what is lazily built or sized by
        # concurrency, not by chats: the classifier, the Redis connection pool, full update batches.
        for n in range(args.warmup):
            post(-1 - n, WARMUP_CHAT - n)
        await wait_done(http, port, args.warmup)
        await asyncio.sleep(1)
        rss0, used0 = await sample()
        checkpoints: list[tuple[int, int, int]] = [(0, rss0, used0)]
        print(f"{'chats':>8} {'bot RSS MiB':>12} {'RSS B/chat':>11} {'Valkey MB':>10} {'Valkey B/chat':>14} {'s':>6}")
        print(f"{0:>8} {rss0 / 1024:>12.1f} {'':>11} {used0 / 1e6:>10.1f} {'':>14} {0:>6.0f}", flush=True)
        posted = 0
        while posted < args.chats:
            done = int(await jobs_done(http, port)) - args.warmup
            while posted < args.chats and posted - done < args.window:
                post(posted, FIRST_CHAT - posted)
                posted += 1
                if posted % step == 0 or posted == args.chats:
                    await wait_done(http, port, args.warmup + posted)
                    rss, used = await sample()
                    checkpoints.append((posted, rss, used))
                    print(
                        f"{posted:>8} {rss / 1024:>12.1f} {per_chat((rss - rss0) * 1024, posted):>11.0f} "
                        f"{used / 1e6:>10.1f} {per_chat(used - used0, posted):>14.0f} "
                        f"{time.monotonic() - started:>6.0f}",
                        flush=True,
                    )
                    break
            else:
                await asyncio.sleep(0.2)
        await asyncio.sleep(6)  # past the settings cache's TTL: what stays is what idle chats cost
        rss1, used1 = await sample()
        keys = await valkey.dbsize()
        patterns = await key_patterns(valkey)
        await valkey.aclose()
        await stop_bot(process)
    await llm_runner.cleanup()
    await tg_runner.cleanup()
    print(f"{args.chats} chats, one message each, then idle (LLM_JUDGE=off), {time.monotonic() - started:.0f} s")
    print(
        f"bot RSS growth per chat: {per_chat((rss1 - rss0) * 1024, args.chats):.0f} bytes "
        f"({rss0 / 1024:.0f} -> {rss1 / 1024:.0f} MiB)"
    )
    print(f"Valkey used_memory growth per chat: {per_chat(used1 - used0, args.chats):.0f} bytes; {keys} keys in all")
    methods = Counter(str(call["method"]) for call in emulator.calls if call["method"].lower() != "getupdates")
    print(
        "Bot API calls per chat: "
        + ", ".join(f"{m} {n / (args.chats + args.warmup):.2f}" for m, n in methods.most_common())
    )
    print("keys by pattern: count, MEMORY USAGE bytes each, how many have no TTL or one past 49 h")
    for name, p in sorted(patterns.items(), key=lambda i: -i[1].bytes):
        if p.keys >= args.chats // 10:
            print(
                f"  {name:<28} {p.keys:>8} {p.bytes / p.keys:>6.0f} B  no TTL {p.no_ttl:>7}  past 49 h {p.long_lived:>7}"
            )
    rare = [p for p in patterns.values() if p.keys < args.chats // 10]
    print(
        f"  {len(rare)} rarer patterns: {sum(p.keys for p in rare)} keys, {sum(p.no_ttl for p in rare)} without a TTL"
    )
    kept = sum(p.long_lived_bytes for p in patterns.values())
    print(  # the warm-up chats' keys are in the survey too
        "Valkey bytes per chat in keys still there after 49 h idle (MEMORY USAGE): "
        f"{per_chat(kept, args.chats + args.warmup):.0f}"
    )
    past = [c for c in checkpoints if c[0] >= args.bound]
    if past and args.chats > past[0][0]:
        at, rss_b, used_b = past[0]
        print(
            f"past the bound ({at} -> {args.chats} chats): bot RSS {per_chat((rss1 - rss_b) * 1024, args.chats - at):.0f}"
            f" bytes per chat, Valkey {per_chat(used1 - used_b, args.chats - at):.0f} bytes per chat"
        )
    else:
        print(f"past the bound: not reached (run with --chats above {args.bound})")


if __name__ == "__main__":
    asyncio.run(main())
