"""Settings: a wrong or missing value stops the start with one clear line saying which and why."""

from __future__ import annotations

import subprocess
import sys

import pytest

from luka_bot.settings import SettingsError, load_settings


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"WEB_PORT": "not-a-port"}, "WEB_PORT"),
        ({"WEB_PORT": "70000"}, "WEB_PORT"),
        ({"LLM_JUDGE": "sometimes"}, "LLM_JUDGE"),
        ({"TELEGRAM_API_URL": "api.telegram.org"}, "TELEGRAM_API_URL"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL"),
        ({"BOT_TOKEN": "no-colon"}, "BOT_TOKEN"),
        ({"REDIS_KEY_PREFIX": "has space"}, "REDIS_KEY_PREFIX"),
    ],
    ids=["port-text", "port-range", "judge-mode", "url-scheme", "redis-scheme", "token-shape", "prefix"],
)
def test_a_wrong_setting_names_itself(monkeypatch, env, expected):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert expected in message and "\n" not in message


def test_defaults_are_usable(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env here
    for name in ("REDIS_URL", "WEB_PORT", "LLM_JUDGE"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.redis_url is None and settings.web_port == 8090 and settings.llm_judge.value == "uncertain"


def _run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "luka_bot", *args], capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin", **env})


def test_run_without_a_token_exits_2_with_one_line(tmp_path):
    result = _run_cli("run", env={"HOME": str(tmp_path)})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "BOT_TOKEN" in result.stderr and "Traceback" not in result.stderr


def test_run_with_a_bad_setting_exits_2_naming_it(tmp_path):
    result = _run_cli("run", env={"HOME": str(tmp_path), "BOT_TOKEN": "1:x", "LLM_JUDGE": "maybe"})
    assert result.returncode == 2 and "LLM_JUDGE" in result.stderr and "Traceback" not in result.stderr


def test_run_with_an_unreachable_redis_exits_2(tmp_path):
    result = _run_cli("run", env={"HOME": str(tmp_path), "BOT_TOKEN": "1:x", "REDIS_URL": "redis://127.0.0.1:1/0"})
    assert result.returncode == 2 and "REDIS_URL" in result.stderr and "Traceback" not in result.stderr
