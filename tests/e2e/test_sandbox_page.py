"""The sandbox chat page, driven in headless Chromium (Debian's package) with Playwright.

Skipped with a reason where no Chromium is installed; CI installs it and sets
LUKA_REQUIRE_BROWSER=1, which turns a missing browser into a failure.
"""

from __future__ import annotations

import pytest

from .harness import BOT_USERNAME

pytestmark = pytest.mark.browser

SPAM = "💰💰 EARN $500 DAILY 💰💰 join https://t.me/+AbCdEfGh123 now!!! write me in DM"


@pytest.fixture
async def page(stack, chromium):
    context = await chromium.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(f"{stack.control.tg_url}/?bot={BOT_USERNAME}")
    yield page
    assert errors == [], f"JavaScript errors on the page: {errors}"


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


async def _post_as(page, user_id: int) -> None:
    """Picks the member to post as, once the page knows them (members are polled from the group)."""
    await page.locator(f"#member-select option[value='{user_id}']").wait_for(state="attached", timeout=10_000)
    await page.select_option("#member-select", str(user_id))


async def test_callback_answers_show_as_an_alert_or_a_toast(page, stack, tmp_path):
    await _post_as(page, 1000)  # Olga, the group's admin
    await send(page, "/settings")
    dry_run = page.locator("#messages button.inline-btn", has_text="Dry run")
    await dry_run.first.wait_for(timeout=15_000)

    await _post_as(page, 1001)  # Alice may not change settings: the bot answers with an alert
    await dry_run.first.click()
    dialog = page.locator("#alert-dialog")
    await dialog.wait_for(state="visible", timeout=10_000)
    assert "Only the group's admins" in await page.locator("#alert-text").inner_text()
    await page.screenshot(path=str(tmp_path / "sandbox-alert.png"))
    await page.click("#alert-ok")
    await dialog.wait_for(state="hidden", timeout=5_000)

    await _post_as(page, 1000)  # the admin's press is answered with a toast
    await dry_run.first.click()
    toast = page.locator("#toast")
    await toast.wait_for(state="visible", timeout=10_000)
    assert await toast.inner_text() == "Saved."
    assert not await dialog.is_visible()


async def test_typing_shows_while_the_bot_thinks(page, stack):
    await stack.control.llm_config(first_token_delay=3.0)
    await page.select_option("#member-select", "1001")
    await page.click("#mention-bot")
    await page.type("#composer", " think slowly please")
    await page.click("#send")
    typing = page.locator("#typing")
    await typing.wait_for(state="visible", timeout=10_000)
    assert "is typing" in await typing.inner_text()
    await page.locator("#messages .msg.bot .text", has_text="[emulated LLM]").first.wait_for(timeout=20_000)
    await typing.wait_for(state="hidden", timeout=10_000)  # the answer arrived: typing ends


async def test_an_admin_can_be_demoted_and_make_admin_is_not_offered_to_admins(page, stack):
    await _post_as(page, 1000)  # Olga is an admin
    status = page.locator("#member-status")
    await page.wait_for_function(
        "document.getElementById('member-status').dataset.status === 'administrator'", timeout=10_000
    )
    assert await page.locator("#make-admin").is_hidden()
    await page.click("#demote-admin")
    await page.wait_for_function("document.getElementById('member-status').dataset.status === 'member'", timeout=10_000)
    assert await status.inner_text() == "member"
    assert await page.locator("#make-admin").is_visible() and await page.locator("#demote-admin").is_hidden()
    members = await stack.control.member(-1001000000001, 1000)
    assert members["status"] == "member"


async def test_the_members_language_reaches_the_bot(page, stack):
    await page.select_option("#member-select", "1002")  # Bob
    await page.select_option("#member-lang", "ru")
    await page.click("#start-dm")
    greeting = page.locator("#dm-list .dm-msg", has_text="ассистент и модератор")
    await greeting.first.wait_for(timeout=15_000)
    assert "/report" in await greeting.first.inner_text()
