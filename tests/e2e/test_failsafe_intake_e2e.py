"""Fail-safe intake, end to end: a storage outage loses no update, health tells the truth, a poison
update is skipped, a dead embedded Valkey comes back, a group that becomes a supergroup keeps its
state and its queued work."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from luka_bot.app import App
from luka_bot.sandbox.control_client import ControlError
from luka_bot.sandbox.llm_emulator import start_llm_emulator
from luka_bot.sandbox.telegram_emulator import start_emulator
from luka_bot.sandbox.valkey_server import KillableValkey

from .harness import BOT_USERNAME, Control, start_bot, wait_for

SPAM_VERDICT = {"action": "delete", "category": "spam", "confidence": 0.97, "reason": "advertising"}
RULE_SPAM = "💰 EARN $500 DAILY 💰 join https://t.me/+AbCdEf now, write me in DM"
GROUP = -1001000000077


@pytest.fixture
async def emulators() -> AsyncIterator[Control]:
    _, tg_runner, tg_port = await start_emulator("127.0.0.1", 0, BOT_USERNAME)
    _, llm_runner, llm_port = await start_llm_emulator("127.0.0.1", 0)
    async with aiohttp.ClientSession() as session:
        yield Control(session, f"http://127.0.0.1:{tg_port}", f"http://127.0.0.1:{llm_port}")
    await llm_runner.cleanup()
    await tg_runner.cleanup()


async def get_json(control: Control, app: App, path: str) -> tuple[int, dict[str, Any]]:
    async with control.session.get(f"http://127.0.0.1:{app.web_port}{path}") as response:
        return response.status, await response.json()


async def metric(control: Control, app: App, name: str) -> float:
    async with control.session.get(f"http://127.0.0.1:{app.web_port}/metrics") as response:
        text = await response.text()
    for line in text.splitlines():
        if line.startswith((name + " ", name + "{")):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def healthz_status(control: Control, app: App) -> int:
    return (await get_json(control, app, "/healthz"))[0]


async def deletions(control: Control) -> dict[tuple[int, int], int]:
    """How many successful Bot API calls deleted each (chat, message)."""
    counts: dict[tuple[int, int], int] = {}
    for call in await control.calls():
        if not call["ok"] or call["method"] not in ("deleteMessage", "deleteMessages"):
            continue
        ids = call.get("message_ids") or [call.get("message_id")]
        for message_id in ids:
            key = (call["chat_id"], message_id)
            counts[key] = counts.get(key, 0) + 1
    return counts


async def audited(app: App, chat_id: int) -> set[int]:
    return {int(e.fields["message_id"]) for e in await app.audit.recent(chat_id, count=5000)}


async def stop(app: App, task: asyncio.Task[None]) -> None:
    app.request_stop()
    await asyncio.wait_for(task, timeout=30)


# --- 3. no update is lost to a storage outage -------------------------------------------------


async def test_every_violation_posted_while_redis_is_down_is_deleted_exactly_once(emulators, tmp_path):
    c = emulators
    await c.llm_script(contains="plutocoin", verdict=SPAM_VERDICT)
    redis_server = KillableValkey(tmp_path)
    await redis_server.start()
    app, task = await start_bot(
        redis_server.url, c.tg_url, c.llm_url, llm_judge="all", worker_name=f"outage-{uuid.uuid4().hex[:6]}"
    )
    posted: list[tuple[int, bool, str]] = []  # (message_id, is spam, phase)
    phase = "before"
    posting = True

    async def post_steadily() -> None:
        n = 0
        while posting:
            n += 1
            user = {"id": 5000 + n, "first_name": f"Poster{n}"}
            spam = n % 2 == 0
            text = f"plutocoin presale number {n}, 100x guaranteed" if spam else f"good morning all, day {n} here"
            posted.append((await c.post(text, user=user, chat_id=GROUP), spam, phase))
            await asyncio.sleep(0.1)

    poster = asyncio.create_task(post_steadily())
    try:
        # Few enough violations that the group's notice pacing (20 a minute) does not slow them.
        await wait_for(lambda: len(posted) >= 6, timeout=20)
        await redis_server.kill()
        phase = "outage"
        body = await wait_for(lambda: _unhealthy_because(c, app, "/healthz", "storage"), timeout=15)
        assert body["checks"]["storage"]["ok"] is False
        ready = await wait_for(lambda: _unhealthy_because(c, app, "/readyz", "storage"), timeout=15)
        assert ready["ready"] is False
        assert await metric(c, app, "luka_storage_up") == 0
        await wait_for(lambda: sum(1 for p in posted if p[2] == "outage") >= 16, timeout=30)
        phase = "after"
        await redis_server.start()
        await wait_for(lambda: _healthy(c, app), timeout=30)
        await wait_for(lambda: sum(1 for p in posted if p[2] == "after") >= 4, timeout=20)
        posting = False
        await poster

        assert sum(1 for p in posted if p[2] == "outage" and p[1]) >= 8
        # Every message of every phase is judged: its audit record exists. Then, and only then,
        # the deletions are counted.
        await wait_for(lambda: _all_audited(app, {p[0] for p in posted}), timeout=90, interval=0.5)
        counts = await deletions(c)
        spam = [p for p in posted if p[1]]
        clean = [p for p in posted if not p[1]]
        never = [p for p in spam if counts.get((GROUP, p[0]), 0) == 0]
        # Exactly once for what was posted while Redis was down and after: those were held at
        # Telegram and taken in once. A job cut off by the kill itself (its delete done, its done
        # marker not yet written) may repeat its delete; that is the enforcement claim's concern.
        twice = [p for p in spam if p[2] != "before" and counts.get((GROUP, p[0]), 0) > 1]
        wrongly = [p for p in clean if counts.get((GROUP, p[0]), 0)]
        assert (never, twice, wrongly) == ([], [], [])
        assert await metric(c, app, "luka_updates_held_total") >= 1  # the outage did hit intake
        assert await app.queue.dead_letters() == []
        assert await metric(c, app, "luka_storage_up") == 1
    finally:
        posting = False
        with contextlib.suppress(Exception):
            await poster
        await stop(app, task)
        await redis_server.stop()


async def _unhealthy_because(c: Control, app: App, path: str, part: str) -> dict[str, Any] | None:
    status, body = await get_json(c, app, path)
    if status == 503 and any(reason.startswith(part) for reason in body.get("reasons", [])):
        return body
    return None


async def _unhealthy(c: Control, app: App) -> tuple[int, dict[str, Any]] | None:
    status, body = await get_json(c, app, "/healthz")
    return (status, body) if status == 503 else None


async def _healthy(c: Control, app: App) -> bool:
    return await healthz_status(c, app) == 200


async def _all_audited(app: App, ids: set[int]) -> bool:
    try:
        return ids <= await audited(app, GROUP)
    except Exception:  # storage may still be reconnecting
        return False


# --- 4. poison updates are skipped -----------------------------------------------------------


async def test_an_update_aiogram_cannot_parse_is_skipped_and_counted(emulators, embedded_redis_url):
    c = emulators
    app, task = await start_bot(embedded_redis_url, c.tg_url, c.llm_url)
    try:
        async with c.session.post(
            f"{c.tg_url}/_emulator/raw_updates", json={"update": {"message": {"message_id": "not a number", "chat": 7}}}
        ) as response:
            poison_id = (await response.json())["update_id"]
        spam = await c.post(RULE_SPAM, user={"id": 6001, "first_name": "Spammer"}, chat_id=GROUP)
        await wait_for(lambda: _deleted(c, spam), timeout=20)
        assert await metric(c, app, "luka_updates_poison_total") == 1
        assert app.poller.offset is not None and app.poller.offset > poison_id
        assert await healthz_status(c, app) == 200
    finally:
        await stop(app, task)


async def _deleted(c: Control, message_id: int, chat_id: int = GROUP) -> bool:
    return any(m["message_id"] == message_id and m["deleted_at"] for m in await c.messages(chat_id))


# --- 2. the embedded Valkey is supervised ----------------------------------------------------


async def test_a_killed_embedded_valkey_is_restarted_and_moderation_resumes(emulators, tmp_path):
    c = emulators
    app, task = await start_bot(None, c.tg_url, c.llm_url, data_dir=tmp_path / "data")  # type: ignore[arg-type]
    try:
        first = await c.post(RULE_SPAM, user={"id": 6101, "first_name": "Spammer"}, chat_id=GROUP)
        await wait_for(lambda: _deleted(c, first), timeout=20)
        assert app.redis.server is not None and app.redis.server._process is not None
        os.kill(app.redis.server._process.pid, 9)
        await wait_for(lambda: _unhealthy_because(c, app, "/healthz", "storage"), timeout=15)
        during = await c.post(RULE_SPAM + " again", user={"id": 6102, "first_name": "Spammer2"}, chat_id=GROUP)
        await wait_for(lambda: _healthy(c, app), timeout=30)
        await wait_for(lambda: _deleted(c, during), timeout=30)
        after = await c.post(RULE_SPAM + " once more", user={"id": 6103, "first_name": "Spammer3"}, chat_id=GROUP)
        await wait_for(lambda: _deleted(c, after), timeout=30)
        assert await metric(c, app, "luka_storage_restarts_total") == 1
    finally:
        await stop(app, task)


# --- 1. health reflects a stuck worker and failing polling ------------------------------------


async def test_readyz_names_what_is_wrong_when_polling_fails(emulators, embedded_redis_url):
    c = emulators
    app, task = await start_bot(embedded_redis_url, c.tg_url, c.llm_url)
    try:
        status, body = await wait_for(lambda: _ready(c, app), timeout=15)
        assert status == 200 and body["ready"] is True
        assert {name: check["ok"] for name, check in body["checks"].items()} == {
            "storage": True,
            "polling": True,
            "worker": True,
        }
        await c.fault("getUpdates", 502, times=1000)
        # the pending long poll ends when a message arrives; the next ones fail
        with contextlib.suppress(ControlError):
            await c.post("hello", user={"id": 6201, "first_name": "Wakes"}, chat_id=GROUP)
        status, body = await wait_for(lambda: _unready(c, app), timeout=30)
        assert any(r.startswith("polling: getUpdates failed") for r in body["reasons"])
        assert await metric(c, app, "luka_polling_ok") == 0
        assert (await get_json(c, app, "/healthz"))[0] == 503
    finally:
        await stop(app, task)


async def _ready(c: Control, app: App) -> tuple[int, dict[str, Any]] | None:
    status, body = await get_json(c, app, "/readyz")
    return (status, body) if status == 200 else None


async def _unready(c: Control, app: App) -> tuple[int, dict[str, Any]] | None:
    status, body = await get_json(c, app, "/readyz")
    return (status, body) if status == 503 else None


# --- 5. group → supergroup migration ----------------------------------------------------------

OWNER_M = {"id": 7000, "first_name": "Olga", "username": "owner"}
BOB_M = {"id": 7001, "first_name": "Bob", "username": "bob"}


async def test_a_group_that_becomes_a_supergroup_keeps_its_state_and_its_queued_work(emulators, embedded_redis_url):
    c = emulators
    await c.llm_script(contains="plutocoin", verdict=SPAM_VERDICT)
    # One job at a time and a slow judge: when the group moves, one job is being judged and the
    # others wait in the queue, all for the old id.
    app, task = await start_bot(embedded_redis_url, c.tg_url, c.llm_url, llm_judge="all", worker_concurrency=1)
    try:
        await c.post("Welcome!", user=OWNER_M, chat_id=GROUP)
        await c.make_admin(GROUP, OWNER_M["id"])
        await c.post("/policy add stop_words zanzibar gold", user=OWNER_M, chat_id=GROUP)
        await c.post("/setlog", user=OWNER_M, chat_id=GROUP)

        async def configured() -> bool:
            texts = [m["text"] for m in await c.bot_messages(GROUP)]
            return any(t.startswith("🛡️ Saved: stop_words") for t in texts) and bool(
                await app.redis.client.get(app.keys.log_chat(GROUP))
            )

        await wait_for(configured, timeout=15)
        first_spam = await c.post("plutocoin presale, the first", user=BOB_M, chat_id=GROUP)
        await wait_for(lambda: _deleted(c, first_spam), timeout=20)  # Bob now has a violation
        assert await app.redis.client.exists(app.keys.reputation(GROUP, BOB_M["id"]))

        await c.llm_config(judge_delay=2.0)
        spam = [
            await c.post(f"plutocoin presale number {n}", user={"id": 7100 + n, "first_name": f"S{n}"}, chat_id=GROUP)
            for n in range(3)
        ]

        async def judging() -> bool:
            return any("plutocoin presale number" in str(r.get("messages")) for r in await c.llm_requests())

        await wait_for(judging, timeout=15)
        async with c.session.post(f"{c.tg_url}/_emulator/chats/{GROUP}/migrate") as response:
            new_id = (await response.json())["new_chat_id"]

        # the work queued and in flight for the old id lands in the new chat, none dead-lettered
        await wait_for(lambda: _all_deleted(c, spam, new_id), timeout=60)
        # the audit record is written just after the deletion
        await wait_for(lambda: _audited_all(app, new_id, {first_spam, *spam}), timeout=20)
        assert await app.queue.dead_letters() == []
        # the group's state moved: settings and policy, reputation, log chat, audit
        moved_settings = await app.group_settings.get(new_id)
        assert moved_settings.rules.stop_words == ["zanzibar gold"]
        assert await app.redis.client.exists(app.keys.reputation(new_id, BOB_M["id"]))
        assert not await app.redis.client.exists(app.keys.reputation(GROUP, BOB_M["id"]))
        assert await app.redis.client.get(app.keys.log_chat(new_id)) == str(new_id)
        # and the moved policy acts in the new chat
        await c.llm_config(judge_delay=0)
        banned = await c.post("Buy zanzibar gold today", user={"id": 7200, "first_name": "Z"}, chat_id=new_id)
        await wait_for(lambda: _deleted(c, banned, new_id), timeout=20)
        assert await metric(c, app, "luka_chat_migrations_total") == 1
    finally:
        await stop(app, task)


async def _all_deleted(c: Control, ids: list[int], chat_id: int) -> bool:
    messages = {m["message_id"]: m for m in await c.messages(chat_id)}
    return all(messages.get(i, {}).get("deleted_at") for i in ids)


async def _audited_all(app: App, chat_id: int, ids: set[int]) -> bool:
    return ids <= {int(e.fields["message_id"]) for e in await app.audit.recent(chat_id, count=5000)}


async def test_healthz_fails_when_the_worker_loop_has_ended(emulators, embedded_redis_url):
    c = emulators
    app, task = await start_bot(embedded_redis_url, c.tg_url, c.llm_url)
    try:
        await wait_for(lambda: _ready(c, app), timeout=15)
        await app.worker.stop(0)  # the loop ends without the app stopping: moderation is gone
        body = await wait_for(lambda: _unhealthy_because(c, app, "/healthz", "worker"), timeout=10)
        assert body["reasons"] == ["worker: not running"]
        assert await metric(c, app, "luka_worker_alive") == 0
    finally:
        await stop(app, task)
