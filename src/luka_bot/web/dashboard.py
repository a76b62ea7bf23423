"""A read-only admin dashboard on WEB_PORT: the job queue, dead letters, and per group its
settings and recent moderation decisions.

It shows members' messages, so it is off unless DASHBOARD_TOKEN is set, and then every page asks
for that token (`?token=` once, remembered in a cookie, or `Authorization: Bearer`). Everything
shown is escaped: member text and names arrive from Telegram.
"""

from __future__ import annotations

import hmac
from html import escape
from typing import Protocol

import redis.asyncio as aioredis
from aiohttp import web

from luka_bot.jobs.partitions import PartitionedQueue
from luka_bot.jobs.queue import JobQueue
from luka_bot.store.audit import AuditLog
from luka_bot.store.group_settings import GroupSettingsRepository
from luka_bot.store.keys import Keys
from luka_bot.store.known_groups import KnownGroups

COOKIE = "luka_dashboard"
STYLE = """body{font:14px system-ui,sans-serif;margin:24px;color:#1d2733}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #e3e8ee;padding:6px 8px;text-align:left;vertical-align:top}th{background:#f4f6f9}
.num{text-align:right}.muted{color:#6b7785}a{color:#2a6fdb}h1{font-size:20px}h2{font-size:16px;margin-top:28px}
code{background:#f4f6f9;padding:1px 4px;border-radius:3px}"""


class _Pages(Protocol):
    async def __call__(self, request: web.Request, /) -> web.Response: ...


def _page(title: str, body: str) -> web.Response:
    html = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>"
    )
    return web.Response(text=html, content_type="text/html", headers={"Cache-Control": "no-store"})


def add_dashboard(
    app: web.Application,
    *,
    token: str,
    redis: aioredis.Redis,
    keys: Keys,
    queue: JobQueue | PartitionedQueue,
    audit: AuditLog,
    group_settings: GroupSettingsRepository,
) -> None:
    known_groups = KnownGroups(redis, keys)

    def authorised(request: web.Request) -> bool:
        given = (
            request.query.get("token")
            or request.cookies.get(COOKIE)
            or request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        )
        return bool(token) and hmac.compare_digest(given.encode(), token.encode())

    def guarded(handler: _Pages) -> _Pages:
        async def wrapper(request: web.Request) -> web.Response:
            if not token:
                return web.Response(status=404, text="The dashboard is off: set DASHBOARD_TOKEN to turn it on.\n")
            if not authorised(request):
                return web.Response(status=401, text="Add ?token=<DASHBOARD_TOKEN> to the address.\n")
            response = await handler(request)
            if request.query.get("token"):
                response.set_cookie(COOKIE, token, httponly=True, samesite="Strict")
            return response

        return wrapper

    async def overview(_: web.Request) -> web.Response:
        stats = await queue.backlog()
        groups = await known_groups.titles()
        dead = await queue.dead_letters(20)
        rows = "".join(
            f"<tr><td><a href='/groups/{chat_id}'>{escape(title or str(chat_id))}</a></td>"
            f"<td class='muted'>{chat_id}</td></tr>"
            for chat_id, title in sorted(groups.items(), key=lambda item: item[1].lower())
        )
        dead_rows = "".join(
            f"<tr><td>{escape(d.get('chat_id', ''))}</td><td>{escape(d.get('message_id', ''))}</td>"
            f"<td>{escape(d.get('error', ''))}</td></tr>"
            for d in dead
        )
        body = (
            "<h2>Moderation queue</h2><table><tr><th>in the stream</th><th>delivered, not finished</th>"
            "<th>waiting</th><th>dead letters</th></tr>"
            f"<tr><td class='num'>{stats.length}</td><td class='num'>{stats.pending}</td>"
            f"<td class='num'>{stats.undelivered}</td><td class='num'>{stats.dead_letters}</td></tr></table>"
            f"<h2>Groups ({len(groups)})</h2><table><tr><th>group</th><th>id</th></tr>{rows}</table>"
            + (
                f"<h2>Recent dead letters</h2><table><tr><th>chat</th><th>message</th><th>error</th></tr>"
                f"{dead_rows}</table>"
                if dead
                else ""
            )
        )
        return _page("luka-bot", body)

    async def group(request: web.Request) -> web.Response:
        try:
            chat_id = int(request.match_info["chat_id"])
        except ValueError:
            raise web.HTTPNotFound() from None
        settings = await group_settings.get(chat_id)
        entries = await audit.recent(chat_id, count=100)
        title = await known_groups.title(chat_id) or str(chat_id)
        flags = ", ".join(
            f"{name}: <code>{escape(str(value))}</code>"
            for name, value in (
                ("moderation", settings.moderation_enabled),
                ("dry run", settings.dry_run),
                ("assistant", settings.assistant_enabled),
                ("LLM judge", settings.llm_judge.value),
                ("language", settings.language.value),
            )
        )
        rows = "".join(
            f"<tr><td class='muted'>{escape(e.fields.get('name', ''))}</td>"
            f"<td>{escape(e.fields.get('text', '')[:300])}</td>"
            f"<td>{escape(e.fields.get('tier', ''))}</td><td>{escape(e.fields.get('action', ''))} / "
            f"{escape(e.fields.get('category', ''))}</td><td>{escape(e.fields.get('reason', ''))}</td>"
            f"<td>{escape(e.fields.get('actions', ''))}<div class='muted'>{escape(e.fields.get('errors', ''))}</div></td>"
            "</tr>"
            for e in entries
        )
        body = (
            f"<p><a href='/'>← all groups</a></p><p>{flags}</p>"
            f"<h2>Recent decisions ({len(entries)})</h2><table><tr><th>member</th><th>message</th><th>tier</th>"
            f"<th>verdict</th><th>reason</th><th>done</th></tr>{rows}</table>"
        )
        return _page(title, body)

    app.router.add_get("/", guarded(overview))
    app.router.add_get("/groups/{chat_id}", guarded(group))
