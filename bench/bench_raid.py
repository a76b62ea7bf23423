"""A raid: N joins within S seconds of Telegram's clock into a group with the captcha on.

    .venv/bin/python bench/bench_raid.py [--joins 200] [--seconds 10] [--runs 3]

The bot runs as its own process (`luka-bot run`) against the Telegram emulator served here, with
the default raid guard (10 joins within 60 s). Joins are spread evenly over `--seconds` of the
emulator's clock. Printed per run: after how many joins raid mode was on (read from the audit
through the bot's own Redis), how long until every raider was held (no raider a free member), the
bot's messages left visible in the chat, and its Bot API calls.
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
from luka_bot.store.audit import AuditLog
from luka_bot.store.keys import AUDIT_MAXLEN, Keys
from luka_bot.store.redis import EmbeddedValkey

KEYS = Keys()  # the bot's default prefix
GROUP = -1009000000001
OWNER = {"id": 1000, "first_name": "Olga"}


async def one_run(http: Http, redis, joins: int, seconds: float, run: int) -> dict:
    chat_id = GROUP - run
    await http.post(chat_id, OWNER, "the group opens")
    await http.make_admin(chat_id, OWNER["id"])
    await redis.set(KEYS.gate_settings(chat_id), json.dumps({"captcha_enabled": True}))
    raiders = [{"id": 10_000_000 + run * 100_000 + i, "first_name": f"Raider {i}"} for i in range(joins)]
    calls_before = len(await http.calls())
    started = time.monotonic()
    for raider in raiders:
        await http.join(chat_id, raider)
        await http.advance_clock(seconds / joins)
    sent = time.monotonic() - started
    ids = {r["id"] for r in raiders}
    while True:
        members = await http.members(chat_id)
        free = [m for m in members if m["user_id"] in ids and m["status"] == "member"]
        if not free or time.monotonic() - started > 120:
            break
        await asyncio.sleep(0.05)
    held_after = time.monotonic() - started
    await asyncio.sleep(2.0)  # let the last prompt deletions land before counting what is visible
    # The audit comes newest first; the raid's order is oldest first.
    audit = list(reversed(await AuditLog(redis, KEYS).recent(chat_id, AUDIT_MAXLEN)))
    decisions = [entry.fields.get("decision") for entry in audit if entry.fields.get("kind") == "gate"]
    raid_at = decisions.index("raid_on") if "raid_on" in decisions else None
    joins_before_raid = (
        len([d for d in decisions[:raid_at] if d in ("held", "admitted")]) if raid_at is not None else None
    )
    messages = await http.messages(chat_id)
    visible = [m for m in messages if m["from"]["is_bot"] and not m["deleted_at"]]
    calls = (await http.calls())[calls_before:]
    by_method: dict[str, int] = {}
    for call in calls:
        by_method[call["method"]] = by_method.get(call["method"], 0) + 1
    return {
        "joins": joins,
        "joins_before_raid_on": joins_before_raid,
        "join_requests_sent_s": round(sent, 2),
        "all_held_after_s": round(held_after, 2),
        "free_raiders": len(free),
        "bot_messages_visible": len(visible),
        "bot_api_calls": len(calls),
        "calls_by_method": dict(sorted(by_method.items(), key=lambda kv: -kv[1])),
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--joins", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-raid-"))
    valkey = EmbeddedValkey(tmp / "valkey")
    valkey.start()
    import redis.asyncio as aioredis

    redis = aioredis.from_url(valkey.url, decode_responses=True)
    _, tg_runner, tg_port = await start_emulator("127.0.0.1", 0)
    _, llm_runner, llm_port = await start_llm_emulator("127.0.0.1", 0)
    async with aiohttp.ClientSession() as session:
        http = Http(session, f"http://127.0.0.1:{tg_port}", f"http://127.0.0.1:{llm_port}")
        process, _ = await start_bot(http, {"REDIS_URL": valkey.url, "LLM_JUDGE": "off"}, tmp / "bot")
        try:
            for run in range(args.runs):
                print(json.dumps(await one_run(http, redis, args.joins, args.seconds, run)), flush=True)
        finally:
            await stop_bot(process)
    await redis.aclose()
    await tg_runner.cleanup()
    await llm_runner.cleanup()
    valkey.stop()


if __name__ == "__main__":
    asyncio.run(main())
