"""`/healthz`, `/readyz` and `/metrics` on WEB_PORT.

The state they report is luka_bot/health.py's `Health`.
"""

from __future__ import annotations

import hmac

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from luka_bot.health import Check as Check  # named here too: the web app's callers import it from here
from luka_bot.health import Health as Health
from luka_bot.metrics import Metrics


def create_web_app(
    health: Health, metrics: Metrics, *, receives_updates: bool | None = None, metrics_token: str = ""
) -> web.Application:
    """`metrics_token` set: `/metrics` asks for `Authorization: Bearer <token>` (METRICS_REQUIRE_TOKEN)."""
    if receives_updates is not None:
        health.receives_updates = receives_updates

    async def healthz(_: web.Request) -> web.Response:
        # 200 only while this process can store and receive updates and its worker turns: the
        # contract of SANDBOX_API.md. The body names what is wrong.
        ok, body = health.report(metrics)
        return web.json_response(body, status=200 if ok else 503, headers={"Cache-Control": "no-store"})

    async def readyz(_: web.Request) -> web.Response:
        ok, body = health.report(metrics, readiness=True)
        ready_body = {"ready": ok, **body}
        return web.json_response(ready_body, status=200 if ok else 503, headers={"Cache-Control": "no-store"})

    async def metrics_view(request: web.Request) -> web.Response:
        if metrics_token:
            given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            if not hmac.compare_digest(given.encode(), metrics_token.encode()):
                return web.Response(
                    status=401,
                    text="Send Authorization: Bearer <DASHBOARD_TOKEN>.\n",
                    headers={"WWW-Authenticate": "Bearer"},
                )
        health.export(metrics)
        body = generate_latest(metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_view)
    return app
