"""Which sanction a violation earns: pure decision logic, no storage (the ladder's step, and
`effective_sanction` over it for a verdict)."""

from __future__ import annotations

from dataclasses import dataclass

from luka_bot.domain import Action, Tier, Verdict
from luka_bot.policy.ladder import LadderPolicy, SanctionKind

# What a trusted tier's own mute or ban gives when the ladder asks for less (or is off).
DEFAULT_MUTE_S = 3600
DEFAULT_BAN_S = 24 * 3600
_SEVERITY = {SanctionKind.WARN: 0, SanctionKind.MUTE: 1, SanctionKind.BAN: 2}
_VERDICT_FLOOR = {Action.MUTE: SanctionKind.MUTE, Action.BAN: SanctionKind.BAN}
# Tiers whose `mute`/`ban` is advice only: the LLM (and its cached answers) may ask for one, but a
# model's word never bans a first-time poster; the group's ladder decides the sanction.
_ADVISORY_TIERS = frozenset({Tier.LLM, Tier.CACHE})


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


def effective_sanction(ladder: Sanction | None, verdict: Verdict) -> Sanction | None:
    """The ladder's step; raised to what the verdict itself asks for only when the verdict comes
    from a tier trusted to sanction (never the LLM's: its ban or mute removes the message, and the
    ladder decides what the member gets)."""
    floor = _VERDICT_FLOOR.get(verdict.action)
    if floor is None or verdict.tier in _ADVISORY_TIERS:
        return ladder
    if ladder is not None and _SEVERITY[ladder.kind] >= _SEVERITY[floor]:
        return ladder
    duration = DEFAULT_BAN_S if floor is SanctionKind.BAN else DEFAULT_MUTE_S
    step = ladder.step if ladder else 0
    count = ladder.count_in_window if ladder else 1
    return Sanction(kind=floor, duration_s=duration, step=step, count_in_window=count)
