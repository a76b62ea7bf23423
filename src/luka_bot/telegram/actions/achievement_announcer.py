"""Grants achievements after a clean message and announces each in the group, once.

The announcement is queued on the notice stream (paced per group there), so a worker never waits
for a busy group's budget to announce one."""

from __future__ import annotations

import time
from collections.abc import Sequence

import structlog

from luka_bot.community.achievements import DEFAULT_ACHIEVEMENTS, Achievement, AwardStore, grant_achievements
from luka_bot.community.stats import MemberStats
from luka_bot.policy.group import GroupSettings
from luka_bot.telegram.actions.notices import Notices
from luka_bot.texts.community import achievement_announcement

log = structlog.get_logger(__name__)


class AchievementAnnouncer:
    def __init__(
        self, notices: Notices, store: AwardStore, catalogue: Sequence[Achievement] = DEFAULT_ACHIEVEMENTS
    ) -> None:
        self._notices = notices
        self._store = store
        self._catalogue = catalogue

    async def after_message(
        self, stats: MemberStats, name: str, settings: GroupSettings, now: float | None = None
    ) -> list[Achievement]:
        """Awards what `stats` earn now; only this call's awards are announced, so each is said once."""
        granted = await grant_achievements(
            self._store, stats, now=time.time() if now is None else now, catalogue=self._catalogue
        )
        if not granted or not settings.announce_achievements:
            return granted
        lang = settings.language.value
        for achievement in granted:
            text = achievement_announcement(
                member=name,
                emoji=achievement.emoji,
                name=achievement.name(lang),
                points=achievement.reward_points,
                lang=lang,
            )
            await self._notices.announce(stats.chat_id, text)
        log.info("achievements.granted", chat_id=stats.chat_id, user_id=stats.user_id, ids=[a.id for a in granted])
        return granted
