"""`/healthz` and `/metrics` on WEB_PORT."""

from __future__ import annotations

import hmac
import time

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from luka_bot.metrics import Metrics


class Health:
    """Ready once updates are flowing: the first successful getUpdates (or webhook) marks it."""

    STALE_AFTER = 120.0  # no successful poll for this long: not healthy

    def __init__(self) -> None:
        self.last_poll_ok: float | None = None
        self.worker_running = False

    def mark_polled(self) -> None:
        self.last_poll_ok = time.monotonic()

    def is_ready(self) -> bool:
        return self.last_poll_ok is not None and time.monotonic() - self.last_poll_ok < self.STALE_AFTER


def create_web_app(health: Health, metrics: Metrics, *, receives_updates: bool = True,
                   metrics_token: str = "") -> web.Application:
    """`metrics_token` set: `/metrics` asks for `Authorization: Bearer <token>` (METRICS_REQUIRE_TOKEN)."""

    async def healthz(_: web.Request) -> web.Response:
        ready = health.is_ready() if receives_updates else health.worker_running
        status = 200 if ready else 503
        return web.json_response({"ok": ready, "receiving_updates": health.is_ready(),
                                  "worker": health.worker_running}, status=status)

    async def metrics_view(request: web.Request) -> web.Response:
        if metrics_token:
            given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            if not hmac.compare_digest(given.encode(), metrics_token.encode()):
                return web.Response(status=401, text="Send Authorization: Bearer <DASHBOARD_TOKEN>.\n",
                                    headers={"WWW-Authenticate": "Bearer"})
        body = generate_latest(metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_view)
    return app
