"""Sustained messages per second through intake and the moderation workers (LLM_JUDGE=off),
with the bot process's peak memory.

    .venv/bin/python bench/bench_throughput.py [--messages 3000] [--posters 8]

Messages are posted to the Telegram emulator as fast as `--posters` concurrent clients can; the
bot (its own process) takes them in by long polling, records and enqueues each, and its workers
judge them with the offline tiers. Throughput is messages over the time from the first post to
the last job acknowledged (read from the bot's /metrics).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stack import Http, child_pid, cpu_seconds, rss_mib, start_bot, stop_bot

from luka_bot.sandbox.llm_emulator import start_llm_emulator
from luka_bot.sandbox.telegram_emulator import start_emulator

PHRASES = [
    "good morning everyone",
    "does anyone know a good dentist downtown?",
    "the meetup is at 7 pm",
    "привет всем, как дела?",
    "кто идёт на встречу в субботу?",
    "thanks, that helped a lot",
    "I pushed the fix to the main branch",
    "погода сегодня отличная",
    "see you tomorrow",
]


async def metric(http: Http, port: int, prefix: str, label: str = "") -> float:
    """The sum of a counter's samples (those with `label`) on the bot's /metrics; 0 if absent."""
    async with http.session.get(f"http://127.0.0.1:{port}/metrics") as response:
        text = await response.text()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix) and label in line)


async def jobs_done(http: Http, port: int) -> float:
    return await metric(http, port, "luka_jobs_done_total{", 'outcome="done"')


async def round_trips(http: Http, port: int) -> float:
    """Requests the bot sent to Redis (older builds without the counter read 0)."""
    return await metric(http, port, "luka_redis_round_trips_total ")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--posters", type=int, default=8)
    parser.add_argument("--chats", type=int, default=10)
    parser.add_argument("--fsync", choices=["always", "everysec"], default="always")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="luka-bench-"))
    _, tg_runner, tg_port = await start_emulator("127.0.0.1", 0)
    _, llm_runner, llm_port = await start_llm_emulator("127.0.0.1", 0)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session:
        http = Http(session, f"http://127.0.0.1:{tg_port}", f"http://127.0.0.1:{llm_port}")
        process, port = await start_bot(http, {"LLM_JUDGE": "off", "REDIS_FSYNC": args.fsync}, tmp / "data")
        chats = [-1005000000000 - n for n in range(args.chats)]
        baseline = await jobs_done(http, port)
        trips0 = await round_trips(http, port)
        valkey = child_pid(process.pid, "valkey-server")
        bot_cpu0 = cpu_seconds(process.pid)
        valkey_cpu0 = cpu_seconds(valkey) if valkey else 0.0
        queue: asyncio.Queue[int] = asyncio.Queue()
        for n in range(args.messages):
            queue.put_nowait(n)

        async def poster() -> None:
            while not queue.empty():
                n = queue.get_nowait()
                member = {"id": 10_000 + n // 3, "first_name": f"Member{n // 3}"}
                await http.post(chats[n % len(chats)], member, f"{PHRASES[n % len(PHRASES)]} ({n})")

        started = time.perf_counter()
        await asyncio.gather(*(poster() for _ in range(args.posters)))
        posted_in = time.perf_counter() - started
        while await jobs_done(http, port) - baseline < args.messages:
            if time.perf_counter() - started > 600:
                raise TimeoutError("jobs not finished within 600 s")
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        trips = await round_trips(http, port) - trips0
        bot_cpu = cpu_seconds(process.pid) - bot_cpu0
        valkey_cpu = (cpu_seconds(valkey) - valkey_cpu0) if valkey else float("nan")
        peak = rss_mib(process.pid)
        exit_code = await stop_bot(process)
    await llm_runner.cleanup()
    await tg_runner.cleanup()
    print(
        f"{args.messages} messages in {args.chats} chats, {args.posters} concurrent posters, LLM_JUDGE=off, REDIS_FSYNC={args.fsync}"
    )
    print(f"posting took {posted_in:.1f} s ({args.messages / posted_in:.0f} msg/s offered)")
    print(f"intake -> every job acknowledged: {elapsed:.1f} s = {args.messages / elapsed:.0f} msg/s sustained")
    # CPU time per message is the comparable figure on a shared machine (wall rates are not).
    print(
        f"bot CPU per message (gateway + worker): {bot_cpu / args.messages * 1e6:.0f} us; "
        f"Valkey CPU per message: {valkey_cpu / args.messages * 1e6:.0f} us"
    )
    # Includes the worker's idle reads and timers, and this bench's /metrics reads (none of Redis).
    print(f"Redis round trips per message (all of the bot's): {trips / args.messages:.2f}")
    print(f"bot process peak RSS: {peak:.0f} MiB; exit code after SIGTERM: {exit_code}")


if __name__ == "__main__":
    asyncio.run(main())
