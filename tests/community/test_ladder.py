from __future__ import annotations

import pytest
from pydantic import ValidationError

from luka_bot.community.ladder import next_sanction
from luka_bot.moderation.verdict import Category
from luka_bot.policy.group import GroupSettings
from luka_bot.policy.ladder_settings import DAY, HOUR, LadderPolicy, LadderStep, SanctionKind

WARN, MUTE, BAN = SanctionKind.WARN, SanctionKind.MUTE, SanctionKind.BAN


@pytest.mark.parametrize(
    ("count", "kind", "duration"),
    [(1, WARN, None), (2, MUTE, HOUR), (3, BAN, DAY), (4, BAN, DAY), (50, BAN, DAY)],
    ids=["1st-warn", "2nd-mute-1h", "3rd-ban-24h", "4th-repeats-last", "50th-repeats-last"],
)
def test_default_ladder(count, kind, duration):
    sanction = next_sanction(count, LadderPolicy())
    assert (sanction.kind, sanction.duration_s) == (kind, duration)
    assert sanction.count_in_window == count


def test_permanent_step_after_the_ban():
    policy = LadderPolicy(
        steps=[
            LadderStep(kind=WARN),
            LadderStep(kind=MUTE, duration_s=HOUR),
            LadderStep(kind=BAN, duration_s=DAY),
            LadderStep(kind=BAN),
        ]
    )
    fourth = next_sanction(4, policy)
    assert fourth.kind is BAN and fourth.is_permanent and fourth.until(1000.0) is None
    assert next_sanction(3, policy).until(1000.0) == 1000.0 + DAY


def test_disabled_ladder_sanctions_nothing():
    assert next_sanction(3, LadderPolicy(enabled=False)) is None


def test_steps_and_durations_come_from_group_settings_json():
    settings = GroupSettings.model_validate_json(
        '{"ladder": {"steps": [{"kind": "mute", "duration_s": 600}, {"kind": "ban", "duration_s": null}]}}'
    )
    assert next_sanction(1, settings.ladder).duration_s == 600
    assert next_sanction(2, settings.ladder).is_permanent


@pytest.mark.parametrize(
    "ladder",
    [
        {"ban_treshold": 3},
        {"steps": []},
        {"steps": [{"kind": "warn", "duration_s": 60}]},
        {"steps": [{"kind": "ban", "duration_s": 5}]},
        {"steps": [{"kind": "ban", "duration_s": 400 * DAY}]},
        {"steps": [{"kind": "kick"}]},
        {"penalties": {"none": 5}},
        {"penalties": {"spam": -5}},
        {"window_days": 0},
        {"rewards": {"quality_threshold": 11}},
    ],
    ids=[
        "misspelled-threshold",
        "no-steps",
        "warn-with-duration",
        "ban-shorter-than-telegram-allows",
        "ban-longer-than-telegram-allows",
        "unknown-kind",
        "penalty-for-no-violation",
        "negative-penalty",
        "empty-window",
        "quality-threshold-out-of-range",
    ],
)
def test_bad_ladder_config_is_refused_when_saved_not_when_used(ladder):
    with pytest.raises(ValidationError):
        GroupSettings.model_validate({"ladder": ladder})


def test_penalty_of_an_unlisted_category_is_zero():
    policy = LadderPolicy(penalties={Category.SPAM: 30})
    assert policy.penalty(Category.SPAM) == 30
    assert policy.penalty(Category.OFF_TOPIC) == 0
