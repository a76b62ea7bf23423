"""How far the moderation cascade trusts a member: from reputation and tenure, pure functions.

Trusted members skip the LLM judge unless a rule fires; newcomers are judged strictly. A recent
violation always costs trust, whatever the member's history.
"""

from __future__ import annotations

from luka_bot.community.stats import MemberStats
from luka_bot.moderation.verdict import MemberContext, TrustLevel
from luka_bot.policy.ladder_settings import DAY, LadderPolicy


def trust_level(stats: MemberStats, now: float, policy: LadderPolicy) -> TrustLevel:
    rules = policy.trust
    tenure_days = stats.tenure_s(now) / DAY
    if stats.messages < rules.member_min_messages or tenure_days < rules.member_min_days:
        return TrustLevel.NEWCOMER
    if (
        stats.messages >= rules.trusted_min_messages
        and tenure_days >= rules.trusted_min_days
        and stats.points >= rules.trusted_min_points
        and recent_violations(stats, now, policy) == 0
    ):
        return TrustLevel.TRUSTED
    return TrustLevel.MEMBER


def recent_violations(stats: MemberStats, now: float, policy: LadderPolicy) -> int:
    """Violations inside the ladder window that have not decayed."""
    since = now - min(policy.window_s, policy.decay_s)
    return stats.violations_since(since)


def passed_messages(stats: MemberStats, now: float, policy: LadderPolicy) -> int:
    """Messages that were not violations: trust comes from behaviour, never from time in the group.

    A member who joined long ago and stayed silent, or whose first messages were removed, is still
    a newcomer for links, media and forwards until their first messages pass.
    """
    return max(0, stats.messages - stats.violations_since(now - policy.decay_s))


def member_context(stats: MemberStats, now: float, policy: LadderPolicy, is_admin: bool) -> MemberContext:
    """What the pipeline needs to know about the author. `stats` include the message being judged."""
    passed = passed_messages(stats, now, policy)
    return MemberContext(
        trust=TrustLevel.TRUSTED if is_admin else trust_level(stats, now, policy),
        is_first_message=passed <= 1,
        messages_in_group=passed,
        points=stats.points,
        recent_violations=recent_violations(stats, now, policy),
        is_admin=is_admin,
    )
