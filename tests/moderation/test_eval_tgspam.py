"""The issue's goal on outside data: tg-spam's samples, never trained on.

recall >= 0.90 at a false-positive rate <= 0.02, and at most 15 % of messages left to the LLM.
Skipped where the shared data is not checked out next to the repository.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from luka_bot.moderation.evaluate import run_eval

REPO = Path(__file__).resolve().parents[2]
TG_SPAM = REPO.parent / "shared" / "data" / "tg-spam"

pytestmark = pytest.mark.skipif(
    not (TG_SPAM / "spam-samples.txt").exists() or not (TG_SPAM / "ham-samples.txt").exists(),
    reason="tg-spam samples not found at ../shared/data/tg-spam",
)


def _converter():  # bench/ is not a package; load the script the README tells people to run
    spec = importlib.util.spec_from_file_location("make_tgspam_eval", REPO / "bench" / "make_tgspam_eval.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_tg_spam_recall_and_false_positive_rate(tmp_path: Path) -> None:
    eval_file = tmp_path / "tgspam.tsv"
    _converter().convert(TG_SPAM, eval_file)
    report = run_eval(eval_file)
    assert report.n >= 600
    assert report.recall >= 0.90, report.as_json()
    assert report.false_positive_rate <= 0.02, report.as_json()
    assert report.llm_share <= 0.15, report.as_json()


def test_no_tg_spam_line_was_trained_on() -> None:
    from luka_bot.moderation.train import read_samples

    ours = {text.strip().casefold() for text, _ in read_samples()}
    theirs = set()
    for name in ("spam-samples.txt", "ham-samples.txt"):
        theirs |= {
            line.strip().casefold()
            for line in (TG_SPAM / name).read_text(encoding="utf-8").splitlines()
            if len(line.strip()) > 15
        }
    assert not ours & theirs
