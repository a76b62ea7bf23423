"""One group's settings. Stored as JSON in Redis; new groups get these defaults."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from luka_bot.domain import LockScope
from luka_bot.policy.ladder import LadderPolicy
from luka_bot.policy.rules import RulesPolicy

RULES_TEXT_MAX = 4000


class JudgeMode(StrEnum):
    ALL = "all"
    UNCERTAIN = "uncertain"
    OFF = "off"


class Language(StrEnum):
    EN = "en"
    RU = "ru"


class GroupSettings(BaseModel):
    # Frozen: one default instance is shared by every group that never changed a setting (see
    # store/group_settings.py), so no code may change an instance in place; changes are copies
    # (model_copy(update=...)) saved through the repository.
    model_config = ConfigDict(frozen=True)

    moderation_enabled: bool = True
    dry_run: bool = False
    moderate_admins: bool = False
    assistant_enabled: bool = True
    llm_judge: JudgeMode = JudgeMode.UNCERTAIN
    language: Language = Language.EN
    rules_text: str = Field(default="", max_length=RULES_TEXT_MAX)
    persona_prompt: str = Field(default="", max_length=4000)
    announce_achievements: bool = True
    llm_daily_budget: int = Field(default=2000, ge=0)
    # Assistant budgets for this group (/budget); None: the deployment's default (env).
    assistant_member_daily_tokens: int | None = Field(default=None, ge=0)
    assistant_group_daily_tokens: int | None = Field(default=None, ge=0)
    assistant_cooldown: int | None = Field(default=None, ge=0, le=86_400)
    rules: RulesPolicy = Field(default_factory=RulesPolicy)
    ladder: LadderPolicy = Field(default_factory=LadderPolicy)
    # Content locks (/lock): lock name (moderation/locks.py LOCK_TYPES) -> who it applies to.
    locks: dict[str, LockScope] = Field(default_factory=dict)
