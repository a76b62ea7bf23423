"""Which sanction a violation earns: pure decision logic, no storage."""

from __future__ import annotations

from dataclasses import dataclass

from luka_bot.policy.ladder import LadderPolicy, SanctionKind


@dataclass(frozen=True, slots=True)
class Sanction:
    kind: SanctionKind
    duration_s: int | None  # None: permanent for a mute or ban; always None for a warning
    step: int  # 1-based step of the ladder that applied
    count_in_window: int  # violations inside the ladder window, this one included

    @property
    def is_permanent(self) -> bool:
        return self.kind is not SanctionKind.WARN and self.duration_s is None

    def until(self, now: float) -> float | None:
        """When the restriction ends (Telegram's until_date); None for a warning or a permanent one."""
        if self.duration_s is None:
            return None
        return now + self.duration_s


def next_sanction(count_in_window: int, policy: LadderPolicy) -> Sanction | None:
    """The ladder step for the `count_in_window`-th violation; None when the ladder is off."""
    if not policy.enabled or count_in_window < 1:
        return None
    index = min(count_in_window, len(policy.steps)) - 1
    step = policy.steps[index]
    return Sanction(kind=step.kind, duration_s=step.duration_s, step=index + 1, count_in_window=count_in_window)
