"""What /healthz and /readyz decide from: storage PINGs, getUpdates outcomes, the worker's beat."""

from __future__ import annotations

from luka_bot.metrics import Metrics
from luka_bot.web.server import Health


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def healthy(clock: Clock) -> tuple[Health, list[float]]:
    beat = [clock.now]
    health = Health(receives_updates=True, runs_worker=True, clock=clock)
    health.storage_ok()
    health.mark_polled()
    health.worker_running = True
    health.worker_heartbeat = lambda: beat[0]
    return health, beat


def test_all_parts_well_is_ready_and_says_so_in_metrics() -> None:
    clock = Clock()
    health, _ = healthy(clock)
    metrics = Metrics()
    ok, body = health.report(metrics, readiness=True)
    assert ok and "reasons" not in body
    assert metrics.storage_up._value.get() == 1 and metrics.polling_ok._value.get() == 1
    assert metrics.worker_alive._value.get() == 1


def test_a_failed_ping_is_unhealthy_at_once_and_a_silent_storage_after_a_few_seconds() -> None:
    clock = Clock()
    health, beat = healthy(clock)
    health.storage_failed("ConnectionError: refused")
    ok, body = health.report()
    assert not ok and body["reasons"] == ["storage: Redis does not answer (ConnectionError: refused)"]
    health.storage_ok()
    clock.now += Health.STORAGE_STALE_AFTER + 1  # the probe itself hangs: no answer for seconds
    beat[0] = clock.now
    health.mark_polled()
    assert [r.split(":")[0] for r in health.report()[1]["reasons"]] == ["storage"]


def test_polling_failing_repeatedly_held_or_stalled_is_named() -> None:
    clock = Clock()
    health, _ = healthy(clock)
    for _ in range(Health.POLL_FAILURES_UNHEALTHY - 1):
        health.poll_failed("TelegramServerError: 502")
    assert health.report()[0]  # one or two failures are retried quietly
    health.poll_failed("TelegramServerError: 502")
    assert health.report()[1]["reasons"] == ["polling: getUpdates failed 3 times in a row (TelegramServerError: 502)"]
    health.mark_polled()
    health.hold("storage unreachable")
    assert health.report()[1]["reasons"] == ["polling: updates held at Telegram (storage unreachable)"]
    health.release()
    health.poll_begins()
    clock.now += Health.POLL_STALL_AFTER + 1
    health.storage_ok()
    reasons = health.report()[1]["reasons"]
    assert any(r.startswith("polling: getUpdates has not returned") for r in reasons)


def test_a_worker_that_stopped_beating_or_ended_is_not_alive() -> None:
    clock = Clock()
    health, beat = healthy(clock)
    clock.now += Health.WORKER_STUCK_AFTER + 1
    health.storage_ok()
    health.mark_polled()
    assert health.report()[1]["reasons"][0].startswith("worker: loop silent")
    beat[0] = clock.now
    assert health.report()[0]
    health.worker_running = False
    assert health.report()[1]["reasons"] == ["worker: not running"]


def test_stopping_is_not_ready_but_still_live() -> None:
    health, _ = healthy(Clock())
    health.stopping = True
    assert health.report()[0] is True
    ok, body = health.report(readiness=True)
    assert not ok and body["reasons"] == ["stopping: shutting down"]


def test_a_worker_only_process_does_not_need_polling() -> None:
    clock = Clock()
    health = Health(receives_updates=False, runs_worker=True, clock=clock)
    health.storage_ok()
    health.worker_running = True
    ok, body = health.report()
    assert ok and set(body["checks"]) == {"storage", "worker"}
