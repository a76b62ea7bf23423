"""The sandbox chat page, driven in headless Chromium (Debian's package) with Playwright.

Skipped with a reason where no Chromium is installed; CI installs it and sets
LUKA_REQUIRE_BROWSER=1, which turns a missing browser into a failure.
"""

from __future__ import annotations

import os
import shutil

import pytest

from .harness import BOT_USERNAME

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SPAM = "💰💰 EARN $500 DAILY 💰💰 join https://t.me/+AbCdEfGh123 now!!! write me in DM"


@pytest.fixture
async def page(stack):
    if CHROMIUM is None:
        if os.environ.get("LUKA_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required here (LUKA_REQUIRE_BROWSER=1) but not installed")
        pytest.skip("no Chromium installed (apt-get install chromium) for the browser test")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"])
        context = await browser.new_context(viewport={"width": 1280, "height": 800})
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        await page.goto(f"{stack.control.tg_url}/?bot={BOT_USERNAME}")
        yield page
        assert errors == [], f"JavaScript errors on the page: {errors}"
        await browser.close()


async def send(page, text: str) -> None:
    await page.fill("#composer", text)
    await page.click("#send")


async def test_a_person_mentions_the_bot_and_sees_the_emulated_reply_stream_in(page, stack):
    await page.select_option("#member-select", "1001")  # Alice
    await page.click("#mention-bot")
    await page.type("#composer", " what can you do?")
    await page.click("#send")
    reply = page.locator("#messages .msg.bot .text", has_text="[emulated LLM]")
    await reply.first.wait_for(timeout=15_000)
    assert "what can you do?" in await reply.first.inner_text()
    question = page.locator("#messages .msg:not(.bot)", has_text="what can you do?")
    await question.first.locator(".reply-btn").click()
    assert await page.locator("#reply-banner").is_visible()


async def test_a_deleted_message_stays_visible_and_marked(page, stack, tmp_path):
    await page.select_option("#member-select", "1003")  # Spammer
    await send(page, SPAM)
    deleted = page.locator("#messages .msg.deleted", has_text="EARN $500")
    await deleted.first.wait_for(timeout=15_000)
    assert await deleted.first.locator(".deleted-label").is_visible()
    await page.screenshot(path=str(tmp_path / "sandbox-page.png"))  # kept with the test's tmp files
