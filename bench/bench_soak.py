"""Soak: a steady stream of spam and clean messages while the bot process and the Redis server are
killed with SIGKILL at random; then how each violation ended.

    .venv/bin/python bench/bench_soak.py [--minutes 3] [--rate 3] [--chats 10] [--seed 1] [--faults]

Loopback only: the Telegram and LLM emulators run here, the bot is its own process (`luka-bot
run`) on a Redis server of its own (the Valkey binary, append-only file fsynced on every write,
as a production Redis holding a queue would be). Every 15-40 s either the bot is killed and
started again (same WORKER_NAME, so it takes back its own unfinished jobs) or Redis is killed and
started again after 2-5 s; with --faults, also a 429 storm on deleteMessages (retry_after 1-5 s)
or a burst of LLM judge faults (500, timeout, garbage verdict). A third of the messages are spam the (emulated) LLM judge removes
(LLM_JUDGE=all, so every message is judged). When posting ends the bench waits (at most
--drain seconds) until every message has its audit record, then prints: violations received,
deleted exactly once, deleted twice or more, never deleted, clean messages deleted, notices
sent, and the bot's RSS over time. Goal: 0 never deleted, 0 deleted twice, 0 clean deleted.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import redis.asyncio as aioredis

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stack import Http, start_bot

from luka_bot.sandbox.llm_emulator import start_llm_emulator
from luka_bot.sandbox.telegram_emulator import start_emulator
from luka_bot.sandbox.valkey_server import KillableValkey
from luka_bot.store.audit import AuditLog
from luka_bot.store.keys import AUDIT_MAXLEN, Keys

SPAM_VERDICT = {"action": "delete", "category": "spam", "confidence": 0.97, "reason": "advertising"}
CLEAN = [
    "good morning everyone",
    "does anyone know a good dentist downtown?",
    "the meetup is at 7 pm",
    "привет всем, как дела?",
    "кто идёт на встречу в субботу?",
    "thanks, that helped a lot",
]


def vm_rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--rate", type=float, default=3.0, help="messages a second, all chats together")
    parser.add_argument("--chats", type=int, default=10)
    parser.add_argument("--drain", type=float, default=120.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--faults", action="store_true", help="also 429 storms and LLM judge faults")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    tmp = Path(tempfile.mkdtemp(prefix="luka-soak-"))
    (tmp / "redis").mkdir()
    redis_server = KillableValkey(tmp / "redis")
    await redis_server.start()
    _, tg_runner, tg_port = await start_emulator("127.0.0.1", 0)
    _, llm_runner, llm_port = await start_llm_emulator("127.0.0.1", 0)
    chats = [-1007000000000 - n for n in range(args.chats)]
    posted: dict[tuple[int, int], bool] = {}  # (chat, message id) -> is spam
    kills = {"bot": 0, "redis": 0, "429": 0, "llm": 0}
    rss: list[tuple[float, float]] = []
    env = {"REDIS_URL": redis_server.url, "LLM_JUDGE": "all", "WORKER_NAME": "soak-worker", "JOB_RECLAIM_IDLE": "10"}
    async with aiohttp.ClientSession() as session:
        http = Http(session, f"http://127.0.0.1:{tg_port}", f"http://127.0.0.1:{llm_port}")
        await http.llm_script(contains="plutocoin", verdict=SPAM_VERDICT)
        bot, web_port = await start_bot(http, env, tmp / "data")
        started = time.monotonic()
        end = started + args.minutes * 60

        async def post_steadily() -> None:
            n = 0
            while time.monotonic() < end:
                n += 1
                spam = n % 3 == 0
                chat = chats[n % len(chats)]
                user = {"id": 20_000 + n, "first_name": f"Member{n}"}
                text = f"plutocoin presale {n}, 100x guaranteed" if spam else f"{CLEAN[n % len(CLEAN)]} ({n})"
                try:
                    answer = await http.post(chat, user, text)
                    posted[(chat, answer["message_id"])] = spam
                except Exception as exc:  # the emulator never goes away; report and go on
                    print(f"post failed: {exc}", file=sys.stderr)
                await asyncio.sleep(1 / args.rate)

        async def chaos() -> None:
            nonlocal bot, web_port
            while True:
                await asyncio.sleep(rng.uniform(15, 40))
                if time.monotonic() > end - 10:
                    return
                if args.faults and rng.random() < 0.5:
                    if rng.random() < 0.5:
                        kills["429"] += 1
                        await http.fault("deleteMessages", 429, retry_after=rng.randint(1, 5), times=rng.randint(3, 10))
                    else:
                        kills["llm"] += 1
                        fault = rng.choice(["500", "timeout", "garbage_verdict"])
                        await http.llm_config(fault=fault, fault_times=rng.randint(3, 10))
                elif rng.random() < 0.5:
                    bot.kill()
                    await bot.wait()
                    kills["bot"] += 1
                    bot, web_port = await start_bot(http, env, tmp / "data")
                else:
                    await redis_server.kill()
                    kills["redis"] += 1
                    await asyncio.sleep(rng.uniform(2, 5))
                    await redis_server.start()

        async def sample_rss() -> None:
            while True:
                rss.append((time.monotonic() - started, vm_rss_mib(bot.pid)))
                await asyncio.sleep(10)

        sampler = asyncio.create_task(sample_rss())
        chaos_task = asyncio.create_task(chaos())
        await post_steadily()
        await chaos_task
        posting_s = time.monotonic() - started

        # Drain: every posted message has its audit record.
        client = aioredis.from_url(redis_server.url, decode_responses=True)
        keys = Keys()
        drained_at = time.monotonic()
        while True:
            audited: set[tuple[int, int]] = set()
            try:
                for chat in chats:
                    for entry in await AuditLog(client, keys).recent(chat, count=AUDIT_MAXLEN):
                        audited.add((chat, int(entry.fields["message_id"])))
            except Exception as exc:  # Redis restarting: try again
                print(f"drain: {exc}", file=sys.stderr)
            missing = set(posted) - audited
            if not missing or time.monotonic() - drained_at > args.drain:
                break
            await asyncio.sleep(1)
        drain_s = time.monotonic() - drained_at
        rss.append((time.monotonic() - started, vm_rss_mib(bot.pid)))
        sampler.cancel()
        calls = await http.calls()
        bot.terminate()
        await bot.wait()
        await client.aclose()
    await redis_server.kill()
    await llm_runner.cleanup()
    await tg_runner.cleanup()

    deleted: dict[tuple[int, int], int] = {}
    notices = 0
    for call in calls:
        if not call["ok"]:
            continue
        if call["method"] in ("deleteMessage", "deleteMessages"):
            for message_id in call.get("message_ids") or [call.get("message_id")]:
                deleted[(call["chat_id"], message_id)] = deleted.get((call["chat_id"], message_id), 0) + 1
        elif call["method"] == "sendMessage" and call["chat_id"] in chats:
            notices += 1
    spam = [key for key, is_spam in posted.items() if is_spam]
    clean = [key for key, is_spam in posted.items() if not is_spam]
    print(
        f"soak: {args.minutes:g} min at {args.rate:g} msg/s over {args.chats} chats; "
        f"kill -9: bot {kills['bot']}x, redis {kills['redis']}x; 429 storms {kills['429']}x, "
        f"LLM fault bursts {kills['llm']}x (seed {args.seed})"
    )
    print(
        f"posted {len(posted)} messages in {posting_s:.0f} s; drained in {drain_s:.0f} s; "
        f"not audited at the end: {len(missing)}"
    )
    print(f"violations received:   {len(spam)}")
    print(f"deleted exactly once:  {sum(1 for k in spam if deleted.get(k, 0) == 1)}")
    print(f"deleted twice or more: {sum(1 for k in spam if deleted.get(k, 0) > 1)}")
    print(f"never deleted:         {sum(1 for k in spam if deleted.get(k, 0) == 0)}")
    print(f"clean deleted:         {sum(1 for k in clean if deleted.get(k, 0))} of {len(clean)}")
    print(f"notices sent:          {notices}")
    print("bot RSS (MiB) over time: " + ", ".join(f"{t:.0f}s={m:.0f}" for t, m in rss))


if __name__ == "__main__":
    asyncio.run(main())
