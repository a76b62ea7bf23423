"""A burst of violations in ONE group: how long until each is deleted, and how many delete calls.

    .venv/bin/python bench/bench_violation_burst.py [--violations 200] [--timeout 90]

Every message is spam for the LLM judge (`LLM_JUDGE=all`, scripted verdict), so each goes through
the worker; the group's notice budget (20 a minute) means most notices must wait. Prints the time
from the first post to each deletion (p50, max), the delete calls per message (exactly one is the
goal), the notices sent within the run and the ones still waiting in the notice queue.
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
from _stack import Http, percentile, start_bot, stop_bot

from luka_bot.sandbox.llm_emulator import start_llm_emulator
from luka_bot.sandbox.telegram_emulator import start_emulator

GROUP = -1007000000001
VERDICT = {"action": "delete", "category": "spam", "confidence": 0.97, "reason": "advertising"}


async def main(violations: int, timeout: float) -> None:
    _, tg_runner, tg_port = await start_emulator("127.0.0.1", 0, "bench_bot")
    _, llm_runner, llm_port = await start_llm_emulator("127.0.0.1", 0)
    async with aiohttp.ClientSession() as session:
        http = Http(session, f"http://127.0.0.1:{tg_port}", f"http://127.0.0.1:{llm_port}")
        await http.json("POST", f"{http.llm_url}/_llm/script", {"contains": "burstcoin", "verdict": VERDICT})
        with tempfile.TemporaryDirectory() as data_dir:
            process, _ = await start_bot(http, {"LLM_JUDGE": "all"}, Path(data_dir))
            try:
                started = time.monotonic()
                posted = [
                    (
                        await http.post(
                            GROUP, {"id": 7000 + n, "first_name": f"Spammer{n}"}, f"burstcoin offer {n}, write me"
                        )
                    )["message_id"]
                    for n in range(violations)
                ]
                deleted_after: dict[int, float] = {}
                while len(deleted_after) < len(posted) and time.monotonic() - started < timeout:
                    for message in await http.messages(GROUP):
                        if (
                            message["message_id"] in posted
                            and message["deleted_at"]
                            and message["message_id"] not in deleted_after
                        ):
                            deleted_after[message["message_id"]] = time.monotonic() - started
                    await asyncio.sleep(0.1)
                calls = await http.json("GET", f"{http.tg_url}/_emulator/calls")
                per_message: dict[int, int] = {}
                for call in calls:
                    if call["ok"] and call["method"] in ("deleteMessage", "deleteMessages"):
                        for message_id in call.get("message_ids") or [call.get("message_id")]:
                            per_message[message_id] = per_message.get(message_id, 0) + 1
                notices = [m for m in await http.messages(GROUP) if m["from"]["is_bot"] and "Spammer" in m["text"]]
            finally:
                code = await stop_bot(process)
    await llm_runner.cleanup()
    await tg_runner.cleanup()
    times = list(deleted_after.values())
    print(f"{violations} violations in one group, LLM_JUDGE=all, WORKER_CONCURRENCY default")
    print(f"deleted: {len(times)} of {violations}; never deleted within {timeout:.0f} s: {violations - len(times)}")
    print(f"first post -> deletion: p50 {percentile(times, 50):.1f} s, max {max(times, default=float('nan')):.1f} s")
    print(
        f"delete calls per message: once {sum(1 for i in posted if per_message.get(i) == 1)}, "
        f"twice or more {sum(1 for i in posted if per_message.get(i, 0) > 1)}"
    )
    print(f"notices sent during the run: {len(notices)} (the group's budget is 20 a minute); exit code {code}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--violations", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=90)
    args = parser.parse_args()
    asyncio.run(main(args.violations, args.timeout))
