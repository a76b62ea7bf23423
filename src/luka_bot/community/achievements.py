"""Achievements as data: typed conditions checked by plain code, never `eval`.

The original stored each condition as a Python expression and ran it through `eval()`. Here a
condition is one of a few pydantic models (a discriminated union on `kind`), so a catalogue can
come from JSON a group admin supplied and still only ever compare numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from luka_bot.community.stats import MemberStats, Metric
from luka_bot.policy.ladder_settings import DAY


class Threshold(BaseModel):
    """A counter reached a value: `Threshold(metric="helpful", at=10)`."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["threshold"] = "threshold"
    metric: Metric
    at: int = Field(ge=1)

    def is_met(self, stats: MemberStats, now: float) -> bool:
        return stats.metric(self.metric) >= self.at


class NoViolationFor(BaseModel):
    """The member has been around this long and had no violation in that time."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["no_violation_for"] = "no_violation_for"
    days: float = Field(gt=0, le=3660)

    def is_met(self, stats: MemberStats, now: float) -> bool:
        if stats.first_seen is None:
            return False
        clean_since = max(stats.first_seen, stats.last_violation_at or stats.first_seen)
        return now - clean_since >= self.days * DAY


class AllOf(BaseModel):
    """Every inner condition holds."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    kind: Literal["all_of"] = "all_of"
    conditions: tuple[Condition, ...] = Field(min_length=1, max_length=10)

    def is_met(self, stats: MemberStats, now: float) -> bool:
        return all(condition.is_met(stats, now) for condition in self.conditions)


Condition = Annotated[Threshold | NoViolationFor | AllOf, Field(discriminator="kind")]
AllOf.model_rebuild()


class Achievement(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    emoji: str = Field(min_length=1, max_length=8)
    names: dict[str, str]  # language -> name; English is required
    reward_points: int = Field(default=0, ge=0, le=10_000)
    condition: Condition

    @field_validator("names")
    @classmethod
    def _has_english(cls, value: dict[str, str]) -> dict[str, str]:
        if not value.get("en"):
            raise ValueError("an achievement needs an English name")
        return value

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names["en"]


DEFAULT_ACHIEVEMENTS: tuple[Achievement, ...] = (
    Achievement(
        id="first_helpful",
        emoji="🤝",
        names={"en": "First Helpful Answer", "ru": "Первый полезный ответ"},
        reward_points=5,
        condition=Threshold(metric=Metric.HELPFUL, at=1),
    ),
    Achievement(
        id="helpful_contributor",
        emoji="🌟",
        names={"en": "Helpful Contributor", "ru": "Полезный участник"},
        reward_points=20,
        condition=Threshold(metric=Metric.HELPFUL, at=10),
    ),
    Achievement(
        id="quality_expert",
        emoji="💎",
        names={"en": "Quality Expert", "ru": "Эксперт качества"},
        reward_points=50,
        condition=Threshold(metric=Metric.QUALITY_ANSWERS, at=50),
    ),
    Achievement(
        id="hundred_messages",
        emoji="💬",
        names={"en": "100 Messages", "ru": "100 сообщений"},
        reward_points=10,
        condition=Threshold(metric=Metric.MESSAGES, at=100),
    ),
    Achievement(
        id="clean_month",
        emoji="🕊️",
        names={"en": "30 Days Without a Violation", "ru": "30 дней без нарушений"},
        reward_points=10,
        condition=NoViolationFor(days=30),
    ),
)

_CATALOGUE = TypeAdapter(list[Achievement])


def parse_catalogue(data: object) -> tuple[Achievement, ...]:
    """Validates a catalogue given as JSON-like data (e.g. a group's custom achievements)."""
    achievements = tuple(_CATALOGUE.validate_python(data))
    ids = [achievement.id for achievement in achievements]
    if len(ids) != len(set(ids)):
        raise ValueError("achievement ids must be unique")
    return achievements


def newly_earned(
    stats: MemberStats,
    already: Iterable[str],
    now: float,
    catalogue: Sequence[Achievement] = DEFAULT_ACHIEVEMENTS,
) -> list[Achievement]:
    """Achievements whose condition holds and that the member does not hold yet."""
    held = set(already)
    return [a for a in catalogue if a.id not in held and a.condition.is_met(stats, now)]


class AwardStore(Protocol):
    async def earned(self, chat_id: int, user_id: int) -> set[str]: ...

    async def award(self, chat_id: int, user_id: int, achievement_id: str, *, reward_points: int = 0) -> bool: ...


async def grant_achievements(
    store: AwardStore,
    stats: MemberStats,
    *,
    now: float,
    catalogue: Sequence[Achievement] = DEFAULT_ACHIEVEMENTS,
) -> list[Achievement]:
    """Awards what `stats` now earn; returns only those this call awarded, to announce once.

    Two workers checking the same member at once may both see an achievement as new; the award
    itself is atomic, so only one of them gets it back.
    """
    met = [a for a in catalogue if a.condition.is_met(stats, now)]
    if not met:
        return []  # the common case for most messages: no Redis round trip at all
    held = await store.earned(stats.chat_id, stats.user_id)
    candidates = [a for a in met if a.id not in held]
    granted = []
    for achievement in candidates:
        if await store.award(stats.chat_id, stats.user_id, achievement.id, reward_points=achievement.reward_points):
            granted.append(achievement)
    return granted
