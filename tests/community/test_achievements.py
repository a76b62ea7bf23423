from __future__ import annotations

import pytest
from pydantic import ValidationError

from luka_bot.community.achievements import (
    DEFAULT_ACHIEVEMENTS,
    AllOf,
    NoViolationFor,
    Threshold,
    grant_achievements,
    newly_earned,
    parse_catalogue,
)
from luka_bot.community.stats import MemberStats, Metric
from luka_bot.policy.ladder_settings import DAY, LadderPolicy

NOW = 1_700_000_000.0


def stats(**fields) -> MemberStats:
    return MemberStats(chat_id=1, user_id=2, **fields)


@pytest.mark.parametrize(
    ("condition", "member", "met"),
    [
        (Threshold(metric=Metric.HELPFUL, at=10), stats(helpful=9), False),
        (Threshold(metric=Metric.HELPFUL, at=10), stats(helpful=10), True),
        (Threshold(metric=Metric.MESSAGES, at=100), stats(messages=100), True),
        (Threshold(metric=Metric.QUALITY_ANSWERS, at=50), stats(quality_answers=49, helpful=80), False),
        (Threshold(metric=Metric.POINTS, at=100), stats(points=100), True),
        (NoViolationFor(days=30), stats(), False),
        (NoViolationFor(days=30), stats(first_seen=NOW - 29 * DAY), False),
        (NoViolationFor(days=30), stats(first_seen=NOW - 30 * DAY), True),
        (NoViolationFor(days=30), stats(first_seen=NOW - 90 * DAY, last_violation_at=NOW - 10 * DAY), False),
        (NoViolationFor(days=30), stats(first_seen=NOW - 90 * DAY, last_violation_at=NOW - 31 * DAY), True),
        (
            AllOf(conditions=(Threshold(metric=Metric.HELPFUL, at=1), NoViolationFor(days=1))),
            stats(helpful=1, first_seen=NOW - 2 * DAY, last_violation_at=NOW - 3600),
            False,
        ),
    ],
    ids=[
        "helpful-9-of-10",
        "helpful-10-of-10",
        "100-messages",
        "quality-49-of-50",
        "points",
        "clean-never-seen",
        "clean-too-new",
        "clean-30-days",
        "violation-10-days-ago",
        "violation-31-days-ago",
        "all-of-needs-every-part",
    ],
)
def test_conditions(condition, member, met):
    assert condition.is_met(member, NOW) is met


def test_default_catalogue_ships_the_promised_achievements():
    by_id = {a.id: a for a in DEFAULT_ACHIEVEMENTS}
    assert by_id["helpful_contributor"].emoji == "🌟"
    assert by_id["helpful_contributor"].condition == Threshold(metric=Metric.HELPFUL, at=10)
    assert by_id["quality_expert"].emoji == "💎"
    assert {"first_helpful", "hundred_messages", "clean_month"} <= by_id.keys()
    assert all(a.names.get("en") and a.names.get("ru") for a in DEFAULT_ACHIEVEMENTS)


def test_newly_earned_skips_what_the_member_holds():
    member = stats(helpful=10, messages=3, first_seen=NOW - DAY)
    assert [a.id for a in newly_earned(member, set(), NOW)] == ["first_helpful", "helpful_contributor"]
    assert [a.id for a in newly_earned(member, {"first_helpful"}, NOW)] == ["helpful_contributor"]


def test_catalogue_from_json_data():
    catalogue = parse_catalogue(
        [
            {
                "id": "veteran",
                "emoji": "🎖",
                "names": {"en": "Veteran", "ru": "Ветеран"},
                "condition": {
                    "kind": "all_of",
                    "conditions": [
                        {"kind": "threshold", "metric": "messages", "at": 1000},
                        {"kind": "no_violation_for", "days": 90},
                    ],
                },
            }
        ]
    )
    assert newly_earned(stats(messages=1000, first_seen=NOW - 91 * DAY), set(), NOW, catalogue) == list(catalogue)


@pytest.mark.parametrize(
    "condition",
    [
        {"kind": "expression", "code": "user.helpful >= 10"},
        {"kind": "threshold", "metric": "__class__", "at": 1},
        {"kind": "threshold", "metric": "helpful", "at": "stats.helpful"},
        {"kind": "threshold", "metric": "helpful", "at": 0},
        {"metric": "helpful", "at": 1},
    ],
    ids=["code-string", "attribute-name", "code-as-number", "zero-threshold", "no-kind"],
)
def test_catalogue_refuses_anything_but_typed_conditions(condition):
    with pytest.raises(ValidationError):
        parse_catalogue([{"id": "x", "emoji": "x", "names": {"en": "X"}, "condition": condition}])


def test_catalogue_refuses_duplicate_ids():
    item = {"id": "x", "emoji": "x", "names": {"en": "X"}, "condition": {"kind": "no_violation_for", "days": 1}}
    with pytest.raises(ValueError):
        parse_catalogue([item, item])


async def test_each_achievement_is_granted_once_with_its_points(reputation, clock):
    policy = LadderPolicy()
    granted = []
    for n in range(12):
        member = await reputation.record_helpful(1, 2, quality=None, policy=policy, event_id=str(n))
        granted.append([a.id for a in await grant_achievements(reputation, member, now=clock.now)])
    assert granted[0] == ["first_helpful"]
    assert granted[9] == ["helpful_contributor"]
    assert sum(len(g) for g in granted) == 2
    assert (await reputation.stats(1, 2)).points == 12 * 5 + 5 + 20
