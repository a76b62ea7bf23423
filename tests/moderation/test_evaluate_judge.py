"""`luka-bot eval FILE --judge`: the whole cascade with the configured LLM, over real HTTP."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from pathlib import Path

import pytest

from luka_bot.llm import LlmClient
from luka_bot.moderation.cascade import Cascade
from luka_bot.moderation.classifier import SpamClassifier
from luka_bot.moderation.evaluate import read_examples
from luka_bot.moderation.evaluate_judge import evaluate_with_judge
from luka_bot.moderation.judge import LlmJudge
from luka_bot.policy.group import JudgeMode
from luka_bot.sandbox.llm_emulator import start_llm_emulator

LINES = [
    ("ok", "Good morning! Does anyone know when the meetup starts?"),  # sure ham
    ("spam", "Earn money from home, message me for details"),  # sure spam
    ("ok", "Hello everyone, I offer remote job with good pay"),  # uncertain
    ("spam", "zorblax deal, message me"),  # uncertain, leans to spam
]


@pytest.fixture
def eval_file(tmp_path: Path) -> Path:
    path = tmp_path / "eval.tsv"
    path.write_text("".join(f"{label}\t{text}\n" for label, text in LINES), encoding="utf-8")
    return path


@pytest.fixture
async def emulator():
    emulator, runner, port = await start_llm_emulator("127.0.0.1", 0)
    # The "model" calls the uncertain spam spam and everything else fine.
    emulator.add_script("zorblax", verdict={"action": "delete", "category": "spam", "confidence": 0.9, "reason": "ad"})
    yield emulator, f"http://127.0.0.1:{port}/v1"
    await runner.cleanup()


async def run(base_url: str, eval_file: Path, mode: JudgeMode):
    client = LlmClient(base_url, "", timeout=2.0)
    judge = LlmJudge(client, "emulated-judge", timeout=2.0, batch_size=8)
    try:
        return await evaluate_with_judge(
            read_examples(eval_file),
            Cascade(SpamClassifier.load(), judge=judge),
            judge,
            mode=mode,
            model="emulated-judge",
        )
    finally:
        await client.aclose()


async def test_uncertain_mode_sends_only_the_uncertain_lines(emulator, eval_file: Path) -> None:
    state, base_url = emulator
    result = await run(base_url, eval_file, JudgeMode.UNCERTAIN)
    sent_texts = [
        json.loads(block)["text"]
        for request in state.requests
        for block in re.findall(r"<message_data>(.*?)</message_data>", request["messages"][1]["content"], re.DOTALL)
    ]
    assert sorted(sent_texts) == sorted([LINES[2][1], LINES[3][1]])
    report = result.as_json()
    assert report["llm_calls"] == result.llm_calls == len(state.requests) >= 1
    assert report["confusion"] == {"tp": 2, "fn": 0, "fp": 0, "tn": 2}
    assert report["precision"] == 1.0 and report["recall"] == 1.0 and report["false_positive_rate"] == 0.0
    assert report["by_tier"] == {"classifier": 2, "llm": 2} and report["unjudged"] == 0


async def test_all_mode_sends_every_line(emulator, eval_file: Path) -> None:
    state, base_url = emulator
    result = await run(base_url, eval_file, JudgeMode.ALL)
    assert result.judged_by_llm == 4 and result.as_json()["by_tier"] == {"llm": 4}
    assert sum(r["messages"][1]["content"].count("<message_data>") for r in state.requests) == 4


async def test_a_judge_that_is_down_is_reported_and_certain_spam_still_counts(emulator, eval_file: Path) -> None:
    state, base_url = emulator
    state.configure({"fault": "500"})
    result = await run(base_url, eval_file, JudgeMode.ALL)
    report = result.as_json()
    assert report["unjudged"] == 2  # the two uncertain lines
    # Scored as the bot would act past the deadline: the sure spam and the uncertain line that
    # leans to spam are removed offline; the one that leans to ham is let through.
    assert report["confusion"] == {"tp": 2, "fn": 0, "fp": 0, "tn": 2}


async def test_the_command_line_prints_the_cascades_figures(emulator, eval_file: Path) -> None:
    _, base_url = emulator
    env = dict(
        os.environ, LLM_BASE_URL=base_url, MODERATION_MODEL="emulated-judge", LLM_JUDGE="uncertain", JUDGE_TIMEOUT="30"
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "luka_bot",
        "eval",
        str(eval_file),
        "--judge",
        "--json",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    # A process of its own (aiogram, the classifier, the whole file judged): 46 s on a loaded
    # machine, over 60 s under four test workers there. The emulator answers at once.
    out, err = await asyncio.wait_for(proc.communicate(), timeout=240)
    assert proc.returncode == 0, err.decode()
    report = json.loads(out)
    assert report["judge_mode"] == "uncertain" and report["llm_calls"] >= 1
    assert {"precision", "recall", "false_positive_rate", "p50_ms", "p99_ms"} <= set(report)
    assert report["recall"] == 1.0
