"""Settings: a wrong or missing value stops the start with one clear line saying which and why."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import time
import urllib.request

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
    return subprocess.run(
        [sys.executable, "-m", "luka_bot", *args],
        capture_output=True,
        text=True,
        # The process imports aiogram before it fails (seconds of CPU): over 60 s on a machine
        # loaded by four test workers and other suites.
        timeout=240,
        env={"PATH": "/usr/bin:/bin", **env},
    )


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


# Start-up mistakes from issue 13: each ends in one line naming the setting and the fix, exit 2.


def _one_line_exit_2(result: subprocess.CompletedProcess[str], *names: str) -> str:
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("luka-bot: "), last
    for name in names:
        assert name in last, last
    return last


def _listening() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


def _hold(port: int, patience: float = 60.0) -> socket.socket | None:
    """Holds `port` busy; None when something else holds it all along (busy either way).

    Another holder may let go mid-test (another suite's copy of this test on a shared machine
    did) and the sandbox then took the port, so the test waits to hold it itself first."""
    deadline = time.monotonic() + patience
    while True:
        sock = socket.socket()
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            sock.close()
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.2)
            continue
        sock.listen()
        return sock


def test_a_token_whose_id_is_not_digits_is_refused_before_aiogram_sees_it(tmp_path):
    result = _run_cli("run", env={"HOME": str(tmp_path), "BOT_TOKEN": "abc:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"})
    assert "numeric id" in _one_line_exit_2(result, "BOT_TOKEN")


def test_a_redis_url_with_a_port_that_is_not_a_number(tmp_path):
    result = _run_cli("run", env={"HOME": str(tmp_path), "BOT_TOKEN": "1:x", "REDIS_URL": "redis://localhost:abc/0"})
    assert "redis://host:6379/0" in _one_line_exit_2(result, "REDIS_URL")


def test_telegram_unreachable_names_telegram_api_url(tmp_path, embedded_redis_url):
    closed = _listening()
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there now
    result = _run_cli(
        "run",
        env={
            "HOME": str(tmp_path),
            "BOT_TOKEN": "1:x",
            "REDIS_URL": embedded_redis_url,
            "REDIS_KEY_PREFIX": "clitest",
            "WEB_PORT": "0",
            "TELEGRAM_API_URL": f"http://127.0.0.1:{port}",
        },
    )
    assert "cannot reach Telegram" in _one_line_exit_2(result, "TELEGRAM_API_URL")


def test_a_busy_web_port_names_web_port(tmp_path, embedded_redis_url):
    busy = _listening()
    port = busy.getsockname()[1]
    try:
        result = _run_cli(
            "run",
            env={
                "HOME": str(tmp_path),
                "BOT_TOKEN": "1:x",
                "REDIS_URL": embedded_redis_url,
                "REDIS_KEY_PREFIX": "clitest",
                "WEB_PORT": str(port),
            },
        )
    finally:
        busy.close()
    assert "in use" in _one_line_exit_2(result, "WEB_PORT", str(port))


def test_a_busy_sandbox_port_given_with_port_exits_2(tmp_path):
    busy = _listening()
    port = busy.getsockname()[1]
    try:
        result = _run_cli(
            "sandbox",
            "--no-browser",
            "--port",
            str(port),
            "--data-dir",
            str(tmp_path / "d"),
            env={"HOME": str(tmp_path)},
        )
    finally:
        busy.close()
    _one_line_exit_2(result, "--port", str(port))


def test_metrics_behind_a_token_needs_the_token_set(monkeypatch):
    monkeypatch.setenv("METRICS_REQUIRE_TOKEN", "true")
    monkeypatch.delenv("DASHBOARD_TOKEN", raising=False)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "DASHBOARD_TOKEN" in str(caught.value) and "METRICS_REQUIRE_TOKEN" in str(caught.value)


def _wait_for_line(process: subprocess.Popen[str], needle: str, timeout: float = 240) -> str:
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    assert process.stdout is not None
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        lines.append(line)
        if needle in line:
            return line
    raise AssertionError(
        f"{needle!r} not printed; got {lines!r}, stderr {process.stderr.read() if process.stderr else ''}"
    )


def _healthy(url: str, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status == 200
        except OSError:  # 503 until the first poll succeeds
            time.sleep(0.2)
    return False


# One xdist worker runs both: they hold 8080 and 8090, and one releasing them while the other's
# sandbox started let that sandbox take 8090 (it failed so under four workers).
@pytest.mark.xdist_group("ports_8080_8090")
@pytest.mark.parametrize("explicit_port", [False, True], ids=["default-ports-busy", "port-given-8090-busy"])
def test_a_second_sandbox_takes_free_ports_instead_of_crashing(tmp_path, explicit_port):
    """8080 and 8090 busy (held here, or by whatever already holds them): the sandbox still starts,
    on free ports it prints, and its page and /healthz answer there."""
    held = [_hold(8080), _hold(8090)]
    args = ["sandbox", "--no-browser", "--data-dir", str(tmp_path / "d")]
    if explicit_port:
        free = _listening()
        port = free.getsockname()[1]
        free.close()
        args += ["--port", str(port)]
    process = subprocess.Popen(
        [sys.executable, "-m", "luka_bot", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    try:
        line = _wait_for_line(process, "luka-bot sandbox: open")
        page_port, web_port = (int(found) for found in re.findall(r"127\.0\.0\.1:(\d+)/", line))
        assert web_port != 8090 and page_port != 8080
        if explicit_port:
            assert page_port == port
        with urllib.request.urlopen(f"http://127.0.0.1:{page_port}/", timeout=10) as page:
            assert page.status == 200
        assert _healthy(f"http://127.0.0.1:{web_port}/healthz")
    finally:
        process.terminate()
        process.wait(timeout=30)
        for sock in held:
            if sock is not None:
                sock.close()


def test_a_webhook_url_that_is_not_http_exits_2(tmp_path):
    result = _run_cli("run", "--webhook", "bot.example.com/hook", env={"HOME": str(tmp_path), "BOT_TOKEN": "1:x"})
    _one_line_exit_2(result, "WEBHOOK_URL")
