"""Reputation, trust, the sanction ladder and achievements: pure rules plus Redis repositories."""

from luka_bot.community.achievements import (
    DEFAULT_ACHIEVEMENTS,
    Achievement,
    AllOf,
    NoViolationFor,
    Threshold,
    grant_achievements,
    newly_earned,
    parse_catalogue,
)
from luka_bot.community.ladder import Sanction, next_sanction
from luka_bot.community.reputation import ReputationStore, ViolationOutcome
from luka_bot.community.sanctions import ActiveSanction, SanctionStore
from luka_bot.community.stats import MemberStats, Metric, ViolationRecord
from luka_bot.community.trust import member_context, recent_violations, trust_level

__all__ = [
    "DEFAULT_ACHIEVEMENTS",
    "Achievement",
    "ActiveSanction",
    "AllOf",
    "MemberStats",
    "Metric",
    "NoViolationFor",
    "ReputationStore",
    "Sanction",
    "SanctionStore",
    "Threshold",
    "ViolationOutcome",
    "ViolationRecord",
    "grant_achievements",
    "member_context",
    "newly_earned",
    "next_sanction",
    "parse_catalogue",
    "recent_violations",
    "trust_level",
]
