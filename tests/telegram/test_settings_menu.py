"""The settings menu's buttons: a closed set of options, each an explicit change."""

import pytest

from luka_bot.policy.group import GroupSettings, JudgeMode, Language
from luka_bot.telegram.routers.settings import SettingsAction, SettingsCallback, changed, menu


@pytest.mark.parametrize(
    "data",
    ["gs:__class__", "gs:model_config", "gs:rules_text", "gs:", "gs:moderation:extra", "xx:moderation"],
    ids=["dunder", "pydantic-internals", "field-name", "empty", "extra-part", "other-prefix"],
)
def test_button_data_outside_the_whitelist_is_refused(data):
    with pytest.raises((ValueError, TypeError)):
        SettingsCallback.unpack(data)


@pytest.mark.parametrize(
    ("action", "field", "before", "after"),
    [
        (SettingsAction.MODERATION, "moderation_enabled", True, False),
        (SettingsAction.DRY_RUN, "dry_run", False, True),
        (SettingsAction.MODERATE_ADMINS, "moderate_admins", False, True),
        (SettingsAction.ASSISTANT, "assistant_enabled", True, False),
        (SettingsAction.JUDGE, "llm_judge", JudgeMode.UNCERTAIN, JudgeMode.ALL),
        (SettingsAction.LANGUAGE, "language", Language.EN, Language.RU),
    ],
    ids=lambda v: getattr(v, "value", str(v)),
)
def test_each_button_changes_exactly_its_setting(action, field, before, after):
    settings = GroupSettings()
    assert getattr(settings, field) == before
    new = changed(settings, action)
    assert getattr(new, field) == after
    assert new.model_dump(exclude={field}) == settings.model_dump(exclude={field})


def test_judge_mode_cycles_through_all_three():
    settings = GroupSettings()
    seen = []
    for _ in range(3):
        settings = changed(settings, SettingsAction.JUDGE)
        seen.append(settings.llm_judge)
    assert seen == [JudgeMode.ALL, JudgeMode.OFF, JudgeMode.UNCERTAIN]


def test_menu_shows_state_in_the_groups_language():
    ru = menu(GroupSettings(language=Language.RU, moderation_enabled=False))
    texts = [b.text for row in ru.inline_keyboard for b in row]
    assert texts[0] == "🛡️❌ Модерация"
    assert all(b.callback_data.startswith("gs:") for row in ru.inline_keyboard for b in row)
