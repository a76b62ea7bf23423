"""Train the shipped classifier from the project's own samples: `python -m luka_bot.moderation.train`.

Reads data/spam_*.txt and data/ham_*.txt (one message a line, written for this project; never
the outside evaluation sets), fits the model, calibrates it on out-of-fold scores and writes
data/model.json. Deterministic: the same samples give the same file.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import TypedDict

from luka_bot.moderation.classifier import MODEL_FILE, _sigmoid, features, fit_logistic, fit_platt
from luka_bot.moderation.normalize import normalize

DATA_DIR = Path(__file__).with_name("data")
FOLDS = 5


class ModelFile(TypedDict):
    """What data/model.json holds (SpamClassifier.load reads it)."""

    version: int
    samples: int
    bias: float
    platt: list[float]
    weights: dict[str, float]
    cv: dict[str, float]


def read_samples(data_dir: Path = DATA_DIR) -> list[tuple[str, int]]:
    samples: list[tuple[str, int]] = []
    for label, pattern in ((1, "spam_*.txt"), (0, "ham_*.txt")):
        for path in sorted(data_dir.glob(pattern)):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip() and not line.startswith("#"):
                    samples.append((line.strip(), label))
    return samples


def train(samples: list[tuple[str, int]], *, seed: int = 7) -> ModelFile:
    featurized = [(features(normalize(text)), label) for text, label in samples]
    order = list(range(len(featurized)))
    random.Random(seed).shuffle(order)
    out_of_fold: list[tuple[float, int]] = []
    for fold in range(FOLDS):
        held = set(order[fold::FOLDS])
        weights, bias = fit_logistic([s for i, s in enumerate(featurized) if i not in held], seed=seed)
        for i in held:
            feats, label = featurized[i]
            unique = set(feats)
            score = bias + sum(weights.get(f, 0.0) for f in unique) / (len(unique) ** 0.5)
            out_of_fold.append((score, label))
    platt = fit_platt([s for s, _ in out_of_fold], [label for _, label in out_of_fold])
    weights, bias = fit_logistic(featurized, seed=seed)
    kept = {f: round(w, 4) for f, w in sorted(weights.items()) if abs(w) >= 5e-4}
    return {
        "version": 1,
        "samples": len(samples),
        "bias": round(bias, 6),
        "platt": [round(platt[0], 6), round(platt[1], 6)],
        "weights": kept,
        "cv": _cv_summary(out_of_fold, platt),
    }


def _cv_summary(out_of_fold: list[tuple[float, int]], platt: tuple[float, float]) -> dict[str, float]:
    probs = [(_sigmoid(platt[0] * s + platt[1]), label) for s, label in out_of_fold]
    tp = sum(1 for p, y in probs if p >= 0.5 and y)
    fp = sum(1 for p, y in probs if p >= 0.5 and not y)
    positives = sum(y for _, y in probs)
    return {
        "recall": round(tp / max(positives, 1), 4),
        "false_positive_rate": round(fp / max(len(probs) - positives, 1), 4),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DATA_DIR)
    parser.add_argument("--out", type=Path, default=MODEL_FILE)
    args = parser.parse_args(argv)
    model = train(read_samples(args.data))
    args.out.write_text(json.dumps(model, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"samples={model['samples']} features={len(model['weights'])} cv={model['cv']} -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
