"""Durations admins type after /mute and /ban: "30m", "1h", "2d", "1w", "perm".

Telegram treats a restriction under 30 s or over 366 days as permanent, so a temporary one is
kept inside that range; "permanent" must be asked for by name, never reached by accident.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from luka_bot.policy.ladder_settings import MAX_SANCTION_S

MIN_DURATION_S = 60
UNIT_SECONDS = {
    "m": 60,
    "min": 60,
    "h": 3600,
    "d": 86_400,
    "w": 7 * 86_400,
    "м": 60,
    "мин": 60,
    "ч": 3600,
    "д": 86_400,
    "н": 7 * 86_400,
}
PERMANENT_WORDS = frozenset({"perm", "permanent", "forever", "навсегда"})
ACCEPTED_FORMATS = "30m, 1h, 2d, 1w, perm"
_AMOUNT = re.compile(r"^(\d{1,6})\s*([a-zа-я]+)$")


@dataclass(frozen=True, slots=True)
class Duration:
    seconds: int | None  # None: permanent

    @property
    def is_permanent(self) -> bool:
        return self.seconds is None


def parse_duration(text: str) -> Duration | None:
    """The duration `text` names, or None when it is not one (or out of Telegram's range)."""
    word = text.strip().lower()
    if word in PERMANENT_WORDS:
        return Duration(None)
    match = _AMOUNT.match(word)
    if match is None:
        return None
    unit = UNIT_SECONDS.get(match.group(2))
    if unit is None:
        return None
    seconds = int(match.group(1)) * unit
    if not MIN_DURATION_S <= seconds <= MAX_SANCTION_S:
        return None
    return Duration(seconds)
