"""The admin console: per group settings, policy, audit trail, cases, learned samples, a policy
playground and a backtest, for the group's own admins.

Sign-in: an admin writes /console to the bot in private and gets a one-time link (CONSOLE_LINK_TTL,
taken from Redis with GETDEL, so it works once) naming the groups where Telegram said they are an
admin. The operator signs in with DASHBOARD_TOKEN (`/console?token=`) and sees every group.

Access: every group page checks the group is in the session's scope and that the admin is still
an admin (the admin cache); every change asks Telegram afresh (getChatMember). Another group's
id in the address or a form is answered 403. Every form carries the session's CSRF token, checked
on POST; the session cookie is HttpOnly and SameSite=Lax. Pages are Jinja2 templates with
autoescape on, so member text, names and rule hits arrive as text, never as markup.

Changes reuse what the commands use: policy edits go through `policy.edit.apply_edit`, settings
through explicit field-by-field parsing and `GroupSettings` validation, cases through
`CaseStore.move` and the appeals' `restore`. Nothing here sets an attribute by a submitted name.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import redis.asyncio as aioredis
import structlog
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiohttp import web
from pydantic import ValidationError

from luka_bot.community.reputation import ReputationStore
from luka_bot.community.sanctions import SanctionStore
from luka_bot.moderation.cascade import Assessment, Band, Cascade
from luka_bot.moderation.learning import GroupLearning
from luka_bot.moderation.locks import LOCK_TYPES, LockScope
from luka_bot.moderation.verdict import (
    Action,
    Category,
    MemberContext,
    ModerationRequest,
    TrustLevel,
)
from luka_bot.policy.edit import Operation, PolicyEditError, apply_edit, describe
from luka_bot.policy.group import RULES_TEXT_MAX, GroupSettings, JudgeMode, Language
from luka_bot.store.audit import AuditEntry, AuditLog
from luka_bot.store.console_links import ConsoleLinks
from luka_bot.store.group_settings import GroupSettingsRepository
from luka_bot.store.keys import CONSOLE_SESSION_TTL, Keys
from luka_bot.store.known_groups import KnownGroups
from luka_bot.telegram.admins import ADMIN_STATUSES, AdminCache
from luka_bot.telegram.cases import Case, CaseStatus, CaseStore
from luka_bot.telegram.routers.appeals import restore
from luka_bot.texts import LANGUAGES, count
from luka_bot.texts.console import TEXTS

log = structlog.get_logger(__name__)

COOKIE = "luka_console"
CSRF_FIELD = "csrf"
AUDIT_SCAN = 500  # audit entries read for the filters and the case list
BACKTEST_MAX = 500
_OPEN = (CaseStatus.OPEN, CaseStatus.APPEALED)
_FLAGS = ("moderation_enabled", "dry_run", "moderate_admins", "assistant_enabled", "announce_achievements")
TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True, slots=True)
class Session:
    id: str
    user_id: int  # 0 for the operator
    name: str
    operator: bool
    groups: tuple[int, ...]  # the admin's groups at sign-in; the operator's is empty (all)
    csrf: str
    lang: str


@dataclass
class ConsoleDeps:
    redis: aioredis.Redis
    keys: Keys
    group_settings: GroupSettingsRepository
    audit: AuditLog
    cases: CaseStore
    admins: AdminCache
    bot: Bot
    cascade: Cascade
    learning: GroupLearning
    reputation: ReputationStore
    sanctions: SanctionStore
    operator_token: str = ""
    base_url: str = ""  # where links point; set once the web server knows its port
    clock: Callable[[], float] = field(default=time.time)


def _t(lang: str) -> Callable[..., str]:
    def translate(key: str, **values: object) -> str:
        variants = TEXTS[key]
        text = variants.get(lang) or variants["en"]
        return text.format(**values) if values else text  # autoescape escapes the result

    return translate


def _lang_of(code: str) -> str:
    return code if code in LANGUAGES else "en"


def _int(value: str | None, default: int | None = None) -> int | None:
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        return default


def settings_from_form(current: GroupSettings, form: dict[str, str]) -> GroupSettings:
    """The settings after the console's settings form: each field parsed explicitly, then the whole
    model validated again, as the commands do. Raises ValueError with a reason a person can read."""
    update: dict[str, Any] = {name: form.get(name) == "on" for name in _FLAGS}
    try:
        update["llm_judge"] = JudgeMode(form.get("llm_judge", ""))
        update["language"] = Language(form.get("language", ""))
    except ValueError:
        raise ValueError("unknown choice") from None
    rules_text = form.get("rules_text", "").replace("\r\n", "\n").strip()
    if len(rules_text) > RULES_TEXT_MAX:
        raise ValueError(f"the rules are {len(rules_text)} characters; at most {RULES_TEXT_MAX}")
    update["rules_text"] = rules_text
    budget = _int(form.get("llm_daily_budget"))
    if budget is None:
        raise ValueError("LLM calls per day must be a whole number")
    update["llm_daily_budget"] = budget
    if any(key.startswith("lock.") for key in form):
        # Content locks (moderation/locks.py): one choice per type, off / all / newcomers.
        locks: dict[str, str] = {}
        for name in LOCK_TYPES:
            choice = form.get(f"lock.{name}", "off")
            if choice not in ("off", *(scope.value for scope in LockScope)):
                raise ValueError("unknown choice")
            if choice != "off":
                locks[name] = choice
        update["locks"] = locks
    try:
        return GroupSettings.model_validate(
            {
                **current.model_dump(mode="json"),
                **{k: (v.value if hasattr(v, "value") else v) for k, v in update.items()},
            }
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ValueError(f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}") from None


def request_from_audit(chat_id: int, entry: AuditEntry) -> ModerationRequest:
    """A recorded decision as a request to judge again. What the audit did not keep (the member's
    history, flood signals) is taken as a regular member's, the same for both sides of a backtest."""
    f = entry.fields
    return ModerationRequest(
        chat_id=chat_id,
        message_id=_int(f.get("message_id"), 0) or 0,
        user_id=_int(f.get("user_id"), 0) or 0,
        text=f.get("text", ""),
        member=MemberContext(trust=TrustLevel.MEMBER, is_first_message=False, messages_in_group=100),
    )


@dataclass(frozen=True, slots=True)
class BacktestRow:
    entry: AuditEntry
    before: Assessment
    after: Assessment


class Console:
    def __init__(self, deps: ConsoleDeps) -> None:
        self.d = deps
        self.links = ConsoleLinks(deps.redis, deps.keys, lambda: deps.base_url)
        self.groups = KnownGroups(deps.redis, deps.keys)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES),
            autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
            undefined=jinja2.StrictUndefined,
        )

    # --- sessions ------------------------------------------------------------------------
    async def _new_session(
        self, response: web.StreamResponse, *, user_id: int, name: str, operator: bool, groups: list[int], lang: str
    ) -> None:
        sid = secrets.token_urlsafe(32)
        data = {
            "user_id": user_id,
            "name": name,
            "operator": operator,
            "groups": groups,
            "csrf": secrets.token_urlsafe(32),
            "lang": _lang_of(lang),
        }
        await self.d.redis.set(self.d.keys.console_session(sid), json.dumps(data), ex=CONSOLE_SESSION_TTL)
        response.set_cookie(COOKIE, sid, httponly=True, samesite="Lax", max_age=CONSOLE_SESSION_TTL, path="/console")

    async def _session(self, request: web.Request) -> Session | None:
        sid = request.cookies.get(COOKIE, "")
        if not sid or len(sid) > 100:
            return None
        raw = await self.d.redis.get(self.d.keys.console_session(sid))
        if raw is None:
            return None
        data = json.loads(raw)
        return Session(
            id=sid,
            user_id=int(data["user_id"]),
            name=str(data.get("name", "")),
            operator=bool(data["operator"]),
            groups=tuple(int(g) for g in data["groups"]),
            csrf=str(data["csrf"]),
            lang=_lang_of(str(data.get("lang", "en"))),
        )

    def _page(self, template: str, session: Session | None, *, status: int = 200, **values: Any) -> web.Response:
        lang = session.lang if session else "en"
        html = self.env.get_template(template).render(
            t=_t(lang), counted=count, lang=lang, session=session, csrf_field=CSRF_FIELD, **values
        )
        return web.Response(
            text=html,
            status=status,
            content_type="text/html",
            headers={
                "Cache-Control": "no-store",
                "X-Frame-Options": "DENY",
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
                "form-action 'self'; frame-ancestors 'none'",
            },
        )

    def _error(self, session: Session | None, status: int, key: str) -> web.Response:
        return self._page("message.html", session, status=status, message_key=key)

    # --- access ----------------------------------------------------------------------------
    async def _group_access(self, request: web.Request, *, change: bool) -> tuple[Session, int] | web.Response:
        session = await self._session(request)
        if session is None:
            return self._error(None, 401, "err.signin")
        chat_id = _int(request.match_info.get("chat_id"))
        if chat_id is None:
            raise web.HTTPNotFound()
        if change:
            form = await request.post()
            if not hmac.compare_digest(str(form.get(CSRF_FIELD, "")).encode(), session.csrf.encode()):
                log.warning("console.csrf_refused", user_id=session.user_id, chat_id=chat_id)
                return self._error(session, 403, "err.csrf")
        if session.operator:
            return session, chat_id
        if chat_id not in session.groups or not await self._still_admin(chat_id, session.user_id, fresh=change):
            log.warning("console.forbidden", user_id=session.user_id, chat_id=chat_id, change=change)
            return self._error(session, 403, "err.forbidden")
        return session, chat_id

    async def _still_admin(self, chat_id: int, user_id: int, *, fresh: bool) -> bool:
        if not fresh:
            return await self.d.admins.is_admin(chat_id, user_id)
        try:  # a change: ask Telegram now, not the cache (a demotion minutes ago must count)
            member = await self.d.bot.get_chat_member(chat_id, user_id)
        except TelegramAPIError:
            return False
        return member.status in ADMIN_STATUSES

    async def _titles(self, chat_ids: list[int] | None) -> list[tuple[int, str]]:
        known = await self.groups.titles()
        ids = list(known) if chat_ids is None else chat_ids
        rows = [(c, known.get(c) or str(c)) for c in ids]
        return sorted(rows, key=lambda item: item[1].lower())

    # --- pages -----------------------------------------------------------------------------
    async def login(self, request: web.Request) -> web.StreamResponse:
        token = request.query.get("t", "")
        grant = await self.links.take(token)
        if grant is None:
            return self._error(None, 403, "err.link")
        response = web.HTTPSeeOther("/console")
        await self._new_session(
            response, user_id=grant.user_id, name=grant.name, operator=False, groups=grant.groups, lang=grant.lang
        )
        log.info("console.signed_in", user_id=grant.user_id, groups=len(grant.groups))
        raise response

    async def home(self, request: web.Request) -> web.StreamResponse:
        token = request.query.get("token", "")
        if token:
            if not self.d.operator_token or not hmac.compare_digest(token.encode(), self.d.operator_token.encode()):
                return self._error(None, 401, "err.signin")
            response = web.HTTPSeeOther("/console")
            await self._new_session(
                response, user_id=0, name="", operator=True, groups=[], lang=request.query.get("lang", "en")
            )
            raise response
        session = await self._session(request)
        if session is None:
            return self._error(None, 401, "err.signin")
        groups = await self._titles(None if session.operator else list(session.groups))
        return self._page("home.html", session, groups=groups)

    async def logout(self, request: web.Request) -> web.StreamResponse:
        session = await self._session(request)
        form = await request.post()
        if session is None or not hmac.compare_digest(str(form.get(CSRF_FIELD, "")).encode(), session.csrf.encode()):
            return self._error(session, 403, "err.csrf")
        await self.d.redis.delete(self.d.keys.console_session(session.id))
        response = web.HTTPSeeOther("/console")
        response.del_cookie(COOKIE, path="/console")
        raise response

    async def language(self, request: web.Request) -> web.StreamResponse:
        session = await self._session(request)
        form = await request.post()
        if session is None or not hmac.compare_digest(str(form.get(CSRF_FIELD, "")).encode(), session.csrf.encode()):
            return self._error(session, 403, "err.csrf")
        raw = await self.d.redis.get(self.d.keys.console_session(session.id))
        if raw is not None:
            data = json.loads(raw)
            data["lang"] = _lang_of(str(form.get("lang", "en")))
            await self.d.redis.set(self.d.keys.console_session(session.id), json.dumps(data), keepttl=True)
        raise web.HTTPSeeOther(
            str(form.get("back", "/console")) if str(form.get("back", "")).startswith("/console") else "/console"
        )

    async def _group_page(self, template: str, session: Session, chat_id: int, tab: str, **values: Any) -> web.Response:
        title = await self.groups.title(chat_id) or str(chat_id)
        return self._page(template, session, chat_id=chat_id, group_title=title, tab=tab, **values)

    async def settings_page(
        self, request: web.Request, *, notice: str = "", error: str = "", status: int = 200
    ) -> web.Response:
        access = await self._group_access(request, change=False)
        if isinstance(access, web.Response):
            return access
        session, chat_id = access
        settings = await self.d.group_settings.get(chat_id)
        response = await self._group_page(
            "settings.html",
            session,
            chat_id,
            "settings",
            settings=settings,
            flags=_FLAGS,
            judge_modes=list(JudgeMode),
            languages=list(Language),
            lock_types=LOCK_TYPES,
            policy_rows=describe(settings.rules),
            operations=list(Operation),
            notice=notice,
            error=error,
        )
        response.set_status(status)
        return response

    async def save_settings(self, request: web.Request) -> web.Response:
        access = await self._group_access(request, change=True)
        if isinstance(access, web.Response):
            return access
        session, chat_id = access
        form = {k: str(v) for k, v in (await request.post()).items()}
        try:
            settings_from_form(await self.d.group_settings.get(chat_id), form)  # refuse before writing
            await self.d.group_settings.update(chat_id, lambda current: settings_from_form(current, form))
        except ValueError as exc:
            return await self.settings_page(request, error=str(exc), status=400)
        log.info("console.settings_saved", chat_id=chat_id, user_id=session.user_id)
        return await self.settings_page(request, notice="saved")

    async def save_policy(self, request: web.Request) -> web.Response:
        access = await self._group_access(request, change=True)
        if isinstance(access, web.Response):
            return access
        session, chat_id = access
        form = await request.post()
        try:
            operation = Operation(str(form.get("op", "")))
            path, value = str(form.get("path", "")).strip(), str(form.get("value", ""))
            await self.d.group_settings.update(
                chat_id,
                lambda current: current.model_copy(update={"rules": apply_edit(current.rules, operation, path, value)}),
            )
        except (ValueError, PolicyEditError) as exc:  # PolicyEditError is a ValueError; an unknown op too
            return await self.settings_page(request, error=str(exc), status=400)
        log.info("console.policy_saved", chat_id=chat_id, user_id=session.user_id, path=path)
        return await self.settings_page(request, notice="saved")

    async def audit_page(self, request: web.Request) -> web.Response:
        access = await self._group_access(request, change=False)
        if isinstance(access, web.Response):
            return access
        session, chat_id = access
        action, category = request.query.get("action", ""), request.query.get("category", "")
        user = _int(request.query.get("user"))
        entries = [
            e
            for e in await self.d.audit.recent(chat_id, count=AUDIT_SCAN)
            if (not action or e.fields.get("action") == action)
            and (not category or e.fields.get("category") == category)
            and (user is None or e.fields.get("user_id") == str(user))
        ][:200]
        return await self._group_page(
            "audit.html",
            session,
            chat_id,
            "audit",
            entries=entries,
            actions=[a.value for a in Action],
            categories=[c.value for c in Category],
            action=action,
            category=category,
            user="" if user is None else user,
        )

    async def _cases(self, chat_id: int) -> list[Case]:
        seen: set[int] = set()
        found: list[Case] = []
        for entry in await self.d.audit.recent(chat_id, count=AUDIT_SCAN):
            message_id = _int(entry.fields.get("message_id"))
            if message_id is None or message_id in seen or entry.fields.get("action") == Action.ALLOW.value:
                continue
            seen.add(message_id)
            case = await self.d.cases.get(chat_id, message_id)
            if case is not None:
                found.append(case)
        return found

    async def cases_page(self, request: web.Request, *, notice: str = "", status: int = 200) -> web.Response:
        access = await self._group_access(request, change=False)
        if isinstance(access, web.Response):
            return access
        session, chat_id = access
        response = await self._group_page(
            "cases.html", session, chat_id, "cases", cases=await self._cases(chat_id), open_states=_OPEN, notice=notice
        )
        response.set_status(status)
        return response

    async def decide_case(self, request: web.Request) -> web.Response:
        access = await self._group_access(request, change=True)
        if isinstance(access, web.Response):
            return access
        session, chat_id = access
        form = await request.post()
        message_id = _int(str(form.get("message_id", "")))
        case = await self.d.cases.get(chat_id, message_id) if message_id is not None else None
        if case is None:  # the case is read under the group of the address, never the form's
            raise web.HTTPNotFound()
        lang = (await self.d.group_settings.get(chat_id)).language.value
        if form.get("decision") == "confirm":
            moved = await self.d.cases.move(chat_id, case.message_id, CaseStatus.CONFIRMED, allowed_from=_OPEN)
            notice = "case.confirmed"
        elif form.get("decision") == "restore":
            moved = await self.d.cases.move(
                chat_id, case.message_id, CaseStatus.RESTORED, allowed_from=(*_OPEN, CaseStatus.CONFIRMED)
            )
            if moved:  # the Restore button's own reversal: lift, forgive, repost, teach
                await restore(
                    self.d.bot,
                    case,
                    lang=lang,
                    sanctions=self.d.sanctions,
                    reputation=self.d.reputation,
                    learning=self.d.learning,
                )
            notice = "case.restored"
        else:
            raise web.HTTPBadRequest()
        log.info(
            "console.case_decided",
            chat_id=chat_id,
            message_id=case.message_id,
            user_id=session.user_id,
            decision=str(form.get("decision")),
            moved=moved,
        )
        return await self.cases_page(request, notice=notice if moved else "case.already", status=200 if moved else 409)

    async def samples_page(self, request: web.Request) -> web.Response:
        access = await self._group_access(request, change=False)
        if isinstance(access, web.Response):
            return access
        session, chat_id = access
        rows = await self.d.redis.lrange(self.d.keys.samples(chat_id), -200, -1)
        samples: list[tuple[str, str]] = []
        for row in reversed(rows):
            try:
                label, text = json.loads(row)
            except (ValueError, TypeError):
                continue
            samples.append((str(label), str(text)))
        return await self._group_page("samples.html", session, chat_id, "samples", samples=samples)

    async def playground(self, request: web.Request) -> web.Response:
        access = await self._group_access(request, change=request.method == "POST")
        if isinstance(access, web.Response):
            return access
        session, chat_id = access
        settings = await self.d.group_settings.get(chat_id)
        text, newcomer, result = "", False, None
        if request.method == "POST":
            form = await request.post()
            text = str(form.get("text", ""))[:4096]
            newcomer = form.get("newcomer") == "on"
            member = (
                MemberContext()
                if newcomer
                else MemberContext(trust=TrustLevel.MEMBER, is_first_message=False, messages_in_group=100)
            )
            group = await self.d.learning.model_for(chat_id)
            # The offline tiers only: no LLM call, nothing enforced, nothing counted.
            result = self.d.cascade.assess(
                ModerationRequest(chat_id=chat_id, message_id=0, user_id=0, text=text, member=member), settings, group
            )
        llm_asked = (
            result is not None
            and settings.llm_judge is not JudgeMode.OFF
            and (
                result.band is Band.UNCERTAIN
                or (settings.llm_judge is JudgeMode.ALL and result.band in (Band.SPAM, Band.HAM))
            )
        )
        return await self._group_page(
            "playground.html",
            session,
            chat_id,
            "playground",
            text=text,
            newcomer=newcomer,
            result=result,
            llm_asked=llm_asked,
            judge_mode=settings.llm_judge.value,
        )

    async def backtest(self, request: web.Request) -> web.Response:
        access = await self._group_access(request, change=request.method == "POST")
        if isinstance(access, web.Response):
            return access
        session, chat_id = access
        settings = await self.d.group_settings.get(chat_id)
        values: dict[str, Any] = {
            "op": "set",
            "path": "",
            "value": "",
            "count": 100,
            "rows": None,
            "total": 0,
            "error": "",
            "operations": list(Operation),
            "paths": [p for p, _ in describe(settings.rules)],
        }
        if request.method == "POST":
            form = await request.post()
            count = max(1, min(BACKTEST_MAX, _int(str(form.get("count", "")), 100) or 100))
            values.update(
                op=str(form.get("op", "")),
                path=str(form.get("path", "")).strip(),
                value=str(form.get("value", "")),
                count=count,
            )
            try:
                changed = settings.model_copy(
                    update={
                        "rules": apply_edit(settings.rules, Operation(values["op"]), values["path"], values["value"])
                    }
                )
            except ValueError as exc:
                values["error"] = str(exc)
            else:
                group = await self.d.learning.model_for(chat_id)
                entries = [e for e in await self.d.audit.recent(chat_id, count=count) if e.fields.get("text")]
                rows = []
                for entry in entries:
                    req = request_from_audit(chat_id, entry)
                    before = self.d.cascade.assess(req, settings, group)
                    after = self.d.cascade.assess(req, changed, group)
                    if (before.verdict.action, before.band) != (after.verdict.action, after.band):
                        rows.append(BacktestRow(entry, before, after))
                values.update(rows=rows, total=len(entries))
        return await self._group_page("backtest.html", session, chat_id, "backtest", **values)

    def register(self, app: web.Application) -> None:
        group = "/console/g/{chat_id}"
        app.router.add_get("/console", self.home)
        app.router.add_get("/console/login", self.login)
        app.router.add_post("/console/logout", self.logout)
        app.router.add_post("/console/language", self.language)
        app.router.add_get(group, self.settings_page)
        app.router.add_post(group + "/settings", self.save_settings)
        app.router.add_post(group + "/policy", self.save_policy)
        app.router.add_get(group + "/audit", self.audit_page)
        app.router.add_get(group + "/cases", self.cases_page)
        app.router.add_post(group + "/cases", self.decide_case)
        app.router.add_get(group + "/samples", self.samples_page)
        app.router.add_get(group + "/playground", self.playground)
        app.router.add_post(group + "/playground", self.playground)
        app.router.add_get(group + "/backtest", self.backtest)
        app.router.add_post(group + "/backtest", self.backtest)
