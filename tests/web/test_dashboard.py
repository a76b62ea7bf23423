"""The dashboard: off without a token, refuses without it, escapes what members wrote."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web

from luka_bot.jobs.queue import JobQueue
from luka_bot.metrics import Metrics
from luka_bot.store.audit import AuditLog
from luka_bot.store.group_settings import GroupSettingsRepository
from luka_bot.web.dashboard import add_dashboard
from luka_bot.web.server import Health, create_web_app


async def serve(redis, keys, token: str):
    app = create_web_app(Health(), Metrics())
    queue = JobQueue(redis, keys)
    await queue.ensure_group()
    add_dashboard(
        app,
        token=token,
        redis=redis,
        keys=keys,
        queue=queue,
        audit=AuditLog(redis, keys),
        group_settings=GroupSettingsRepository(redis, keys),
    )
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


@pytest.fixture
async def client():
    async with aiohttp.ClientSession() as session:
        yield session


async def test_off_without_a_token(redis, keys, client):
    runner, url = await serve(redis, keys, token="")
    async with client.get(url + "/?token=") as response:
        assert response.status == 404 and "DASHBOARD_TOKEN" in await response.text()
    async with client.get(url + "/healthz") as response:
        assert response.status == 503  # health is served whatever the dashboard does
    await runner.cleanup()


async def test_refuses_a_wrong_token_and_escapes_member_text(redis, keys, client):
    await redis.hset(keys.groups, "-100", "<b>Group</b>")
    await AuditLog(redis, keys).write(
        -100,
        {
            "message_id": 7,
            "name": "<script>x</script>",
            "text": "<img src=x onerror=alert(1)>",
            "tier": "rules",
            "action": "delete",
            "category": "spam",
            "reason": "r",
            "actions": "delete:1",
        },
    )
    runner, url = await serve(redis, keys, token="s3cret")
    async with client.get(url + "/?token=wrong") as response:
        assert response.status == 401
    async with client.get(url + "/?token=s3cret") as response:
        overview = await response.text()
        assert response.status == 200 and "&lt;b&gt;Group&lt;/b&gt;" in overview and "<b>Group</b>" not in overview
    async with client.get(url + "/groups/-100", headers={"Authorization": "Bearer s3cret"}) as response:
        page = await response.text()
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img" not in page
    assert "&lt;script&gt;" in page and "<script>" not in page
    async with client.get(url + "/groups/not-a-number?token=s3cret") as response:
        assert response.status == 404
    await runner.cleanup()


@pytest.mark.parametrize("required", [False, True], ids=["open", "behind-token"])
async def test_metrics_behind_the_dashboard_token_when_asked(client, required):
    app = create_web_app(Health(), Metrics(), metrics_token="s3cret" if required else "")
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/metrics"
    try:
        async with client.get(url) as response:
            assert response.status == (401 if required else 200)
        async with client.get(url, headers={"Authorization": "Bearer wrong"}) as response:
            assert response.status == (401 if required else 200)
        async with client.get(url, headers={"Authorization": "Bearer s3cret"}) as response:
            assert response.status == 200 and "luka_" in await response.text()
    finally:
        await runner.cleanup()
