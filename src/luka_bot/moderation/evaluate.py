"""`luka-bot eval FILE [--json] [--misses]`: score the offline tiers on a labelled file.

FILE has one `label<TAB>text` per line, labels `ok`, `spam`, `abuse` (a violation is any label
but `ok`); blank lines and lines starting with "#" are skipped, and the text may carry "\\n"
escapes for line breaks. Every line is judged as the first message of a new member in a group
with default settings, without the LLM. The report also says which tier decided and what share
`uncertain` mode would have sent to the LLM, the "reach" (violations removed offline or sent to
the judge) and, per label, how many lines were flagged and how many went to the judge.
`--misses` prints each wrong line with the tier that decided, its score and its reasons.

Options are declared in `add_arguments` and read in `main_eval`, so a new one (a judge pass) is
one argument and one branch, and `luka-bot eval` in cli.py needs no change.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from luka_bot.moderation.cascade import Band, Cascade
from luka_bot.moderation.classifier import SpamClassifier
from luka_bot.moderation.verdict import MemberContext, ModerationRequest, TrustLevel
from luka_bot.policy.group import GroupSettings

LABELS = ("ok", "spam", "abuse")
EVAL_CHAT_ID = -1000000000001


class EvalFileError(ValueError):
    """The file cannot be read as `label<TAB>text` lines; the message names the line."""


@dataclass(frozen=True, slots=True)
class Example:
    line: int
    label: str
    text: str

    @property
    def is_violation(self) -> bool:
        return self.label != "ok"


@dataclass(frozen=True, slots=True)
class Outcome:
    example: Example
    flagged: bool  # removed by the offline tiers
    band: Band
    tier: str
    elapsed_ms: float
    category: str = "none"
    score: float | None = None  # the classifier's spam probability, when it ran
    reasons: tuple[str, ...] = ()  # the verdict's reason and the checks that fired

    @property
    def to_llm(self) -> bool:
        """`uncertain` mode would ask the judge about this line."""
        return self.band is Band.UNCERTAIN

    @property
    def wrong(self) -> bool:
        return self.flagged is not self.example.is_violation

    def describe(self) -> str:
        score = "-" if self.score is None else f"{self.score:.3f}"
        where = f"{self.band.value}/{self.tier}" + (" -> judge" if self.to_llm else "")
        verdict = f"flagged as {self.category}" if self.flagged else "allowed"
        reasons = "; ".join(self.reasons) or "-"
        text = self.example.text.replace("\n", "\\n")
        return f"{self.example.line}\t{self.example.label}\t{verdict}\t{where}\tp={score}\t{reasons}\t{text}"


@dataclass
class EvalReport:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.outcomes)

    def _count(self, violation: bool, flagged: bool) -> int:
        return sum(1 for o in self.outcomes if o.example.is_violation is violation and o.flagged is flagged)

    @property
    def tp(self) -> int:
        return self._count(True, True)

    @property
    def fn(self) -> int:
        return self._count(True, False)

    @property
    def fp(self) -> int:
        return self._count(False, True)

    @property
    def tn(self) -> int:
        return self._count(False, False)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def false_positive_rate(self) -> float:
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0

    def _percentile_ms(self, q: float) -> float:
        times = sorted(o.elapsed_ms for o in self.outcomes)
        if not times:
            return 0.0
        return times[min(len(times) - 1, int(q * len(times)))]

    @property
    def p50_ms(self) -> float:
        return self._percentile_ms(0.50)

    @property
    def p99_ms(self) -> float:
        return self._percentile_ms(0.99)

    @property
    def llm_share(self) -> float:
        """Share of messages `uncertain` mode would send to the LLM judge."""
        return sum(1 for o in self.outcomes if o.band is Band.UNCERTAIN) / self.n if self.n else 0.0

    @property
    def reach(self) -> float:
        """Share of violations removed offline or sent to the judge in `uncertain` mode."""
        violations = [o for o in self.outcomes if o.example.is_violation]
        if not violations:
            return 0.0
        return sum(1 for o in violations if o.flagged or o.to_llm) / len(violations)

    @property
    def labels(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for o in self.outcomes:
            row = out.setdefault(o.example.label, {"n": 0, "flagged": 0, "to_llm": 0})
            row["n"] += 1
            row["flagged"] += o.flagged
            row["to_llm"] += o.to_llm
        return {label: out[label] for label in LABELS if label in out}

    @property
    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.wrong]

    @property
    def by_tier(self) -> dict[str, int]:
        return dict(Counter(o.band.value for o in self.outcomes).most_common())

    def as_json(self) -> dict[str, object]:
        return {
            "n": self.n,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "false_positive_rate": round(self.false_positive_rate, 4),
            "p50_ms": round(self.p50_ms, 4),
            "p99_ms": round(self.p99_ms, 4),
            "llm_share": round(self.llm_share, 4),
            "reach": round(self.reach, 4),
            "labels": self.labels,
            "confusion": {"tp": self.tp, "fn": self.fn, "fp": self.fp, "tn": self.tn},
            "by_tier": self.by_tier,
            "by_label": dict(Counter(o.example.label for o in self.outcomes)),
        }


def read_examples(path: Path) -> list[Example]:
    examples = []
    try:
        content = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise EvalFileError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    for number, raw in enumerate(content.splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        label, sep, text = raw.partition("\t")
        if not sep:
            raise EvalFileError(f"{path}:{number}: expected 'label<TAB>text', found no tab")
        label = label.strip().lower()
        if label not in LABELS:
            raise EvalFileError(f"{path}:{number}: unknown label {label!r}; use one of {', '.join(LABELS)}")
        examples.append(Example(number, label, text.replace("\\n", "\n")))
    return examples


def evaluate(examples: list[Example], cascade: Cascade, settings: GroupSettings | None = None) -> EvalReport:
    settings = settings or GroupSettings()
    newcomer = MemberContext(trust=TrustLevel.NEWCOMER, is_first_message=True, messages_in_group=0)
    report = EvalReport()
    # The first call compiles the phrase patterns; keep that one-off cost out of the latencies.
    cascade.assess(ModerationRequest(chat_id=EVAL_CHAT_ID, message_id=0, user_id=0, text="warm up"), settings)
    for i, example in enumerate(examples):
        request = ModerationRequest(
            chat_id=EVAL_CHAT_ID, message_id=i + 1, user_id=i + 1, text=example.text, member=newcomer
        )
        started = time.perf_counter()
        assessment = cascade.assess(request, settings)
        elapsed = (time.perf_counter() - started) * 1000
        verdict = assessment.verdict
        reasons = tuple(r for r in (verdict.reason,) if r) + tuple(f"{k}={v}" for k, v in verdict.details)
        report.outcomes.append(
            Outcome(
                example,
                verdict.removes_message,
                assessment.band,
                verdict.tier.value,
                elapsed,
                category=verdict.category.value,
                score=assessment.spam_probability,
                reasons=reasons,
            )
        )
    return report


def run_eval(path: Path, classifier: SpamClassifier | None = None) -> EvalReport:
    return evaluate(read_examples(path), Cascade(classifier or SpamClassifier.load()))


def format_report(report: EvalReport) -> str:
    rows = [
        f"messages  {report.n}",
        "",
        "                 flagged   allowed",
        f"violation  {report.tp:>10} {report.fn:>9}",
        f"ok         {report.fp:>10} {report.tn:>9}",
        "",
        f"precision            {report.precision:.3f}",
        f"recall               {report.recall:.3f}",
        f"false positive rate  {report.false_positive_rate:.3f}",
        f"latency p50 / p99    {report.p50_ms:.3f} ms / {report.p99_ms:.3f} ms",
        f"to LLM (uncertain)   {report.llm_share:.1%}",
        f"reach                {report.reach:.3f}   (violations removed or sent to the judge)",
        "",
        "label      lines  flagged   to LLM",
        *(f"{label:<8} {row['n']:>7} {row['flagged']:>8} {row['to_llm']:>8}" for label, row in report.labels.items()),
        "",
        "decided by   messages  flagged",
    ]
    for band, count in report.by_tier.items():
        flagged = sum(1 for o in report.outcomes if o.band.value == band and o.flagged)
        rows.append(f"{band:<12} {count:>8} {flagged:>8}")
    return "\n".join(rows)


def format_misses(report: EvalReport) -> Iterable[str]:
    yield "# line\tlabel\toutcome\tband/tier\tscore\treasons\ttext"
    for outcome in report.misses:
        yield outcome.describe()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="lines 'label<TAB>text', labels ok/spam/abuse")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--misses", action="store_true", help="also print each wrong line with its tier, score and reasons"
    )


def main_eval(argv: list[str] | argparse.Namespace) -> int:
    if isinstance(argv, argparse.Namespace):
        args = argv
    else:
        parser = argparse.ArgumentParser(
            prog="luka-bot eval", description="Score the offline moderation tiers on a labelled file."
        )
        add_arguments(parser)
        args = parser.parse_args(argv)
    try:
        report = run_eval(args.file)
    except (EvalFileError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    lines: list[str] = []
    if args.misses:
        lines.extend(format_misses(report))
    lines.append(json.dumps(report.as_json(), ensure_ascii=False) if args.json else format_report(report))
    return _print_lines(lines)


def _print_lines(lines: Iterable[str]) -> int:
    """Print, and stop quietly when the reader goes away (`luka-bot eval FILE | head`)."""
    try:
        for line in lines:
            sys.stdout.write(line + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # Python would complain again while flushing stdout at exit; point it at nothing.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main_eval(sys.argv[1:]))
