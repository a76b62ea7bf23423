"""The action executor: turns a verdict into what the chat sees, idempotently.

Order matters for the reply race: the verdict is written and the recorded bot replies are read in
one step (`ConversationStore.mark_removed`), then the user message and every reply go in one
`deleteMessages` call. Re-running the whole thing (a re-delivered job) is harmless: deletes of
deleted messages, the same restriction again, a violation id counted once, a notice sent once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

import redis.asyncio as aioredis
import structlog
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramBadRequest, TelegramForbiddenError
from aiogram.types import ChatPermissions

from luka_bot.community.ladder import Sanction
from luka_bot.community.reputation import ReputationStore
from luka_bot.community.sanctions import SanctionStore
from luka_bot.metrics import Metrics
from luka_bot.moderation.verdict import Action, Verdict
from luka_bot.policy.group import GroupSettings
from luka_bot.policy.ladder import SanctionKind
from luka_bot.store.audit import AuditLog
from luka_bot.store.conversation import ConversationStore
from luka_bot.store.keys import ACTION_DONE_TTL, Keys
from luka_bot.telegram.cases import Case, CaseStore, notice_keyboard, post_to_log
from luka_bot.telegram.rate_limit import OutboundLimiter
from luka_bot.texts import render
from luka_bot.texts.community import category_label, sanction_notice
from luka_bot.texts.moderation import TEXTS

log = structlog.get_logger(__name__)

PUBLIC_NOTICE_LIFETIME_S = 60
DEFAULT_MUTE_S = 3600
DEFAULT_BAN_S = 24 * 3600
_SEVERITY = {SanctionKind.WARN: 0, SanctionKind.MUTE: 1, SanctionKind.BAN: 2}
_VERDICT_FLOOR = {Action.MUTE: SanctionKind.MUTE, Action.BAN: SanctionKind.BAN}
MUTED = ChatPermissions(
    can_send_messages=False, can_send_audios=False, can_send_documents=False, can_send_photos=False,
    can_send_videos=False, can_send_video_notes=False, can_send_voice_notes=False, can_send_polls=False,
    can_send_other_messages=False, can_add_web_page_previews=False)


def effective_sanction(ladder: Sanction | None, verdict: Verdict) -> Sanction | None:
    """The ladder's step, raised to what the verdict itself asks for (a judge's `ban` is a ban)."""
    floor = _VERDICT_FLOOR.get(verdict.action)
    if floor is None:
        return ladder
    if ladder is not None and _SEVERITY[ladder.kind] >= _SEVERITY[floor]:
        return ladder
    duration = DEFAULT_BAN_S if floor is SanctionKind.BAN else DEFAULT_MUTE_S
    step = ladder.step if ladder else 0
    count = ladder.count_in_window if ladder else 1
    return Sanction(kind=floor, duration_s=duration, step=step, count_in_window=count)


@dataclass
class Enforcement:
    actions: list[str] = field(default_factory=list)
    sanction: Sanction | None = None
    errors: list[str] = field(default_factory=list)
    skipped: bool = False


@dataclass(frozen=True, slots=True)
class Target:
    chat_id: int
    chat_title: str
    message_id: int
    revision: int
    user_id: int
    name: str
    text: str

    @property
    def violation_id(self) -> str:
        """One revision of one message counts as one violation, however often its job runs."""
        return f"{self.chat_id}:{self.message_id}:{self.revision}"


class AfterBan(Protocol):
    async def __call__(self, chat_id: int, user_id: int, category: str) -> object: ...


SHARED_BAN_CATEGORIES = frozenset({"spam", "scam"})


class Enforcer:
    def __init__(self, bot: Bot, redis: aioredis.Redis, keys: Keys, *, conversation: ConversationStore,
                 reputation: ReputationStore, sanctions: SanctionStore, audit: AuditLog,
                 limiter: OutboundLimiter, metrics: Metrics,
                 notice_lifetime: float = PUBLIC_NOTICE_LIFETIME_S, cases: CaseStore | None = None,
                 after_ban: AfterBan | None = None) -> None:
        self._after_ban = after_ban
        self._bot = bot
        self._redis = redis
        self._keys = keys
        self._conversation = conversation
        self._reputation = reputation
        self._sanctions = sanctions
        self._audit = audit
        self._limiter = limiter
        self._metrics = metrics
        self._notice_lifetime = notice_lifetime
        self._cases = cases

    async def already_done(self, target: Target) -> bool:
        return bool(await self._redis.exists(self._keys.action_done(target.chat_id, target.message_id, target.revision)))

    async def enforce(self, target: Target, verdict: Verdict, settings: GroupSettings, *,
                      message_date: float, timings: dict[str, float] | None = None) -> Enforcement:
        result = Enforcement()
        if settings.dry_run:
            result.actions.append("dry_run")
        elif verdict.is_violation or verdict.removes_message:
            await self._act(target, verdict, settings, result)
        self._metrics.job_age_at_action.observe(max(0.0, time.time() - message_date))
        await self._audit.write(target.chat_id, {
            "message_id": target.message_id, "revision": target.revision, "user_id": target.user_id,
            "name": target.name, "text": target.text[:1000], "tier": verdict.tier.value,
            "action": verdict.action.value, "category": verdict.category.value,
            "confidence": f"{verdict.confidence:.3f}", "reason": verdict.reason[:300],
            "details": ";".join(f"{k}={v}" for k, v in verdict.details)[:500],
            "actions": ",".join(result.actions), "errors": ";".join(result.errors)[:500],
            "verdict_error": verdict.error or "", "verdict_ms": f"{verdict.elapsed_ms:.1f}",
            **{f"t_{k}": f"{v:.3f}" for k, v in (timings or {}).items()},
        })
        await self._redis.set(self._keys.action_done(target.chat_id, target.message_id, target.revision), "1",
                              ex=ACTION_DONE_TTL)
        log.info("moderation.enforced", chat_id=target.chat_id, message_id=target.message_id, tier=verdict.tier.value,
                 action=verdict.action.value, category=verdict.category.value, actions=result.actions,
                 errors=result.errors or None)
        return result

    async def _act(self, target: Target, verdict: Verdict, settings: GroupSettings, result: Enforcement) -> None:
        if verdict.removes_message:
            replies = await self._conversation.mark_removed(target.chat_id, target.message_id, verdict.category.value)
            await self._delete(target.chat_id, [target.message_id, *replies], result)
        if not verdict.is_violation:
            return
        outcome = await self._reputation.record_verdict(
            target.chat_id, target.user_id, verdict, policy=settings.ladder,
            violation_id=target.violation_id)
        sanction = effective_sanction(outcome.sanction if outcome else None, verdict)
        result.sanction = sanction
        if sanction is not None and sanction.kind is not SanctionKind.WARN:
            await self._restrict(target, sanction, result)
            if (self._after_ban is not None and sanction.kind is SanctionKind.BAN
                    and verdict.category.value in SHARED_BAN_CATEGORIES and any(a.startswith("ban:") for a in result.actions)):
                # Linked groups share bans for spam and scam (the newcomer gate applies them there).
                await self._after_ban(target.chat_id, target.user_id, verdict.category.value)
        case = await self._open_case(target, verdict, sanction)
        await self._notify(target, verdict, sanction, settings, result, case)
        await self._post_log(case, settings, result)

    async def _open_case(self, target: Target, verdict: Verdict, sanction: Sanction | None) -> Case | None:
        """What the notice's buttons refer to; kept as first written when a job runs again."""
        if self._cases is None:
            return None
        existing = await self._cases.get(target.chat_id, target.message_id)
        if existing is not None and existing.revision == target.revision:
            return existing
        case = Case(chat_id=target.chat_id, message_id=target.message_id, revision=target.revision,
                    user_id=target.user_id, name=target.name, text=target.text, category=verdict.category,
                    sanction=sanction.kind if sanction else None, duration_s=sanction.duration_s if sanction else None,
                    removed=verdict.removes_message, chat_title=target.chat_title,
                    violation_id=target.violation_id)
        await self._cases.open(case)
        return case

    async def _post_log(self, case: Case | None, settings: GroupSettings, result: Enforcement) -> None:
        if case is None or self._cases is None:
            return
        if not await self._cases.first_log_post(case.chat_id, case.message_id):
            return
        try:
            posted = await post_to_log(self._bot, self._cases, case, settings.language.value, appeal=False,
                                       fallback_to_group=False)
        except TelegramAPIError as exc:  # the log is a courtesy to admins: the action itself stands
            result.errors.append(f"log: {exc}")
            return
        if posted is not None:
            result.actions.append("log")

    async def _delete(self, chat_id: int, message_ids: list[int], result: Enforcement) -> None:
        try:
            await self._bot.delete_messages(chat_id, message_ids)
            result.actions.append(f"delete:{len(message_ids)}")
        except TelegramBadRequest as exc:
            result.errors.append(f"delete: {exc.message}")
        except TelegramForbiddenError as exc:
            result.errors.append(f"delete: {exc.message}")

    async def _restrict(self, target: Target, sanction: Sanction, result: Enforcement) -> None:
        now = time.time()
        until = sanction.until(now)
        until_date = int(until) if until is not None else None
        try:
            if target.user_id < 0:
                # Posted as a channel: the channel is what gets barred. Telegram has no timed or
                # mute variant for sender chats, so any mute or ban step bars it until unbanned.
                await self._bot.ban_chat_sender_chat(target.chat_id, target.user_id)
                until = None
            elif sanction.kind is SanctionKind.MUTE:
                await self._bot.restrict_chat_member(target.chat_id, target.user_id, MUTED, until_date=until_date)
            else:
                await self._bot.ban_chat_member(target.chat_id, target.user_id, until_date=until_date)
        except (TelegramBadRequest, TelegramForbiddenError) as exc:  # an admin; no right; bot removed
            result.errors.append(f"{sanction.kind.value}: {exc.message}")
            return
        await self._sanctions.set_sanction(target.chat_id, target.user_id, sanction.kind, until, now=now)
        result.actions.append(f"{sanction.kind.value}:{'permanent' if until is None else sanction.duration_s}")

    async def _notify(self, target: Target, verdict: Verdict, sanction: Sanction | None,
                      settings: GroupSettings, result: Enforcement, case: Case | None = None) -> None:
        first = await self._redis.set(self._keys.notice_sent(target.chat_id, target.message_id, target.revision),
                                      "1", nx=True, ex=ACTION_DONE_TTL)
        if not first:
            return  # this job ran before: the member was told already
        lang = settings.language.value
        reason = category_label(verdict.category, lang)
        sanction_text = sanction_notice(sanction.kind, sanction.duration_s, member=target.name, reason=reason,
                                         lang=lang) if sanction else ""
        if await self._redis.exists(self._keys.user_started(target.user_id)):
            key = "removed.dm" if verdict.removes_message else "warned.dm"
            text = render(TEXTS, key, lang, chat=target.chat_title or str(target.chat_id), reason=reason)
            if sanction_text:
                text += "\n\n" + sanction_text
            try:
                await self._bot.send_message(target.user_id, text, parse_mode="HTML", reply_markup=(
                    notice_keyboard(case, lang, public=False) if case else None))
                result.actions.append("notice:dm")
                return
            except (TelegramForbiddenError, TelegramBadRequest):
                pass  # blocked the bot since: tell them in the group instead
        text = sanction_text or render(TEXTS, "removed.public" if verdict.removes_message else "warned.public", lang,
                                      member=target.name, reason=reason)
        try:
            await self._limiter.take(target.chat_id)
            sent = await self._bot.send_message(target.chat_id, text, parse_mode="HTML", reply_markup=(
                notice_keyboard(case, lang, public=True) if case else None))
        except TelegramAPIError as exc:
            result.errors.append(f"notice: {exc}")
            return
        await self._redis.zadd(self._keys.scheduled_deletions,
                               {f"{target.chat_id}:{sent.message_id}": time.time() + self._notice_lifetime})
        result.actions.append("notice:public")

    async def delete_due_notices(self, now: float | None = None) -> int:
        """Delete self-deleting notices whose time has come; durable across restarts."""
        now = time.time() if now is None else now
        due = await self._redis.zrangebyscore(self._keys.scheduled_deletions, "-inf", now, start=0, num=100)
        for member in due:
            chat_id, message_id = (int(part) for part in member.split(":"))
            try:
                await self._bot.delete_message(chat_id, message_id)
            except TelegramAPIError:
                pass  # already gone or too old: nothing left to do
            await self._redis.zrem(self._keys.scheduled_deletions, member)
        return len(due)
