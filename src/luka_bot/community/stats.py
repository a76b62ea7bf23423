"""A member's standing in one group, as read from storage: plain data with counting helpers."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from luka_bot.domain import Category


class Metric(StrEnum):
    """Counters an achievement may test; named here so no condition reaches an arbitrary attribute."""

    MESSAGES = "messages"
    HELPFUL = "helpful"
    QUALITY_ANSWERS = "quality_answers"
    POINTS = "points"


@dataclass(frozen=True, slots=True)
class ViolationRecord:
    category: Category
    at: float
    violation_id: str

    @classmethod
    def from_member(cls, member: str, score: float) -> ViolationRecord:
        """Parses a history entry `category:violation-id` (the id may itself contain colons)."""
        raw_category, _, violation_id = member.partition(":")
        try:
            category = Category(raw_category)
        except ValueError:  # a category since renamed still counts as a violation
            category = Category.OTHER
        return cls(category=category, at=float(score), violation_id=violation_id)


@dataclass(frozen=True, slots=True)
class MemberStats:
    chat_id: int
    user_id: int
    messages: int = 0
    helpful: int = 0
    quality_answers: int = 0
    points: int = 0
    first_seen: float | None = None
    last_message_at: float | None = None
    last_violation_at: float | None = None
    # The newest violations, oldest first. Decayed ones are dropped at the member's next write,
    # so readers still filter by time (`violations_since`).
    violations: tuple[ViolationRecord, ...] = ()

    def metric(self, metric: Metric) -> int:
        return {
            Metric.MESSAGES: self.messages,
            Metric.HELPFUL: self.helpful,
            Metric.QUALITY_ANSWERS: self.quality_answers,
            Metric.POINTS: self.points,
        }[metric]

    def tenure_s(self, now: float) -> float:
        return 0.0 if self.first_seen is None else max(0.0, now - self.first_seen)

    def violations_since(self, since: float) -> int:
        return sum(1 for record in self.violations if record.at > since)

    def violations_by_category(self, since: float = float("-inf")) -> dict[Category, int]:
        return dict(Counter(record.category for record in self.violations if record.at > since))

    @classmethod
    def from_storage(
        cls,
        chat_id: int,
        user_id: int,
        fields: Mapping[str, str],
        history: Iterable[tuple[str, float]],
    ) -> MemberStats:
        def number(name: str) -> int:
            return int(fields.get(name) or 0)

        def moment(name: str) -> float | None:
            value = fields.get(name)
            return float(value) if value else None

        return cls(
            chat_id=chat_id,
            user_id=user_id,
            messages=number("messages"),
            helpful=number("helpful"),
            quality_answers=number("quality_answers"),
            points=number("points"),
            first_seen=moment("first_seen"),
            last_message_at=moment("last_message_at"),
            last_violation_at=moment("last_violation_at"),
            violations=tuple(ViolationRecord.from_member(member, score) for member, score in history),
        )
