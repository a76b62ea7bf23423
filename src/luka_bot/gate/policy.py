"""Per-group settings of the newcomer gate, kept apart from `GroupSettings` in their own key.

Everything is off or sane by default: a group that never opens these settings sees no captcha,
no join-request screening and only the automatic raid guard.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

QUESTION_MAX = 300
ANSWER_MAX = 100
MAX_ANSWERS = 10


class CaptchaKind(StrEnum):
    BUTTONS = "buttons"  # press the button showing the named picture among decoys
    MATH = "math"  # press the button with the sum of two small numbers


class RaidAction(StrEnum):
    KICK = "kick"  # every join during a raid is removed at once (ban + unban)
    CAPTCHA = "captcha"  # joins are held (restricted) until they solve a challenge


class JoinRequestMode(StrEnum):
    OFF = "off"  # the bot leaves join requests to the admins
    SCREEN = "screen"  # approve clean applicants, decline clear spammers, ask the rest
    ASK = "ask"  # every clean applicant answers the question first


class GateQuestion(BaseModel):
    """The admins' own question for applicants, with the answers they accept (case-insensitive)."""

    text_en: str = Field(default="", max_length=QUESTION_MAX)
    text_ru: str = Field(default="", max_length=QUESTION_MAX)
    answers: list[str] = Field(default_factory=list, max_length=MAX_ANSWERS)

    @property
    def is_set(self) -> bool:
        return bool((self.text_en or self.text_ru) and self.answers)

    def text(self, lang: str) -> str:
        return (self.text_ru if lang == "ru" else self.text_en) or self.text_en or self.text_ru


class GateSettings(BaseModel):
    captcha_enabled: bool = False
    captcha_kind: CaptchaKind = CaptchaKind.BUTTONS
    # Seconds a newcomer has to solve the challenge before being removed (not banned).
    captcha_timeout_s: int = Field(default=120, ge=2, le=3600)
    raid_guard: bool = True
    raid_joins: int = Field(default=10, ge=2, le=10_000)  # this many joins ...
    raid_window_s: int = Field(default=60, ge=1, le=3600)  # ... within this many seconds
    raid_duration_s: int = Field(default=1800, ge=60, le=7 * 86400)
    raid_action: RaidAction = RaidAction.KICK
    join_requests: JoinRequestMode = JoinRequestMode.OFF
    question: GateQuestion = Field(default_factory=GateQuestion)
    cas_enabled: bool = False
