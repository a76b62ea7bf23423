"""How far the moderation cascade trusts a member: from reputation and tenure, pure functions.

Trusted members skip the LLM judge unless a rule fires; newcomers are judged strictly. A recent
violation always costs trust, whatever the member's history.
"""

from __future__ import annotations

from luka_bot.community.stats import MemberStats
from luka_bot.moderation.verdict import MemberContext, TrustLevel
from luka_bot.policy.ladder import DAY, LadderPolicy


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


def member_context(stats: MemberStats, now: float, policy: LadderPolicy, is_admin: bool) -> MemberContext:
    """What the pipeline needs to know about the author. `stats` include the message being judged."""
    return MemberContext(
        trust=TrustLevel.TRUSTED if is_admin else trust_level(stats, now, policy),
        is_first_message=stats.messages <= 1,
        messages_in_group=stats.messages,
        points=stats.points,
        recent_violations=recent_violations(stats, now, policy),
        is_admin=is_admin,
    )
