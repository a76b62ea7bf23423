from __future__ import annotations

import pytest

from luka_bot.community.stats import MemberStats, ViolationRecord
from luka_bot.community.trust import member_context, trust_level
from luka_bot.moderation.verdict import Category, TrustLevel
from luka_bot.policy.ladder_settings import DAY, LadderPolicy

NOW = 1_700_000_000.0
POLICY = LadderPolicy()


def member(messages: int, days: float, points: int = 0, violation_days_ago: tuple[float, ...] = ()) -> MemberStats:
    return MemberStats(
        chat_id=1,
        user_id=2,
        messages=messages,
        points=points,
        first_seen=NOW - days * DAY,
        violations=tuple(
            ViolationRecord(Category.SPAM, NOW - ago * DAY, f"v{i}") for i, ago in enumerate(violation_days_ago)
        ),
    )


@pytest.mark.parametrize(
    ("stats", "level"),
    [
        (MemberStats(chat_id=1, user_id=2), TrustLevel.NEWCOMER),
        (member(1, 0), TrustLevel.NEWCOMER),
        (member(4, 100), TrustLevel.NEWCOMER),
        (member(5, 0), TrustLevel.MEMBER),
        (member(500, 13), TrustLevel.MEMBER),
        (member(50, 14), TrustLevel.TRUSTED),
        (member(500, 90, violation_days_ago=(3,)), TrustLevel.MEMBER),
        (member(500, 90, violation_days_ago=(8,)), TrustLevel.TRUSTED),
    ],
    ids=[
        "never-seen",
        "first-message",
        "few-messages-long-ago",
        "enough-messages",
        "active-but-too-new",
        "active-and-old-enough",
        "recent-violation-costs-trust",
        "violation-outside-window",
    ],
)
def test_trust_level(stats, level):
    assert trust_level(stats, NOW, POLICY) is level


def test_trusted_can_require_points():
    policy = LadderPolicy.model_validate({"trust": {"trusted_min_points": 10}})
    assert trust_level(member(50, 14, points=9), NOW, policy) is TrustLevel.MEMBER
    assert trust_level(member(50, 14, points=10), NOW, policy) is TrustLevel.TRUSTED


def test_member_context_for_the_cascade():
    context = member_context(member(1, 0, points=-25, violation_days_ago=(1, 2, 40)), NOW, POLICY, is_admin=False)
    assert context.trust is TrustLevel.NEWCOMER
    # Violations that have not decayed are messages that did not pass: none of its messages counts.
    assert context.is_first_message and context.messages_in_group == 0
    assert context.points == -25 and context.recent_violations == 2


def test_admins_are_trusted():
    context = member_context(member(1, 0), NOW, POLICY, is_admin=True)
    assert context.is_admin and context.trust is TrustLevel.TRUSTED
