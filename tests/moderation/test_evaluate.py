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


def test_json_reports_reach_and_where_each_label_went(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path,
        "ok\tsee you tomorrow\nspam\tзаработок без вложений, пиши в лс\n"
        "abuse\tты идиот\nabuse\tполитики все идиоты\nabuse\thave a nice day\n",
    )
    assert main_eval([str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["labels"] == {
        "ok": {"n": 1, "flagged": 0, "to_llm": 0},
        "spam": {"n": 1, "flagged": 1, "to_llm": 0},
        "abuse": {"n": 3, "flagged": 1, "to_llm": 1},
    }
    # Violations either removed offline or sent to the judge: 3 of 4.
    assert data["reach"] == 0.75


def test_misses_list_each_wrong_line_with_tier_score_and_reasons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "ok\tsee you tomorrow\nabuse\tполитики все идиоты\nspam\tзаработок без вложений\n")
    assert main_eval([str(path), "--misses"]) == 0
    out = capsys.readouterr().out
    misses = [line for line in out.splitlines() if line[:1].isdigit()]
    assert len(misses) == 1
    line, label, outcome, where, score, reasons, text = misses[0].split("\t")
    assert (line, label, outcome, text) == ("2", "abuse", "allowed", "политики все идиоты")
    assert where == "uncertain/classifier -> judge" and score.startswith("p=0.") and "идиоты" in reasons


def test_eval_piped_into_head_exits_quietly(tmp_path: Path) -> None:
    import subprocess
    import sys

    # Every line is a miss, so the output is far longer than the pipe holds when head exits.
    path = write(tmp_path, "".join(f"abuse\tmessage number {n}\n" for n in range(3000)))
    script = "import sys; from luka_bot.cli import main; raise SystemExit(main(sys.argv[1:]))"
    eval_cmd = [sys.executable, "-c", script, "eval", str(path), "--misses"]
    shell = subprocess.run(
        " ".join(eval_cmd[:2]) + f' "{script}" eval {path} --misses | head -1',
        shell=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shell.returncode == 0
    assert "Traceback" not in shell.stderr and "BrokenPipe" not in shell.stderr
