"""Fixtures of the end-to-end suite; the harness itself is in harness.py."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from luka_bot.sandbox.llm_emulator import start_llm_emulator
from luka_bot.sandbox.telegram_emulator import start_emulator

from .harness import BOT_USERNAME, GROUP, OWNER, Control, Stack, start_bot


@pytest.fixture
async def stack(embedded_redis_url: str, request: pytest.FixtureRequest) -> AsyncIterator[Stack]:
    overrides = getattr(request, "param", {}) or {}
    _, tg_runner, tg_port = await start_emulator("127.0.0.1", 0, BOT_USERNAME)
    _, llm_runner, llm_port = await start_llm_emulator("127.0.0.1", 0)
    tg_url, llm_url = f"http://127.0.0.1:{tg_port}", f"http://127.0.0.1:{llm_port}"
    session = aiohttp.ClientSession()
    app, task = await start_bot(embedded_redis_url, tg_url, llm_url, **overrides)
    control = Control(session, tg_url, llm_url)
    # OWNER opens the group and is made its admin (as an admin would be in Telegram); the tests'
    # other members are plain members.
    await control.post("Welcome to the test group!", user=OWNER, chat_id=GROUP)
    await control.make_admin(GROUP, OWNER["id"])
    try:
        yield Stack(control, app, overrides)
    finally:
        app.request_stop()
        await asyncio.wait_for(task, timeout=20)
        await session.close()
        await llm_runner.cleanup()
        await tg_runner.cleanup()


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
async def chromium() -> AsyncIterator[Any]:
    """Headless Chromium (Debian's package) under Playwright, for the page tests (`browser`
    marker). Skipped with a reason where none is installed; CI sets LUKA_REQUIRE_BROWSER=1."""
    if CHROMIUM is None:
        if os.environ.get("LUKA_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required here (LUKA_REQUIRE_BROWSER=1) but not installed")
        pytest.skip("no Chromium installed (apt-get install chromium) for the browser test")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield browser
        await browser.close()
