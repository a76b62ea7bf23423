"""Nothing is lost: kill -9 while a verdict is pending, graceful SIGTERM, and two workers on one Redis."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from luka_bot.sandbox.llm_emulator import start_llm_emulator
from luka_bot.sandbox.telegram_emulator import start_emulator
from luka_bot.settings import Role

from .harness import BOB, BOT_USERNAME, Control, settled, start_bot, wait_for

SPAM_VERDICT = {"action": "delete", "category": "spam", "confidence": 0.97, "reason": "advertising"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
async def emulators() -> AsyncIterator[Control]:
    _, tg_runner, tg_port = await start_emulator("127.0.0.1", 0, BOT_USERNAME)
    _, llm_runner, llm_port = await start_llm_emulator("127.0.0.1", 0)
    async with aiohttp.ClientSession() as session:
        yield Control(session, f"http://127.0.0.1:{tg_port}", f"http://127.0.0.1:{llm_port}")
    await llm_runner.cleanup()
    await tg_runner.cleanup()


async def start_process(
    control: Control, data_dir: Path, web_port: int, **extra_env: str
) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}  # the bot's own embedded Valkey
    env.update(
        BOT_TOKEN="123456:test-token",
        TELEGRAM_API_URL=control.tg_url,
        LLM_BASE_URL=f"{control.llm_url}/v1",
        ASSISTANT_MODEL="emulated-assistant",
        MODERATION_MODEL="emulated-judge",
        DATA_DIR=str(data_dir),
        WEB_PORT=str(web_port),
        LLM_JUDGE="all",
        WORKER_NAME="durability-test",
        JUDGE_TIMEOUT="60",
        LOG_FORMAT="json",
    )
    env.update(extra_env)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "luka_bot",
        "run",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )

    async def healthy() -> bool:
        if process.returncode is not None:
            raise AssertionError(f"the bot process exited with {process.returncode} before it was healthy")
        try:
            async with control.session.get(f"http://127.0.0.1:{web_port}/healthz") as response:
                return response.status == 200
        except aiohttp.ClientError:
            return False

    # A new process imports aiogram and starts its own Valkey: seconds of CPU, many more on a
    # loaded machine (it timed out at 30 s under four test workers). An early exit fails at once.
    await wait_for(healthy, timeout=120, interval=0.2)
    return process


async def message_deleted(control: Control, message_id: int) -> bool:
    return any(m["message_id"] == message_id and m["deleted_at"] for m in await control.messages())


async def test_kill_9_while_a_verdict_is_pending_then_restart_deletes_the_message(emulators, tmp_path):
    c = emulators
    await c.llm_script(contains="plutocoin", verdict=SPAM_VERDICT)
    await c.llm_config(judge_delay=60)  # the verdict is still pending when the bot dies
    port = free_port()
    process = await start_process(c, tmp_path, port)
    spam = await c.post("plutocoin presale, 100x guaranteed", user=BOB)

    async def judging() -> bool:
        return any(
            "plutocoin" in str(r.get("messages")) and "json_schema" in str(r.get("response_format"))
            for r in await c.llm_requests()
        )

    await wait_for(judging, timeout=15)
    process.send_signal(signal.SIGKILL)
    await process.wait()
    assert not await message_deleted(c, spam)

    await c.llm_config(judge_delay=0)
    process = await start_process(c, tmp_path, port)
    try:
        await wait_for(lambda: message_deleted(c, spam), timeout=30)
    finally:
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), timeout=20) == 0


async def test_sigterm_drains_in_flight_work_and_exits_0(emulators, tmp_path):
    c = emulators
    await c.llm_script(contains="moonshot", verdict=SPAM_VERDICT)
    await c.llm_config(judge_delay=1.5)
    process = await start_process(c, tmp_path, free_port())
    spam = await c.post("moonshot token listing tonight", user=BOB)

    async def judging() -> bool:
        return any("moonshot" in str(r.get("messages")) for r in await c.llm_requests())

    await wait_for(judging, timeout=15)
    process.send_signal(signal.SIGTERM)  # the verdict lands during the drain deadline
    assert await asyncio.wait_for(process.wait(), timeout=20) == 0
    assert await message_deleted(c, spam)


async def test_two_workers_on_one_redis_never_act_twice_visibly(emulators, embedded_redis_url):
    c = emulators
    prefix = f"two{uuid.uuid4().hex[:6]}"
    await c.llm_script(contains="dupecoin", verdict=SPAM_VERDICT)
    await c.llm_config(judge_delay=0.2)
    gateway, gateway_task = await start_bot(
        embedded_redis_url,
        c.tg_url,
        c.llm_url,
        role=Role.ALL,
        redis_key_prefix=prefix,
        llm_judge="all",
        worker_name="w-a",
    )
    extra, extra_task = await start_bot(
        embedded_redis_url,
        c.tg_url,
        c.llm_url,
        role=Role.WORKER,
        redis_key_prefix=prefix,
        llm_judge="all",
        worker_name="w-b",
    )
    try:
        members = [{"id": 2000 + n, "first_name": f"Member{n}"} for n in range(20)]
        spam_ids = [await c.post(f"dupecoin offer number {n}", user=m) for n, m in enumerate(members)]

        async def all_deleted() -> bool:
            messages = {m["message_id"]: m for m in await c.messages()}
            return all(messages[i]["deleted_at"] for i in spam_ids)

        await wait_for(all_deleted, timeout=30)
        await wait_for(lambda: settled(gateway), timeout=15)  # both bots share the queues: all notices are sent
        notices = [m for m in await c.bot_messages() if m["reply_to_message_id"] is None and "Member" in m["text"]]
        named = sorted(m["text"].split(" ")[1] for m in notices)
        assert len(notices) == 20 and len(set(named)) == 20, "one notice per member, none twice"
        deletes = [call["message_id"] for call in await c.calls("deleteMessage") if call["ok"]]
        assert sorted(deletes) == sorted(spam_ids), "each spam deleted by exactly one call"
    finally:
        for app, task in ((extra, extra_task), (gateway, gateway_task)):
            app.request_stop()
            await asyncio.wait_for(task, timeout=20)


async def test_gateway_and_worker_as_separate_roles(emulators, embedded_redis_url):
    c = emulators
    prefix = f"roles{uuid.uuid4().hex[:6]}"
    await c.llm_script(contains="rolecoin", verdict=SPAM_VERDICT)
    await c.llm_script(contains="which role", reply="The gateway answers; the worker judges.")
    gateway, gateway_task = await start_bot(
        embedded_redis_url,
        c.tg_url,
        c.llm_url,
        role=Role.GATEWAY,
        redis_key_prefix=prefix,
        llm_judge="all",
        worker_name="g",
    )
    worker, worker_task = await start_bot(
        embedded_redis_url,
        c.tg_url,
        c.llm_url,
        role=Role.WORKER,
        redis_key_prefix=prefix,
        llm_judge="all",
        worker_name="w",
    )
    try:
        question = await c.post(f"@{BOT_USERNAME} which role does what?", user=BOB)
        spam = await c.post("rolecoin presale now", user=BOB)

        async def answered() -> bool:
            return any(
                m["text"] == "The gateway answers; the worker judges." for m in await c.bot_messages(reply_to=question)
            )

        await wait_for(answered, timeout=10)
        await wait_for(lambda: message_deleted(c, spam), timeout=10)
        assert not gateway.health.worker_running and worker.health.worker_running
    finally:
        for app, task in ((worker, worker_task), (gateway, gateway_task)):
            app.request_stop()
            await asyncio.wait_for(task, timeout=20)
