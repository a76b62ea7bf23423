"""The admin console, driven in headless Chromium (Debian's package) with Playwright, against the
whole stack: the admin asks the bot for /console in private, follows the one-time link, edits a
setting, tries a message in the policy playground, runs a backtest; and the refusals: a reused or
expired link, a form without its CSRF token, another group's id, an admin demoted meanwhile.

Skipped with a reason where no Chromium is installed; CI sets LUKA_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from luka_bot.store.keys import Keys

from .harness import ALICE, BOB, GROUP, OWNER, wait_for

pytestmark = pytest.mark.browser

OTHER_GROUP = -1001000000999
SPAM = "💰💰 EARN $500 DAILY 💰💰 join https://t.me/+AbCdEfGh123 now!!! write me in DM"
LINK = re.compile(r"http://\S+/console/login\?t=[A-Za-z0-9_-]+")


@pytest.fixture
async def browser_context(chromium):
    return await chromium.new_context(viewport={"width": 1280, "height": 900})


async def console_link(c, user: dict) -> str:
    """What an admin does: /console to the bot in private; the link from its answer."""

    async def from_bot() -> list[dict]:
        return await c.private_messages(user["id"])

    before = len(await from_bot())
    await c.post("/console", user=user, chat_id=user["id"])

    async def answered():
        found = (await from_bot())[before:]
        return found[-1]["text"] if found else None

    text = await wait_for(answered, timeout=15)
    match = LINK.search(text)
    assert match, text
    return match.group(0)


async def audited(stack, count: int, chat_id: int = GROUP) -> None:
    keys = Keys(prefix=stack.app.settings.redis_key_prefix)

    async def enough():
        return await stack.app.redis.client.llen(keys.audit(chat_id)) >= count

    await wait_for(enough, timeout=20)


async def test_an_admin_signs_in_edits_tries_and_backtests(stack, browser_context, tmp_path):
    c = stack.control
    # Some history to backtest: the spam is removed, the greetings stay.
    await c.post("hello everyone, how is the weather?", user=ALICE)
    await c.post("hello from Bob, the meetup is on Friday", user=BOB)
    await c.post(SPAM, user=BOB)
    await audited(stack, 3)
    # A group the bot is in where OWNER is no admin: outside their console.
    await c.post("another group", user=ALICE, chat_id=OTHER_GROUP)

    link = await console_link(c, OWNER)
    page = await browser_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(link)
    assert page.url.endswith("/console")
    groups = page.locator("#groups a")
    assert await groups.count() == 1  # only the group where Telegram says OWNER is an admin
    cookie = next(x for x in await browser_context.cookies() if x["name"] == "luka_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    # The link works once.
    again = await page.context.new_page()
    response = await again.goto(link)
    assert response.status == 403 and "already used" in await again.inner_text("#message")
    await again.close()

    # Edit a setting: dry run on, and the rules.
    await groups.first.click()
    await page.check("#f-dry_run")
    await page.fill("#f-rules_text", "Be kind. <b>No ads</b>.")
    await page.click("#save-settings")
    await page.locator("#notice").wait_for()
    settings = await stack.app.group_settings.get(GROUP)
    assert settings.dry_run and settings.rules_text == "Be kind. <b>No ads</b>."
    assert await page.input_value("#f-rules_text") == "Be kind. <b>No ads</b>."  # shown as text, not markup

    # A policy value out of range is refused with the same reason the command gives.
    await page.fill("#p-path", "floods.max_emojis")
    await page.fill("#p-value", "-5")
    await page.click("#save-policy")
    assert "floods.max_emojis" in await page.inner_text("#error")

    # The playground: each tier's verdict.
    await page.click("#tab-playground")
    await page.fill("#pg-text", SPAM)
    await page.click("#pg-check")
    await page.locator("#pg-result").wait_for()
    assert await page.inner_text("#pg-band") == "spam"  # as the worker decided it, without the LLM
    assert await page.inner_text("#pg-verdict") == "delete"
    assert float((await page.inner_text("#pg-p")).rsplit(" ", 1)[1]) > 0.9  # the classifier's probability
    await page.fill("#pg-text", "what time is the meetup on Friday?")
    await page.click("#pg-check")
    await page.locator("#pg-result").wait_for()
    assert await page.inner_text("#pg-verdict") == "allow"
    assert float((await page.inner_text("#pg-p")).rsplit(" ", 1)[1]) < 0.5
    await page.screenshot(path=str(tmp_path / "console-playground.png"), full_page=True)

    # Backtest: "hello" as a stop word would remove both greetings; nothing is saved yet.
    await page.click("#tab-backtest")
    await page.select_option("select[name=op]", "add")
    await page.fill("#bt-path", "stop_words")
    await page.fill("#bt-value", "hello")
    await page.click("#bt-run")
    await page.locator("#bt-result").wait_for()
    rows = page.locator("#bt-rows tr")
    assert await rows.count() == 3  # a header and the two greetings
    assert "hello everyone" in await page.inner_text("#bt-rows")
    assert "hello" not in (await stack.app.group_settings.get(GROUP)).rules.stop_words
    shot = tmp_path / "console.png"
    await page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("LUKA_SCREENSHOTS"):  # how docs/console.png is made
        shutil.copy(shot, Path(os.environ["LUKA_SCREENSHOTS"]) / "console.png")
    await page.click("#bt-save button")
    await page.locator("#notice").wait_for()
    assert "hello" in (await stack.app.group_settings.get(GROUP)).rules.stop_words

    # Russian labels on the toggle.
    await page.click("#lang-toggle")
    assert "Настройки" in await page.inner_text("nav.tabs")
    assert errors == []


async def test_forged_forms_other_groups_and_dead_links_are_refused(stack, browser_context):
    c = stack.control
    await c.post("another group", user=ALICE, chat_id=OTHER_GROUP)
    await audited(stack, 1, OTHER_GROUP)  # the bot knows the group
    link = await console_link(c, OWNER)
    page = await browser_context.new_page()
    await page.goto(f"{link}")
    csrf = await page.locator("input[name=csrf]").first.get_attribute("value")
    assert csrf

    # Another group's id in the address: 403, reading and writing.
    base = f"http://127.0.0.1:{stack.app.web_port}/console/g"
    response = await page.goto(f"{base}/{OTHER_GROUP}")
    assert response.status == 403
    forged = await page.request.post(
        f"{base}/{OTHER_GROUP}/settings",
        form={
            "csrf": csrf,
            "moderation_enabled": "",
            "llm_judge": "off",
            "language": "en",
            "rules_text": "",
            "llm_daily_budget": "0",
        },
    )  # a valid session and token, the wrong group
    assert forged.status == 403
    assert (await stack.app.group_settings.get(OTHER_GROUP)).moderation_enabled

    # The form without (or with a wrong) CSRF token: refused, nothing saved.
    await page.goto(f"{base}/{GROUP}")
    await page.evaluate("document.querySelector('#settings-form input[name=csrf]').value = 'forged'")
    await page.uncheck("#f-moderation_enabled")
    await page.click("#save-settings")
    assert "expired" in await page.inner_text("#message")
    assert (await stack.app.group_settings.get(GROUP)).moderation_enabled

    # Demoted in Telegram: the pages and the changes are refused from then on.
    await c.request("POST", f"{c.tg_url}/_emulator/chats/{GROUP}/members/{OWNER['id']}", {"status": "member"})
    change = {
        "csrf": csrf,
        "moderation_enabled": "",
        "llm_judge": "off",
        "language": "en",
        "rules_text": "",
        "llm_daily_budget": "0",
    }
    refused = await page.request.post(f"{base}/{GROUP}/settings", form=change)
    assert refused.status == 403 and "not an admin" in await refused.text()
    assert (await stack.app.group_settings.get(GROUP)).moderation_enabled

    async def page_refused():
        return (await page.goto(f"{base}/{GROUP}")).status == 403

    await wait_for(page_refused, timeout=10)  # the chat_member update dropped the admin cache

    # Even where the cache still says "admin" (an update missed), a change asks Telegram afresh.
    keys = Keys(prefix=stack.app.settings.redis_key_prefix)
    await stack.app.redis.client.sadd(keys.admins(GROUP), "-", str(OWNER["id"]))
    assert (await page.goto(f"{base}/{GROUP}")).status == 200  # reading trusts the cache for a while
    refused = await page.request.post(f"{base}/{GROUP}/settings", form=change)
    assert refused.status == 403
    assert (await stack.app.group_settings.get(GROUP)).moderation_enabled

    # An expired link: refused.
    await c.request("POST", f"{c.tg_url}/_emulator/chats/{GROUP}/admins", {"user_id": OWNER["id"]})
    await stack.app.redis.client.delete(keys.admins(GROUP))
    stale = await console_link(c, OWNER)
    token = stale.rsplit("=", 1)[1]
    await stack.app.redis.client.pexpire(keys.console_link(token), 1)

    async def gone():
        return not await stack.app.redis.client.exists(keys.console_link(token))

    await wait_for(gone, timeout=5)
    fresh = await browser_context.new_page()
    response = await fresh.goto(stale)
    assert response.status == 403 and "expired" in await fresh.inner_text("#message")
