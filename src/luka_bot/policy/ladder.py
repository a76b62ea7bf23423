"""Per-group sanction ladder, rewards, penalties, decay and trust thresholds. Owned by the community work.

Every knob is a typed field: the original read its thresholds from a loose dict, and a misspelled
name crashed auto-ban. Here a misspelled key is refused when the settings are validated
(`extra="forbid"`), long before a violation needs it.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from luka_bot.domain import Category
from luka_bot.domain import SanctionKind as SanctionKind  # the leaf's, named here for the ladder's callers

HOUR = 3600
DAY = 24 * HOUR

# Telegram treats a restriction shorter than 30 s or longer than 366 days as permanent; a step
# meant to be temporary must stay inside that range, and "permanent" is said explicitly (None).
MIN_SANCTION_S = 30
MAX_SANCTION_S = 366 * DAY


class LadderStep(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: SanctionKind
    # Seconds the mute or ban lasts; None means permanent. A warning has no duration.
    duration_s: int | None = None

    @model_validator(mode="after")
    def _duration_fits_kind(self) -> LadderStep:
        if self.kind is SanctionKind.WARN and self.duration_s is not None:
            raise ValueError("a warning has no duration")
        if self.duration_s is not None and not MIN_SANCTION_S <= self.duration_s <= MAX_SANCTION_S:
            raise ValueError(
                f"duration_s must be between {MIN_SANCTION_S} and {MAX_SANCTION_S} seconds, or null for permanent"
            )
        return self


def _default_steps() -> list[LadderStep]:
    return [
        LadderStep(kind=SanctionKind.WARN),
        LadderStep(kind=SanctionKind.MUTE, duration_s=HOUR),
        LadderStep(kind=SanctionKind.BAN, duration_s=DAY),
    ]


def _default_penalties() -> dict[Category, int]:
    return {
        Category.SPAM: 25,
        Category.SCAM: 50,
        Category.ABUSE: 50,
        Category.THREAT: 100,
        Category.HATE: 100,
        Category.NSFW: 50,
        Category.FLOOD: 10,
        Category.OFF_TOPIC: 5,
        Category.OTHER: 10,
        Category.LOCKED: 5,  # a locked kind of content: usually an honest slip, not an attack
    }


def _default_step_weights() -> dict[Category, int]:
    # A threat or a slur is not a first slip to warn about: it counts as two steps, so the first
    # one already mutes (with the default ladder).
    return {Category.THREAT: 2, Category.HATE: 2}


class Rewards(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: int = Field(default=0, ge=0, le=1000)
    helpful: int = Field(default=5, ge=0, le=1000)
    quality: int = Field(default=10, ge=0, le=1000)
    # An answer with quality_score (0-10) at or above this counts as a quality answer.
    quality_threshold: int = Field(default=7, ge=0, le=10)


class TrustPolicy(BaseModel):
    """When a newcomer becomes a member, and a member becomes trusted."""

    model_config = ConfigDict(extra="forbid")

    member_min_messages: int = Field(default=5, ge=0)
    member_min_days: float = Field(default=0, ge=0)
    trusted_min_messages: int = Field(default=50, ge=0)
    trusted_min_days: float = Field(default=14, ge=0)
    trusted_min_points: int = 0


class LadderPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    enabled: bool = True
    # Step n applies to the n-th violation inside the window; past the last step the last repeats.
    steps: list[LadderStep] = Field(default_factory=_default_steps, min_length=1, max_length=20)
    window_days: float = Field(default=7, gt=0, le=366)
    # Violations older than this are forgotten: they leave the history and no longer count.
    decay_days: float = Field(default=30, gt=0, le=3660)
    restore_points_on_decay: bool = True
    rewards: Rewards = Field(default_factory=Rewards)
    # Points taken per violation; a category missing here costs nothing.
    penalties: dict[Category, int] = Field(default_factory=_default_penalties)
    trust: TrustPolicy = Field(default_factory=TrustPolicy)
    # How many ladder steps one violation of a category climbs (default 1): the step applied is
    # the one for (violations in the window - 1 + weight).
    step_weights: dict[Category, int] = Field(default_factory=_default_step_weights)

    @field_validator("penalties")
    @classmethod
    def _penalties_are_sane(cls, value: dict[Category, int]) -> dict[Category, int]:
        if Category.NONE in value:
            raise ValueError("'none' is not a violation and cannot carry a penalty")
        if any(not 0 <= points <= 100_000 for points in value.values()):
            raise ValueError("penalties must be between 0 and 100000 points")
        return value

    @field_validator("step_weights")
    @classmethod
    def _step_weights_are_sane(cls, value: dict[Category, int]) -> dict[Category, int]:
        if Category.NONE in value:
            raise ValueError("'none' is not a violation and has no ladder weight")
        if any(not 1 <= steps <= 20 for steps in value.values()):
            raise ValueError("step weights must be between 1 and 20")
        return value

    @property
    def window_s(self) -> float:
        return self.window_days * DAY

    @property
    def decay_s(self) -> float:
        return self.decay_days * DAY

    def penalty(self, category: Category) -> int:
        return self.penalties.get(category, 0)

    def step_weight(self, category: Category) -> int:
        return self.step_weights.get(category, 1)
