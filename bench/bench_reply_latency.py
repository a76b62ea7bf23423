"""Mention → first bot message, with moderation off and on, and message → deletion of the message
and the bot's reply when the judge takes seconds.

    .venv/bin/python bench/bench_reply_latency.py [--mentions 300] [--deletions 50] [--first-token 0.15] [--judge 3.0]

The bot runs as its own process (`luka-bot run`) against the Telegram and LLM emulators served
here; latencies are read from the emulator's own timestamps (message dates), not from this
script's polling. Each mention goes to a chat of its own so that Telegram's per-group limit (20
messages a minute) is not what is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stack import ALICE, Http, start_bot, stop_bot, summary

from luka_bot.sandbox.llm_emulator import start_llm_emulator
from luka_bot.sandbox.telegram_emulator import start_emulator
from luka_bot.store.keys import Keys
from luka_bot.store.redis import EmbeddedValkey

KEYS = Keys()  # the bot's default prefix: the bench writes group settings where the bot reads them

SPAM_VERDICT = {"action": "delete", "category": "spam", "confidence": 0.95, "reason": "bench"}


async def wait_bot_message(http: Http, chat_id: int, timeout: float = 30.0) -> dict:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        bots = [m for m in await http.messages(chat_id) if m["from"]["is_bot"]]
        if bots:
            return bots[0]
        await asyncio.sleep(0.01)
    raise TimeoutError(f"no bot message in chat {chat_id}")


async def set_group(redis, chat_id: int, moderation: bool) -> None:
    await redis.set(KEYS.group_settings(chat_id), json.dumps({"moderation_enabled": moderation, "llm_judge": "all"}))


async def mention_latencies(http: Http, redis, *, n: int, moderation: bool, base: int) -> list[float]:
    latencies = []
    for i in range(n):
        chat_id = base - i
        await set_group(redis, chat_id, moderation)
        sent = await http.post(chat_id, ALICE, f"@luka_test_bot question number {i}?")
        reply = await wait_bot_message(http, chat_id)
        latencies.append(reply["date"] - sent["date"])
    return latencies


async def deletion_latencies(http: Http, redis, *, n: int, base: int, spacing: float) -> list[float]:
    """Spam that mentions the bot: the reply goes out, then the verdict deletes both."""
    posted = []
    for i in range(n):
        chat_id = base - i
        await set_group(redis, chat_id, True)
        sent = await http.post(chat_id, ALICE, f"@luka_test_bot benchspam offer {i}")
        posted.append((chat_id, sent))
        await asyncio.sleep(spacing)
    latencies = []
    for chat_id, sent in posted:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while loop.time() < deadline:
            messages = await http.messages(chat_id)
            mine = [
                m
                for m in messages
                if m["message_id"] == sent["message_id"]
                or (m["from"]["is_bot"] and m["reply_to_message_id"] == sent["message_id"])
            ]
            if len(mine) >= 2 and all(m["deleted_at"] for m in mine):
                latencies.append(max(m["deleted_at"] for m in mine) - sent["date"])
                break
            await asyncio.sleep(0.05)
        else:
            raise TimeoutError(f"message {sent['message_id']} in {chat_id} not deleted with its reply")
    return latencies


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mentions", type=int, default=300)
    parser.add_argument("--deletions", type=int, default=50)
    parser.add_argument("--first-token", type=float, default=0.15)
    parser.add_argument("--judge", type=float, default=3.0)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="luka-bench-"))
    valkey = EmbeddedValkey(tmp / "valkey")
    valkey.start()
    import redis.asyncio as aioredis

    redis = aioredis.from_url(valkey.url, decode_responses=True)
    _, tg_runner, tg_port = await start_emulator("127.0.0.1", 0)
    _llm, llm_runner, llm_port = await start_llm_emulator("127.0.0.1", 0)
    async with aiohttp.ClientSession() as session:
        http = Http(session, f"http://127.0.0.1:{tg_port}", f"http://127.0.0.1:{llm_port}")
        await http.llm_config(first_token_delay=args.first_token, token_delay=0.02, judge_delay=args.judge)
        await http.llm_script(contains="benchspam", verdict=SPAM_VERDICT)
        results = {}
        for label, moderation, base in (
            ("moderation_off", False, -1002000000000),
            ("moderation_on", True, -1003000000000),
        ):
            await redis.flushall()  # each case starts with an empty job stream
            process, _ = await start_bot(http, {"REDIS_URL": valkey.url, "LLM_JUDGE": "all"}, tmp / label)
            await mention_latencies(http, redis, n=5, moderation=moderation, base=base + 900_000)  # warm-up
            results[label] = summary(
                await mention_latencies(http, redis, n=args.mentions, moderation=moderation, base=base)
            )
            await stop_bot(process)
        await redis.flushall()  # not the judge backlog the mention case left behind
        process, _ = await start_bot(http, {"REDIS_URL": valkey.url, "LLM_JUDGE": "all"}, tmp / "deletion")
        results["deletion_with_reply"] = summary(
            await deletion_latencies(http, redis, n=args.deletions, base=-1004000000000, spacing=0.5)
        )
        await stop_bot(process)
    await redis.aclose()
    await llm_runner.cleanup()
    await tg_runner.cleanup()
    valkey.stop()

    off, on, deletion = results["moderation_off"], results["moderation_on"], results["deletion_with_reply"]
    print(f"LLM emulator: first token {args.first_token * 1000:.0f} ms, judge {args.judge * 1000:.0f} ms")
    print(f"{'case':<34}{'n':>5}{'p50 ms':>10}{'p99 ms':>10}")
    for name, row in (
        ("mention -> first reply, mod. off", off),
        ("mention -> first reply, mod. on", on),
        ("message -> message+reply deleted", deletion),
    ):
        print(f"{name:<34}{row['n']:>5}{row['p50_ms']:>10.1f}{row['p99_ms']:>10.1f}")
    print(
        f"ratio on/off: p50 {on['p50_ms'] / off['p50_ms']:.3f}, p99 {on['p99_ms'] / off['p99_ms']:.3f} (goal <= 1.05)"
    )
    print(f"deletion p99 - judge: {deletion['p99_ms'] - args.judge * 1000:.0f} ms (goal <= 300)")
    print(json.dumps(results))


if __name__ == "__main__":
    asyncio.run(main())
