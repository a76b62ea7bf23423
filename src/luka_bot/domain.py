"""The value types every layer shares: categories, actions, tiers, trust, sanctions, verdicts.

A leaf: it imports nothing of the project, so `policy/`, `store/`, `community/`, `texts/` and
`moderation/` can all speak of a `Category` or a `Verdict` without importing one another (before,
`policy/ladder.py` imported `moderation.verdict`, and `store/` imported `moderation/`).
`tests/test_layering.py` keeps it a leaf.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Action(StrEnum):
    ALLOW = "allow"
    WARN = "warn"
    DELETE = "delete"
    MUTE = "mute"
    BAN = "ban"


class Category(StrEnum):
    NONE = "none"
    SPAM = "spam"
    SCAM = "scam"
    ABUSE = "abuse"  # insults and harassment aimed at a person
    THREAT = "threat"  # a person is told they will be hurt
    HATE = "hate"  # slurs and hate aimed at a group
    NSFW = "nsfw"
    FLOOD = "flood"
    OFF_TOPIC = "off_topic"
    OTHER = "other"
    LOCKED = "locked"  # a kind of content the group locked (/lock): moderation/locks.py


class Tier(StrEnum):
    """Which part of the cascade decided."""

    RULES = "rules"
    CLASSIFIER = "classifier"
    EMBEDDING = "embedding"
    LLM = "llm"
    CACHE = "cache"
    ADMIN = "admin"
    FALLBACK = "fallback"  # a tier failed (timeout, garbage) and no action was taken
    SKIPPED = "skipped"  # moderation off, admin exempt, nothing to judge


# Violations against people rather than the group's feed: the abuse tier's categories.
ABUSE_CATEGORIES = frozenset({Category.ABUSE, Category.THREAT, Category.HATE})

REMOVING_ACTIONS = frozenset({Action.DELETE, Action.MUTE, Action.BAN})

# A ban for these is shared with the groups linked to this one (/linkgroup): a spammer is one
# everywhere, while an insult is the business of the group it was said in.
SHARED_BAN_CATEGORIES = frozenset({Category.SPAM, Category.SCAM})


class TrustLevel(StrEnum):
    NEWCOMER = "newcomer"
    MEMBER = "member"
    TRUSTED = "trusted"


class SanctionKind(StrEnum):
    """A step of the sanction ladder (policy/ladder.py)."""

    WARN = "warn"
    MUTE = "mute"
    BAN = "ban"


class LockScope(StrEnum):
    """Whom a content lock applies to (moderation/locks.py)."""

    ALL = "all"
    NEWCOMERS = "newcomers"


class SampleLabel(StrEnum):
    SPAM = "spam"
    HAM = "ham"


@dataclass(frozen=True, slots=True)
class LabeledSample:
    """What an admin taught one group (moderation/learning.py); stored by store/moderation_state.py."""

    text: str  # normalized (folded) text
    label: SampleLabel


@dataclass(frozen=True, slots=True)
class Verdict:
    action: Action
    category: Category
    confidence: float
    reason: str
    tier: Tier
    # Which checks fired and with what, for the audit trail: ("rule.stop_words", "buy now"), ...
    details: tuple[tuple[str, str], ...] = ()
    elapsed_ms: float = 0.0
    error: str | None = None  # a failed tier reports here instead of raising

    @property
    def removes_message(self) -> bool:
        return self.action in REMOVING_ACTIONS

    @property
    def is_violation(self) -> bool:
        return self.action is not Action.ALLOW and self.category is not Category.NONE

    @classmethod
    def allow(cls, tier: Tier, reason: str = "", confidence: float = 1.0, **kw: object) -> Verdict:
        return cls(Action.ALLOW, Category.NONE, confidence, reason, tier, **kw)  # type: ignore[arg-type]
