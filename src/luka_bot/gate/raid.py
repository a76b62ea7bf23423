"""Raid detection: a surge of joins (N within M seconds) in one group.

Join times are Telegram's own message dates, so the decision does not depend on how fast the
bot happens to receive the updates.
"""

from __future__ import annotations

from dataclasses import dataclass

from luka_bot.gate.policy import GateSettings


@dataclass(frozen=True, slots=True)
class RaidDecision:
    start: bool  # this join makes the surge: raid mode starts now
    active: bool  # raid mode is on for this join (started now or earlier)


def judge_join(joins_in_window: int, raid_active: bool, settings: GateSettings) -> RaidDecision:
    """`joins_in_window` counts this join and the others within the last `raid_window_s`."""
    if raid_active:
        return RaidDecision(start=False, active=True)
    if settings.raid_guard and joins_in_window >= settings.raid_joins:
        return RaidDecision(start=True, active=True)
    return RaidDecision(start=False, active=False)
