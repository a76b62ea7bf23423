"""Compare abuse detectors side by side on one labelled file: `python bench/compare_abuse.py FILE...`.

FILE has `label<TAB>text` lines as `luka-bot eval` reads them (labels ok/abuse; other labels are
skipped). For each option it prints the share of abuse lines it flags, the share of ordinary lines
it flags, and its latency. Options:

- ours, offline: the shipped abuse tier's certain hits (what acts without the LLM);
- ours, reach: certain hits plus the suspicions that send a message to the judge;
- ours, trained: a logistic model trained on the project's own abuse samples (data/abuse_*.txt)
  against its ham samples, with the spam classifier's features;
- better-profanity, alt-profanity-check, check-swear, python-obscene-words-filter: maintained
  PyPI libraries, when they are importable (install them in any environment and point
  PYTHONPATH at it; they are measured, not shipped).

Outside data is for measuring only; nothing here trains on it.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from luka_bot.moderation.classifier import _sigmoid, features, fit_logistic
from luka_bot.moderation.evaluate import read_examples
from luka_bot.moderation.normalize import normalize
from luka_bot.moderation.rules import RuleInput
from luka_bot.moderation.rules.abuse import is_abusive
from luka_bot.moderation.train import DATA_DIR, read_samples
from luka_bot.moderation.verdict import ModerationRequest
from luka_bot.policy.rules import RulesPolicy

Detector = Callable[[str], bool]
POLICY = RulesPolicy()


def _hit(text: str):
    request = ModerationRequest(chat_id=1, message_id=1, user_id=1, text=text)
    return is_abusive(RuleInput(request, normalize(text), POLICY, True))


def ours_offline(text: str) -> bool:
    hit = _hit(text)
    return hit is not None and hit.certain


def ours_reach(text: str) -> bool:
    return _hit(text) is not None


def ours_trained() -> Detector:
    positives = []
    for path in sorted(DATA_DIR.glob("abuse_*.txt")):
        positives += [
            line.strip()
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")
        ]
    negatives = [text for text, label in read_samples() if label == 0]
    samples = [(features(normalize(t)), 1) for t in positives] + [(features(normalize(t)), 0) for t in negatives]
    weights, bias = fit_logistic(samples)

    def detect(text: str) -> bool:
        feats = set(features(normalize(text)))
        score = bias + sum(weights.get(f, 0.0) for f in feats) / max(len(feats), 1) ** 0.5
        return _sigmoid(score) >= 0.5

    return detect


def optional_libraries() -> dict[str, Detector]:
    found: dict[str, Detector] = {}
    try:
        from better_profanity import profanity  # type: ignore[import-not-found]

        profanity.load_censor_words()
        found["better-profanity (en)"] = profanity.contains_profanity
    except ImportError:
        pass
    try:
        from profanity_check import predict_prob  # type: ignore[import-not-found]

        found["alt-profanity-check (en)"] = lambda t: float(predict_prob([t])[0]) >= 0.5
    except ImportError:
        pass
    try:
        from check_swear import SwearingCheck  # type: ignore[import-not-found]

        checker = SwearingCheck()
        checker.predict("проверка")  # loads its resources now, so a missing one shows here
        found["check-swear (ru)"] = lambda t: bool(checker.predict(t)[0])
    except ImportError:
        pass
    except LookupError as exc:  # it needs NLTK data downloaded at run time: not usable offline
        print(f"check-swear skipped: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
    try:
        from obscene_words_filter import get_default_filter  # type: ignore[import-not-found]

        words = get_default_filter()
        found["obscene-words-filter (ru)"] = lambda t: any(
            True for _ in words.find_bad_word_matches_without_good_words(t)
        )
    except ImportError:
        pass
    return found


def measure(name: str, detect: Detector, lines: list[tuple[str, str]]) -> str:
    times, flagged = [], {"abuse": 0, "ok": 0}
    for label, text in lines:
        started = time.perf_counter()
        hit = detect(text)
        times.append((time.perf_counter() - started) * 1000)
        flagged[label] += hit
    n_abuse = sum(1 for label, _ in lines if label == "abuse") or 1
    n_ok = sum(1 for label, _ in lines if label == "ok") or 1
    times.sort()
    p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
    return (
        f"| {name} | {flagged['abuse'] / n_abuse:.3f} | {flagged['ok'] / n_ok:.3f} | "
        f"{statistics.median(times):.3f} | {p99:.3f} |"
    )


def main(paths: list[str]) -> int:
    detectors: dict[str, Detector] = {
        "ours: offline (acts alone)": ours_offline,
        "ours: reach (acts or asks the judge)": ours_reach,
        "ours: trained on own samples": ours_trained(),
    }
    detectors.update(optional_libraries())
    for path in paths:
        lines = [(e.label, e.text) for e in read_examples(Path(path)) if e.label in ("ok", "abuse")]
        print(
            f"\n{Path(path).name}: {sum(1 for label, _ in lines if label == 'abuse')} abuse, "
            f"{sum(1 for label, _ in lines if label == 'ok')} ok"
        )
        print("| detector | abuse flagged | ok flagged | p50 ms | p99 ms |\n|---|---|---|---|---|")
        for name, detect in detectors.items():
            print(measure(name, detect, lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
