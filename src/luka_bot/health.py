"""What /healthz and /readyz report (web/server.py serves it): storage, polling and the worker.

Health is decided from three parts, each checked continuously so that an outage shows within a
few seconds rather than when the next update happens to fail:
- storage: a probe PINGs Redis every second (`App._watch_storage`);
- polling: every getUpdates reports success or failure, and the poller says when it holds the
  updates at Telegram because storage is down;
- worker: the worker loop beats on every turn; a loop that ended or stopped beating is dead.

Its own module, not web/'s: the poller (telegram/) writes to it, and telegram/ must not import web/.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from luka_bot.metrics import Metrics


@dataclass(frozen=True)
class Check:
    ok: bool
    reason: str = ""  # why not ok, for a person reading /readyz


class Health:
    """The state /healthz and /readyz report; the parts of the app write to it as things happen."""

    STORAGE_STALE_AFTER = 5.0  # no successful PING for this long: storage is down
    POLL_FAILURES_UNHEALTHY = 3  # consecutive failed getUpdates calls
    # A long poll may legitimately take its whole timeout (25 s); past this, polling is stuck.
    POLL_STALL_AFTER = 45.0
    WORKER_STUCK_AFTER = 25.0  # the loop beats at least every ~10 s even while Redis is away

    def __init__(
        self, *, receives_updates: bool = True, runs_worker: bool = False, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.receives_updates = receives_updates
        self.runs_worker = runs_worker
        self._clock = clock
        self.stopping = False
        # storage
        self.storage_checked = False
        self.last_storage_ok: float | None = None
        self.storage_error = ""
        # polling
        self.last_poll_ok: float | None = None
        self.poll_started: float | None = None
        self.poll_failures = 0
        self.poll_error = ""
        self.held_reason = ""  # updates are left at Telegram until storage is back
        # worker
        self.worker_running = False
        self.worker_heartbeat: Callable[[], float] | None = None  # monotonic time of the last beat

    # --- written by the parts --------------------------------------------------------------
    def storage_ok(self) -> None:
        self.storage_checked = True
        self.last_storage_ok = self._clock()
        self.storage_error = ""

    def storage_failed(self, error: str) -> None:
        self.storage_checked = True
        self.storage_error = error or "no answer"

    def poll_begins(self) -> None:
        self.poll_started = self._clock()

    def mark_polled(self) -> None:
        self.last_poll_ok = self._clock()
        self.poll_started = None
        self.poll_failures = 0
        self.poll_error = ""

    def poll_failed(self, error: str) -> None:
        self.poll_started = None
        self.poll_failures += 1
        self.poll_error = error

    def hold(self, reason: str) -> None:
        self.held_reason = reason

    def release(self) -> None:
        self.held_reason = ""

    # --- read by the endpoints -------------------------------------------------------------
    def is_ready(self) -> bool:
        """Receiving updates: a getUpdates succeeded and polling has not failed or stalled since."""
        return self.polling().ok

    def storage(self) -> Check:
        if not self.storage_checked:
            return Check(False, "storage: not checked yet")
        now = self._clock()
        if self.last_storage_ok is None or now - self.last_storage_ok > self.STORAGE_STALE_AFTER:
            return Check(False, f"storage: Redis does not answer ({self.storage_error or 'no PING answered'})")
        if self.storage_error:
            return Check(False, f"storage: Redis does not answer ({self.storage_error})")
        return Check(True)

    def polling(self) -> Check:
        now = self._clock()
        if self.last_poll_ok is None:
            if self.poll_failures:
                return Check(False, f"polling: getUpdates fails ({self.poll_error})")
            return Check(False, "polling: no update fetched yet")
        if self.poll_failures >= self.POLL_FAILURES_UNHEALTHY:
            return Check(False, f"polling: getUpdates failed {self.poll_failures} times in a row ({self.poll_error})")
        if self.held_reason:
            return Check(False, f"polling: updates held at Telegram ({self.held_reason})")
        if self.poll_started is not None and now - self.poll_started > self.POLL_STALL_AFTER:
            return Check(False, f"polling: getUpdates has not returned for {now - self.poll_started:.0f} s")
        if self.poll_started is None and now - self.last_poll_ok > self.POLL_STALL_AFTER:
            return Check(False, f"polling: no getUpdates for {now - self.last_poll_ok:.0f} s")
        return Check(True)

    def worker(self) -> Check:
        if not self.worker_running:
            return Check(False, "worker: not running")
        if self.worker_heartbeat is not None:
            silent = self._clock() - self.worker_heartbeat()
            if silent > self.WORKER_STUCK_AFTER:
                return Check(False, f"worker: loop silent for {silent:.0f} s")
        return Check(True)

    def checks(self) -> dict[str, Check]:
        checks = {"storage": self.storage()}
        if self.receives_updates:
            checks["polling"] = self.polling()
        if self.runs_worker:
            checks["worker"] = self.worker()
        return checks

    def report(self, metrics: Metrics | None = None, *, readiness: bool = False) -> tuple[bool, dict[str, object]]:
        """(ok, JSON body). Readiness also turns false while the process shuts down: it takes no
        new work then, though it is alive and finishing what it holds."""
        checks = self.checks()
        if metrics is not None:
            self.export(metrics, checks)
        reasons = [check.reason for check in checks.values() if not check.ok]
        if readiness and self.stopping:
            reasons.append("stopping: shutting down")
        body: dict[str, object] = {
            "ok": not reasons,
            "checks": {
                name: {"ok": check.ok, **({"reason": check.reason} if check.reason else {})}
                for name, check in checks.items()
            },
            # kept from the first version of /healthz
            "receiving_updates": self.polling().ok if self.receives_updates else False,
            "worker": self.worker().ok if self.runs_worker else False,
        }
        if reasons:
            body["reasons"] = reasons
        return not reasons, body

    def export(self, metrics: Metrics, checks: dict[str, Check] | None = None) -> None:
        checks = checks if checks is not None else self.checks()
        metrics.storage_up.set(1 if checks["storage"].ok else 0)
        metrics.polling_ok.set(1 if self.receives_updates and self.polling().ok else 0)
        metrics.worker_alive.set(1 if self.runs_worker and self.worker().ok else 0)
