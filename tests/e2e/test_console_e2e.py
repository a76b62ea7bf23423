"""The admin console over plain HTTP against the whole stack: cases restored and confirmed through
the bot, the operator's token, escaping of what members wrote, and the settings form's checks."""

from __future__ import annotations

import re

import aiohttp
import pytest

from luka_bot.policy.group import GroupSettings
from luka_bot.web.console import settings_from_form

from .harness import ALICE, BOB, GROUP, OWNER, wait_for
from .test_console_page import OTHER_GROUP, SPAM, audited, console_link

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def signed_in(stack, user: dict = OWNER) -> tuple[aiohttp.ClientSession, str]:
    session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    async with session.get(await console_link(stack.control, user)) as response:
        assert response.status == 200
        match = CSRF.search(await response.text())
    assert match
    return session, match.group(1)


def base(stack) -> str:
    return f"http://127.0.0.1:{stack.app.web_port}/console"


async def test_cases_are_restored_and_confirmed_through_the_bot(stack):
    c = stack.control
    first = await c.post(SPAM, user=BOB)
    second = await c.post(SPAM.replace("500", "900"), user=ALICE)
    await audited(stack, 2)
    session, csrf = await signed_in(stack)
    try:
        async with session.get(f"{base(stack)}/g/{GROUP}/cases") as response:
            page = await response.text()
        assert response.status == 200 and "EARN $500" in page and "EARN $900" in page
        restore = {"csrf": csrf, "message_id": str(first), "decision": "restore"}
        async with session.post(f"{base(stack)}/g/{GROUP}/cases", data=restore) as response:
            assert response.status == 200 and "Restored" in await response.text()

        async def reposted():
            return [m for m in await c.bot_messages() if "EARN $500" in m["text"] and m["from"]["is_bot"]]

        await wait_for(reposted, timeout=10)  # the bot put the message back, as the Restore button does
        assert (await stack.app.console.cases.get(GROUP, first)).status.value == "restored"
        async with session.post(f"{base(stack)}/g/{GROUP}/cases", data=restore) as response:
            assert response.status == 409  # decided once, whoever presses first
        confirm = {"csrf": csrf, "message_id": str(second), "decision": "confirm"}
        async with session.post(f"{base(stack)}/g/{GROUP}/cases", data=confirm) as response:
            assert response.status == 200
        assert (await stack.app.console.cases.get(GROUP, second)).status.value == "confirmed"
        # A message id is read under the group of the address: another group's case is not found.
        async with session.post(f"{base(stack)}/g/{GROUP}/cases", data={**confirm, "message_id": "999999"}) as response:
            assert response.status == 404
    finally:
        await session.close()


async def test_the_operator_sees_every_group_and_member_text_is_escaped(stack):
    c = stack.control
    await c.post(
        "<script>alert(1)</script> hi",
        user={"id": 3001, "first_name": "<img src=x onerror=alert(2)>"},
        chat_id=OTHER_GROUP,
    )
    await audited(stack, 1, OTHER_GROUP)
    async with aiohttp.ClientSession() as session, session.get(f"{base(stack)}?token=wrong") as response:
        assert response.status == 401
    stack.app.console.operator_token = "operator-secret"
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.get(f"{base(stack)}?token=operator-secret") as response:
            home = await response.text()
        assert str(GROUP) in home and str(OTHER_GROUP) in home
        async with session.get(f"{base(stack)}/g/{OTHER_GROUP}/audit") as response:
            page = await response.text()
        assert response.status == 200
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
        assert "&lt;img src=x" in page and "<img" not in page


async def test_without_a_session_nothing_is_shown(stack):
    async with aiohttp.ClientSession() as session:
        for path in ("", f"/g/{GROUP}", f"/g/{GROUP}/audit", f"/g/{GROUP}/playground"):
            async with session.get(base(stack) + path) as response:
                assert response.status == 401, path
        off = {"csrf": "x", "llm_judge": "off", "language": "en", "rules_text": "", "llm_daily_budget": "0"}
        async with session.post(f"{base(stack)}/g/{GROUP}/settings", data=off) as response:
            assert response.status == 401
    assert (await stack.app.group_settings.get(GROUP)).moderation_enabled


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"llm_daily_budget": "lots"}, "whole number"),
        ({"llm_daily_budget": "-1"}, "llm_daily_budget"),
        ({"llm_judge": "__class__"}, "unknown choice"),
        ({"rules_text": "x" * 4001}, "at most 4000"),
    ],
)
def test_the_settings_form_is_checked_field_by_field(change, reason):
    form = {
        "moderation_enabled": "on",
        "llm_judge": "uncertain",
        "language": "ru",
        "rules_text": "Be kind",
        "llm_daily_budget": "10",
        **change,
    }
    with pytest.raises(ValueError, match=reason):
        settings_from_form(GroupSettings(), form)


def test_the_settings_form_sets_exactly_its_fields():
    new = settings_from_form(
        GroupSettings(persona_prompt="pirate"),
        {
            "dry_run": "on",
            "llm_judge": "off",
            "language": "ru",
            "rules_text": " No ads \r\n",
            "llm_daily_budget": "7",
            "persona_prompt": "ignored: not a field of this form",
            "rules": "ignored",
        },
    )
    assert new.dry_run and not new.moderation_enabled and new.llm_judge.value == "off"
    assert new.language.value == "ru" and new.rules_text == "No ads" and new.llm_daily_budget == 7
    assert new.persona_prompt == "pirate"
