"""Content locks in the admin console: shown per type, set and lifted through the settings form."""

from __future__ import annotations

import pytest

from luka_bot.moderation.locks import LockScope
from luka_bot.policy.group import GroupSettings
from luka_bot.web.console import settings_from_form

from .harness import GROUP
from .test_console_e2e import base, signed_in

FORM = {
    "moderation_enabled": "on",
    "llm_judge": "uncertain",
    "language": "en",
    "rules_text": "",
    "llm_daily_budget": "10",
}


async def test_an_admin_locks_and_unlocks_through_the_console(stack):
    session, csrf = await signed_in(stack)
    async with session:
        async with session.get(f"{base(stack)}/g/{GROUP}") as response:
            page = await response.text()
        assert 'id="lock-sticker"' in page and 'id="lock-zalgo"' in page
        form = {**FORM, "csrf": csrf, "lock.sticker": "newcomers", "lock.url": "all"}
        async with session.post(f"{base(stack)}/g/{GROUP}/settings", data=form) as response:
            assert response.status == 200
        stack.app.group_settings.forget(GROUP)
        locks = (await stack.app.group_settings.get(GROUP)).locks
        assert locks == {"sticker": LockScope.NEWCOMERS, "url": LockScope.ALL}
        async with session.post(
            f"{base(stack)}/g/{GROUP}/settings", data={**FORM, "csrf": csrf, "lock.sticker": "off", "lock.url": "all"}
        ) as response:
            assert response.status == 200
        stack.app.group_settings.forget(GROUP)
        assert (await stack.app.group_settings.get(GROUP)).locks == {"url": LockScope.ALL}


def test_a_form_without_lock_fields_keeps_the_locks_and_a_forged_choice_is_refused():
    current = GroupSettings(locks={"gif": LockScope.ALL})
    assert settings_from_form(current, FORM).locks == {"gif": LockScope.ALL}
    with pytest.raises(ValueError, match="unknown choice"):
        settings_from_form(current, {**FORM, "lock.gif": "__class__"})
