"""`luka-bot eval`: reading the file, the scores, the table and the JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from luka_bot.moderation.evaluate import EvalFileError, format_report, main_eval, read_examples, run_eval

HARD_CASES = Path(__file__).with_name("data") / "hard_cases.tsv"


def write(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "eval.tsv"
    path.write_text(content, encoding="utf-8")
    return path


BAD_FILES = [
    ("no tab", "ok\thello\nspam no tab here\n", ":2: expected 'label<TAB>text'"),
    ("unknown label", "ok\thello\n\nham\tbye\n", ":3: unknown label 'ham'"),
]


@pytest.mark.parametrize(("content", "message"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_bad_line_names_its_number(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(EvalFileError, match=message):
        read_examples(write(tmp_path, content))


def test_bad_file_exits_with_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main_eval([str(write(tmp_path, "maybe\tx\n"))]) == 2
    assert "eval.tsv:1: unknown label" in capsys.readouterr().err


def test_missing_file_is_an_error_not_a_traceback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main_eval([str(tmp_path / "nope.tsv")]) == 2
    assert "error:" in capsys.readouterr().err


def test_comments_blank_lines_and_escaped_newlines(tmp_path: Path) -> None:
    examples = read_examples(write(tmp_path, "# header\n\nOK\tline one\\nline two\nabuse\tyou idiot\n"))
    assert [(e.line, e.label, e.text) for e in examples] == [(3, "ok", "line one\nline two"), (4, "abuse", "you idiot")]


def test_json_has_the_contract_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "ok\tsee you tomorrow\nspam\tзаработок без вложений, пиши в лс\nabuse\tты идиот\n")
    assert main_eval([str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"n", "precision", "recall", "false_positive_rate", "p50_ms", "p99_ms"} <= data.keys()
    assert (data["n"], data["recall"], data["false_positive_rate"], data["precision"]) == (3, 1.0, 0.0, 1.0)
    assert data["by_tier"]["rule"] == 2


def test_table_shows_confusion_tiers_latency_and_llm_share(tmp_path: Path) -> None:
    report = run_eval(write(tmp_path, "ok\tsee you tomorrow\nspam\tзаработок без вложений\nspam\thello there\n"))
    table = format_report(report)
    for needle in ("violation", "recall", "false positive rate", "p50", "to LLM", "decided by", "rule"):
        assert needle in table
    assert (report.tp, report.fn, report.fp, report.tn) == (1, 1, 0, 1)


def test_hard_cases_unicode_tricks_and_hard_negatives() -> None:
    report = run_eval(HARD_CASES)
    assert report.n >= 50
    assert report.recall >= 0.90
    assert report.false_positive_rate <= 0.10
    assert report.llm_share <= 0.15
