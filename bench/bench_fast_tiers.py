"""Speed of the fast tiers: `python bench/bench_fast_tiers.py [FILE.tsv ...] [--rounds N]`.

Prints p50/p99 per message and messages per second for the inline rules (`fast_verdict`) and
for rules plus classifier (`assess`). Messages come from the given eval files, or by default
from the tg-spam samples next to the repository and our own hard set.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from luka_bot.moderation.cascade import Cascade
from luka_bot.moderation.classifier import SpamClassifier
from luka_bot.moderation.evaluate import read_examples
from luka_bot.moderation.verdict import ModerationRequest
from luka_bot.policy.group import GroupSettings

REPO = Path(__file__).resolve().parents[1]
TG_SPAM = REPO.parent / "shared" / "data" / "tg-spam"
HARD_CASES = REPO / "tests" / "moderation" / "data" / "hard_cases.tsv"


def default_texts() -> list[str]:
    texts = [e.text for e in read_examples(HARD_CASES)]
    for name in ("spam-samples.txt", "ham-samples.txt"):
        path = TG_SPAM / name
        if path.exists():
            texts += [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts


def measure(label: str, texts: list[str], run, rounds: int, best_of: bool = False) -> None:
    times: list[float] = []
    per_message: list[list[float]] = [[] for _ in texts]
    for _ in range(rounds):
        for i, text in enumerate(texts):
            request = ModerationRequest(chat_id=1, message_id=i, user_id=i, text=text)
            started = time.perf_counter()
            run(request)
            per_message[i].append((time.perf_counter() - started) * 1000)
    # best_of: each message's fastest round, its own cost without the scheduler's pauses on a busy machine.
    times = [min(t) for t in per_message] if best_of else [t for ts in per_message for t in ts]
    times.sort()
    p50 = statistics.median(times)
    p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
    rate = len(times) / (sum(times) / 1000)
    print(f"{label:<28} n={len(times):>6}  p50={p50:.3f} ms  p99={p99:.3f} ms  {rate:,.0f} msg/s")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--best-of", action="store_true", help="per message, keep its fastest round")
    args = parser.parse_args(argv)
    texts = [e.text for path in args.files for e in read_examples(path)] if args.files else default_texts()
    lengths = sorted(len(t) for t in texts)
    print(f"{len(texts)} messages, median {lengths[len(lengths) // 2]} chars, longest {lengths[-1]}")
    cascade = Cascade(SpamClassifier.load())
    settings = GroupSettings()
    cascade.assess(ModerationRequest(chat_id=1, message_id=0, user_id=0, text="warm up"), settings)
    measure("rules only (fast_verdict)", texts, lambda r: cascade.fast_verdict(r, settings), args.rounds, args.best_of)
    measure("rules + classifier (assess)", texts, lambda r: cascade.assess(r, settings), args.rounds, args.best_of)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
