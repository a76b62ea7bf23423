"""What every rule check takes and returns."""

from __future__ import annotations

from dataclasses import dataclass

from luka_bot.moderation.normalize import NormalizedText
from luka_bot.moderation.verdict import Category, ModerationRequest
from luka_bot.policy.rules import RulesPolicy


@dataclass(frozen=True, slots=True)
class RuleInput:
    request: ModerationRequest
    text: NormalizedText
    policy: RulesPolicy
    is_newcomer: bool  # within the member's first messages: checks are stricter


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A check that fired. A certain hit decides alone; a suspicious one only moves the score.

    `weight` is in log-odds: the cascade adds the weights of suspicious hits to the classifier's
    calibrated log-odds, so two weak signals together can tip a borderline message.
    """

    check: str  # "rule.stop_words"
    category: Category
    detail: str
    certain: bool
    weight: float = 0.0

    @classmethod
    def certain_hit(cls, check: str, category: Category, detail: str) -> RuleHit:
        return cls(check, category, detail, certain=True)

    @classmethod
    def suspicion(cls, check: str, detail: str, weight: float, category: Category = Category.SPAM) -> RuleHit:
        return cls(check, category, detail, certain=False, weight=weight)


def stricter(limit: int, is_newcomer: bool) -> int:
    """A newcomer's limit is half the group's (at least 1); 0 keeps the check off."""
    if limit <= 0 or not is_newcomer:
        return limit
    return max(1, (limit + 1) // 2)
