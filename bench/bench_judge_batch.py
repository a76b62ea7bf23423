"""Messages judged per second by the LLM judge, unbatched (JUDGE_BATCH=1) and batched (16),
against a slow one-slot server: the LLM emulator takes `--judge` s per call and serves one call at
a time (llama.cpp's default), with LLM_JUDGE=all.

    .venv/bin/python bench/bench_judge_batch.py [--judge 3.0] [--window 45] [--batches 1,16]

The bot runs as its own process (`luka-bot run`); for each batch size a fresh bot gets a burst of
distinct ordinary messages (more than it can judge in the window) and the rate is the number of
messages with an LLM verdict in the audit trail, divided by the time from the burst to the last
such verdict within the window. Goal: batch 16 judges at least 10x as many messages per second.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stack import Http, start_bot, stop_bot

from luka_bot.sandbox.llm_emulator import start_llm_emulator
from luka_bot.sandbox.telegram_emulator import start_emulator
from luka_bot.store.keys import Keys
from luka_bot.store.redis import EmbeddedValkey

CHAT = -1005000000000
WORDS = ("garden", "river", "coffee", "train", "library", "concert", "bicycle", "museum", "recipe", "weekend")


def text(i: int) -> str:
    # Distinct texts (the verdict cache would dedupe copies), ordinary enough for no rule to fire.
    return f"Does anyone know a good {WORDS[i % 10]} near the {WORDS[(i // 10) % 10]}? Asking for visit {i}"


async def judged(redis, keys: Keys, since: float) -> list[float]:
    """Times (bot clock) of LLM verdicts in the audit trail after `since`."""
    rows = await redis.xrange(keys.audit(CHAT))
    return [float(fields["at"]) for _, fields in rows if fields.get("tier") == "llm" and float(fields["at"]) >= since]


async def run_case(
    http: Http,
    redis,
    valkey_url: str,
    tmp: Path,
    *,
    batch: int,
    messages: int,
    window: float,
) -> dict[str, float]:
    await redis.flushall()
    prefix = f"b{batch}"
    process, _ = await start_bot(
        http,
        {
            "REDIS_URL": valkey_url,
            "REDIS_KEY_PREFIX": prefix,
            "LLM_JUDGE": "all",
            "JUDGE_BATCH": str(batch),
            "WORKER_CONCURRENCY": "64",
            "JUDGE_CONCURRENCY": "8",
            "JUDGE_TIMEOUT": "20",
        },
        tmp / prefix,
    )
    keys = Keys(prefix=prefix)
    try:
        started = time.time()
        gate = asyncio.Semaphore(16)

        async def post(i: int) -> None:
            async with gate:
                await http.post(CHAT, {"id": 200_000 + i, "first_name": f"Member{i}"}, text(i))

        await asyncio.gather(*(post(i) for i in range(messages)))
        deadline = started + window
        times: list[float] = []
        while time.time() < deadline:
            times = await judged(redis, keys, started)
            if len(times) >= messages:
                break
            await asyncio.sleep(0.5)
        times = [t for t in times if t <= deadline]
    finally:
        await stop_bot(process)
    elapsed = (max(times) - started) if times else window
    return {
        "batch": batch,
        "posted": messages,
        "judged": len(times),
        "seconds": round(elapsed, 2),
        "per_second": round(len(times) / elapsed, 3) if elapsed > 0 else 0.0,
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--judge", type=float, default=3.0, help="seconds the LLM emulator takes per call")
    parser.add_argument("--window", type=float, default=45.0, help="seconds each case may run")
    parser.add_argument("--batches", default="1,16")
    args = parser.parse_args()
    batches = [int(b) for b in args.batches.split(",")]

    tmp = Path(tempfile.mkdtemp(prefix="luka-bench-judge-"))
    valkey = EmbeddedValkey(tmp / "valkey")
    valkey.start()
    import redis.asyncio as aioredis

    redis = aioredis.from_url(valkey.url, decode_responses=True)
    _, tg_runner, tg_port = await start_emulator("127.0.0.1", 0)
    _, llm_runner, llm_port = await start_llm_emulator("127.0.0.1", 0)
    results = []
    async with aiohttp.ClientSession() as session:
        http = Http(session, f"http://127.0.0.1:{tg_port}", f"http://127.0.0.1:{llm_port}")
        for batch in batches:
            await http.json("POST", f"{http.llm_url}/_llm/reset", {})
            await http.json("POST", f"{http.llm_url}/_llm/config", {"judge_delay": args.judge, "slots": 1})
            # Enough messages that the server never runs dry within the window.
            messages = int(args.window / args.judge * batch * 1.5) + 8
            row = await run_case(http, redis, valkey.url, tmp, batch=batch, messages=messages, window=args.window)
            requests = await http.json("GET", f"{http.llm_url}/_llm/requests")
            row["llm_calls"] = len(requests)
            results.append(row)
    await redis.aclose()
    await llm_runner.cleanup()
    await tg_runner.cleanup()
    valkey.stop()

    print(f"LLM emulator: {args.judge:.1f} s per call, one call at a time; LLM_JUDGE=all; window {args.window:.0f} s")
    print(f"{'JUDGE_BATCH':>11}{'posted':>8}{'judged':>8}{'seconds':>9}{'msg/s':>8}{'LLM calls':>11}")
    for row in results:
        print(
            f"{row['batch']:>11}{row['posted']:>8}{row['judged']:>8}{row['seconds']:>9.1f}"
            f"{row['per_second']:>8.2f}{row['llm_calls']:>11}"
        )
    if len(results) >= 2 and results[0]["per_second"]:
        print(
            f"speed-up batch {results[-1]['batch']} vs {results[0]['batch']}: "
            f"{results[-1]['per_second'] / results[0]['per_second']:.1f}x (goal >= 10x)"
        )
    print(json.dumps(results))


if __name__ == "__main__":
    asyncio.run(main())
