"""`luka-bot eval FILE --judge`: the whole cascade, LLM judge included, on a labelled file.

Each line goes through `Cascade.decide` as the first message of a new member in a group with
default settings and the configured judge mode (`LLM_JUDGE`): so the configured LLM gets exactly
what that mode would send it (in batches, when lines wait), and the figures are the cascade's as
a group would see them. A line the judge could not judge (server down, garbage) is scored by its
offline verdict and counted as unjudged, as the bot would act past its deadline.

The offline-only `eval` (evaluate.py) is untouched by this; this module only adds to it.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol

from luka_bot.moderation.cascade import Cascade, JudgeUnavailable
from luka_bot.moderation.evaluate import EVAL_CHAT_ID, EvalReport, Example, Outcome
from luka_bot.moderation.verdict import (
    MemberContext,
    ModerationRequest,
    Tier,
    TrustLevel,
)
from luka_bot.policy.group import GroupSettings, JudgeMode

# Lines in flight at once: enough for the judge to batch, few enough to keep memory flat.
DEFAULT_IN_FLIGHT = 64


class CallCounter(Protocol):
    """The part of `LlmJudge` this module reads: how many LLM calls were made."""

    calls: int


@dataclass
class JudgeEvalReport:
    report: EvalReport
    mode: JudgeMode
    model: str
    llm_calls: int = 0
    wall_s: float = 0.0
    unjudged: int = 0
    by_decider: Counter[str] = field(default_factory=Counter)

    @property
    def judged_by_llm(self) -> int:
        return self.by_decider.get(Tier.LLM.value, 0) + self.by_decider.get(Tier.CACHE.value, 0)

    def as_json(self) -> dict[str, object]:
        base = self.report
        return {
            "n": base.n,
            "precision": round(base.precision, 4),
            "recall": round(base.recall, 4),
            "false_positive_rate": round(base.false_positive_rate, 4),
            "p50_ms": round(base.p50_ms, 1),
            "p99_ms": round(base.p99_ms, 1),
            "confusion": {"tp": base.tp, "fn": base.fn, "fp": base.fp, "tn": base.tn},
            "judge_mode": self.mode.value,
            "model": self.model,
            "llm_calls": self.llm_calls,
            "judged_by_llm": self.judged_by_llm,
            "unjudged": self.unjudged,
            "wall_s": round(self.wall_s, 2),
            "by_tier": dict(self.by_decider.most_common()),
        }


async def evaluate_with_judge(
    examples: list[Example],
    cascade: Cascade,
    judge: CallCounter,
    *,
    mode: JudgeMode,
    model: str,
    in_flight: int = DEFAULT_IN_FLIGHT,
) -> JudgeEvalReport:
    settings = GroupSettings(llm_judge=mode)
    newcomer = MemberContext(trust=TrustLevel.NEWCOMER, is_first_message=True, messages_in_group=0)
    result = JudgeEvalReport(EvalReport(), mode, model)
    outcomes: list[Outcome | None] = [None] * len(examples)
    gate = asyncio.Semaphore(max(1, in_flight))

    async def one(index: int, example: Example) -> None:
        request = ModerationRequest(
            chat_id=EVAL_CHAT_ID, message_id=index + 1, user_id=index + 1, text=example.text, member=newcomer
        )
        async with gate:
            started = time.perf_counter()
            try:
                verdict = await cascade.decide(request, settings)
            except JudgeUnavailable as exc:
                verdict = exc.unjudged
                result.unjudged += 1
            elapsed = (time.perf_counter() - started) * 1000
        band = cascade.assess(request, settings).band
        result.by_decider[verdict.tier.value] += 1
        outcomes[index] = Outcome(example, verdict.removes_message, band, verdict.tier.value, elapsed)

    started = time.perf_counter()
    await asyncio.gather(*(one(i, example) for i, example in enumerate(examples)))
    result.wall_s = time.perf_counter() - started
    result.report.outcomes.extend(o for o in outcomes if o is not None)
    result.llm_calls = judge.calls
    return result


def format_judge_report(result: JudgeEvalReport) -> str:
    report = result.report
    rows = [
        f"messages  {report.n}   (judge mode {result.mode.value}, model {result.model})",
        "",
        "                 flagged   allowed",
        f"violation  {report.tp:>10} {report.fn:>9}",
        f"ok         {report.fp:>10} {report.tn:>9}",
        "",
        f"precision            {report.precision:.3f}",
        f"recall               {report.recall:.3f}",
        f"false positive rate  {report.false_positive_rate:.3f}",
        f"latency p50 / p99    {report.p50_ms:.1f} ms / {report.p99_ms:.1f} ms (per message, queueing included)",
        f"LLM calls            {result.llm_calls} for {result.judged_by_llm} messages judged by the LLM",
        f"unjudged             {result.unjudged} (judge failed; scored by the offline verdict)",
        f"wall time            {result.wall_s:.1f} s",
        "",
        "decided by   messages",
    ]
    rows += [f"{tier:<12} {count:>8}" for tier, count in result.by_decider.most_common()]
    return "\n".join(rows)
