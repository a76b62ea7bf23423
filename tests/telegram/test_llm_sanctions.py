"""A judge's `ban` or `mute` is advice: the group's ladder decides what the member gets."""

from __future__ import annotations

import pytest

from luka_bot.community.ladder import Sanction, effective_sanction, next_sanction
from luka_bot.moderation.verdict import Action, Category, Tier, Verdict
from luka_bot.policy.ladder import LadderPolicy, SanctionKind

DEFAULT = LadderPolicy()  # warn, then mute 1 h, then ban 24 h


@pytest.mark.parametrize("tier", [Tier.LLM, Tier.CACHE])
@pytest.mark.parametrize("action", [Action.BAN, Action.MUTE])
def test_a_first_time_poster_gets_the_ladders_first_step_not_the_llms_ban(tier: Tier, action: Action) -> None:
    verdict = Verdict(action, Category.SPAM, 0.99, "spam", tier)
    first = next_sanction(1, DEFAULT)
    assert effective_sanction(first, verdict) == first
    assert first is not None and first.kind is SanctionKind.WARN


def test_the_ladder_still_escalates_repeat_offenders() -> None:
    verdict = Verdict(Action.DELETE, Category.SPAM, 0.99, "spam", Tier.LLM)
    third = next_sanction(3, DEFAULT)
    assert effective_sanction(third, verdict) == third
    assert third is not None and third.kind is SanctionKind.BAN


def test_with_the_ladder_off_an_llm_ban_sanctions_nobody() -> None:
    verdict = Verdict(Action.BAN, Category.SCAM, 0.99, "scam", Tier.LLM)
    assert effective_sanction(next_sanction(1, LadderPolicy(enabled=False)), verdict) is None


def test_a_trusted_tier_asking_for_a_ban_still_gets_one() -> None:
    # Not produced by any tier today; kept so an admin-side ban verdict keeps its meaning.
    verdict = Verdict(Action.BAN, Category.SPAM, 1.0, "marked by an admin", Tier.ADMIN)
    sanction = effective_sanction(Sanction(SanctionKind.WARN, None, 1, 1), verdict)
    assert sanction is not None and sanction.kind is SanctionKind.BAN
