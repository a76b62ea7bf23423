"""The action executor: turns a verdict into what the chat sees, exactly once per message.

Exactly one visible enforcement per message revision, across the gateway's inline tier, workers
and restarts: whoever acts first takes the revision's claim (SET NX PX, `ACTION_CLAIM_TTL_MS`),
and the claim is checked against the done marker in the same round trip. A second actor finds
the claim busy (`EnforcementBusy`: the worker defers its job, the inline tier leaves it to the
holder) or the work done. A holder killed between claim and act leaves only the lease behind; it
expires and the worker's retry acts. Each step Telegram carried out (delete, sanction, notice
queued) is written to the revision's progress hash at once, so a retry never repeats it.

Order matters for the reply race: the verdict is written and the recorded bot replies are read in
one step (`ConversationStore.mark_removed`), then the judged message is deleted with
`deleteMessage` (whose answer tells whether it really went: `deleteMessages` answers true for
messages it skipped) and the bot's replies in one `deleteMessages` call.

What Telegram refused is recorded as such: a lost right (demoted, removed, 403) or an expired
48-hour window is `removal=no_rights` / `removal=expired` in the audit, never `delete:1`. The
member is then neither warned nor sanctioned for a removal that did not happen (no violation is
counted either); the admins get a hint instead, once an hour per group and reason, and decide.

Notices are only queued here (`telegram/notices.py`), so enforcement never waits for a group's
notice budget.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

import structlog
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import ChatMemberAdministrator, ChatMemberOwner

from luka_bot.community.ladder import Sanction, effective_sanction
from luka_bot.community.reputation import ReputationStore
from luka_bot.community.sanctions import SanctionStore
from luka_bot.domain import SHARED_BAN_CATEGORIES
from luka_bot.metrics import Metrics
from luka_bot.moderation.verdict import Tier, Verdict
from luka_bot.policy.group import GroupSettings
from luka_bot.policy.ladder import SanctionKind
from luka_bot.store.action_ledger import ActionLedger, Revision
from luka_bot.store.audit import AuditLog
from luka_bot.store.conversation import ConversationStore
from luka_bot.store.keys import ACTION_CLAIM_TTL_MS
from luka_bot.store.scheduled_deletions import ScheduledDeletions
from luka_bot.telegram.cases import Case, CaseStore
from luka_bot.telegram.notices import NoticeKind, Notices
from luka_bot.telegram.rate_limit import OutboundLimiter
from luka_bot.telegram.sanctioning import restrict
from luka_bot.texts import render
from luka_bot.texts.commands import TEXTS as COMMAND_TEXTS
from luka_bot.texts.community import category_label, sanction_notice
from luka_bot.texts.moderation import TEXTS

log = structlog.get_logger(__name__)

PUBLIC_NOTICE_LIFETIME_S = 60
DELETE_WINDOW_S = 48 * 3600  # Telegram lets bots delete group messages for 48 hours


@dataclass
class Enforcement:
    actions: list[str] = field(default_factory=list)
    sanction: Sanction | None = None
    errors: list[str] = field(default_factory=list)
    skipped: bool = False
    removal: str = ""  # deleted, gone, no_rights, expired, failed; "" when nothing was to be removed


class Removal:
    DELETED = "deleted"  # this call deleted it
    GONE = "gone"  # already deleted (by an admin, or by us before a crash)
    NO_RIGHTS = "no_rights"  # the bot may not delete there (demoted, removed, 403)
    EXPIRED = "expired"  # older than Telegram's 48-hour window
    FAILED = "failed"  # refused for another reason; in the audit's errors
    REMOVED = frozenset({DELETED, GONE})


class EnforcementBusy(Exception):
    """Another actor holds this message's claim and is acting on it now."""

    def __init__(self, retry_in: float) -> None:
        super().__init__(f"enforcement claimed by another actor; free in {retry_in:.2f} s")
        self.retry_in = retry_in


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
    def revision_key(self) -> Revision:
        return Revision(self.chat_id, self.message_id, self.revision)

    @property
    def violation_id(self) -> str:
        """One revision of one message counts as one violation, however often its job runs."""
        return f"{self.chat_id}:{self.message_id}:{self.revision}"


class AfterBan(Protocol):
    async def __call__(self, chat_id: int, user_id: int, category: str) -> object: ...


class Enforcer:
    def __init__(
        self,
        bot: Bot,
        ledger: ActionLedger,
        deletions: ScheduledDeletions,
        *,
        conversation: ConversationStore,
        reputation: ReputationStore,
        sanctions: SanctionStore,
        audit: AuditLog,
        limiter: OutboundLimiter,
        metrics: Metrics,
        notices: Notices,
        cases: CaseStore | None = None,
        claim_ttl_ms: int = ACTION_CLAIM_TTL_MS,
        after_ban: AfterBan | None = None,
    ) -> None:
        self._after_ban = after_ban
        self._bot = bot
        self._ledger = ledger
        self._deletions = deletions
        self._conversation = conversation
        self._reputation = reputation
        self._sanctions = sanctions
        self._audit = audit
        self._limiter = limiter
        self._metrics = metrics
        self._notices = notices
        self._cases = cases
        self._claim_ttl_ms = claim_ttl_ms

    async def already_done(self, target: Target) -> bool:
        return await self._ledger.is_done(target.revision_key)

    def queue_done_check(self, pipe: Any, target: Target) -> None:
        """`already_done` queued on a caller's pipeline (one EXISTS), to share its round trip."""
        self._ledger.queue_is_done(pipe, target.revision_key)

    async def enforce(
        self,
        target: Target,
        verdict: Verdict,
        settings: GroupSettings,
        *,
        message_date: float,
        timings: dict[str, float] | None = None,
        redo: bool = False,
        wait_busy_s: float = 0.0,
    ) -> Enforcement:
        """Carry out `verdict` once. Raises EnforcementBusy while another actor holds the claim
        (after waiting up to `wait_busy_s`). `redo`: act even if the revision was judged before
        (an admin's /spam on a message the automatic check let through)."""
        token = f"{uuid.uuid4().hex}"
        rev = target.revision_key
        deadline = time.monotonic() + wait_busy_s
        while True:
            attempt = await self._ledger.try_claim(rev, token, self._claim_ttl_ms)
            if attempt.claimed:
                break
            retry_in = attempt.retry_in
            if time.monotonic() + min(retry_in, 0.2) > deadline:
                self._metrics.enforcement_claims.labels("busy").inc()
                raise EnforcementBusy(retry_in)
            await asyncio.sleep(min(retry_in, 0.2))
        finished = False
        try:
            if attempt.done and not redo:
                self._metrics.enforcement_claims.labels("done_already").inc()
                return Enforcement(skipped=True)
            self._metrics.enforcement_claims.labels("taken").inc()
            result, audit_fields = await self._enforce_claimed(
                # A redo (an admin's word) starts afresh: what an earlier verdict did or failed is past.
                target,
                verdict,
                settings,
                progress={} if redo else attempt.progress,
                message_date=message_date,
                timings=timings,
            )
            audit_key, audit_entry, _ = self._audit.prepare(target.chat_id, audit_fields)
            await self._ledger.finish(rev, token, audit_key, audit_entry)
            log.info(
                "moderation.enforced",
                chat_id=target.chat_id,
                message_id=target.message_id,
                tier=verdict.tier.value,
                action=verdict.action.value,
                category=verdict.category.value,
                actions=result.actions,
                removal=result.removal or None,
                errors=result.errors or None,
            )
            finished = True
            return result
        finally:
            if not finished:  # skipped, or failed midway: free the claim for the retry at once
                await self._ledger.release(rev, token)

    async def _enforce_claimed(
        self,
        target: Target,
        verdict: Verdict,
        settings: GroupSettings,
        *,
        progress: dict[str, str],
        message_date: float,
        timings: dict[str, float] | None,
    ) -> tuple[Enforcement, dict[str, object]]:
        """Carry out the verdict; returns what happened and the audit entry for `enforce` to
        write with the done marker."""
        result = Enforcement()
        if settings.dry_run:
            result.actions.append("dry_run")
            if verdict.is_violation or verdict.removes_message:
                await self._post_dry_run(target, verdict, settings, result)
        elif verdict.is_violation or verdict.removes_message:
            await self._act(target, verdict, settings, result, progress, message_date)
        self._metrics.job_age_at_action.observe(max(0.0, time.time() - message_date))
        return result, {
            "message_id": target.message_id,
            "revision": target.revision,
            "user_id": target.user_id,
            "name": target.name,
            "text": target.text[:1000],
            "tier": verdict.tier.value,
            "action": verdict.action.value,
            "category": verdict.category.value,
            "confidence": f"{verdict.confidence:.3f}",
            "reason": verdict.reason[:300],
            "details": ";".join(f"{k}={v}" for k, v in verdict.details)[:500],
            "actions": ",".join(result.actions),
            "errors": ";".join(result.errors)[:500],
            "removal": result.removal,
            "verdict_error": verdict.error or "",
            "verdict_ms": f"{verdict.elapsed_ms:.1f}",
            **{f"t_{k}": f"{v:.3f}" for k, v in (timings or {}).items()},
        }

    async def _step(self, target: Target, step: str, outcome: str) -> None:
        await self._ledger.record_step(target.revision_key, step, outcome)

    async def _act(
        self,
        target: Target,
        verdict: Verdict,
        settings: GroupSettings,
        result: Enforcement,
        progress: dict[str, str],
        message_date: float,
    ) -> None:
        if verdict.removes_message:
            await self._remove(target, verdict, result, progress, message_date)
            if result.removal not in Removal.REMOVED:
                if verdict.is_violation:
                    await self._hint_admins(target, verdict, settings, result)
                return  # not removed: no warning, no sanction for what the member still sees
        if not verdict.is_violation:
            return
        outcome = await self._reputation.record_verdict(
            target.chat_id, target.user_id, verdict, policy=settings.ladder, violation_id=target.violation_id
        )
        sanction = effective_sanction(outcome.sanction if outcome else None, verdict)
        result.sanction = sanction
        if sanction is not None and sanction.kind is not SanctionKind.WARN:
            done = progress.get("sanction")
            if done is None:
                await self._restrict(target, sanction, result)
            elif done.startswith("error:"):
                result.errors.append(done.removeprefix("error:"))
            else:
                result.actions.append(done)
            if (
                self._after_ban is not None
                and sanction.kind is SanctionKind.BAN
                and verdict.category in SHARED_BAN_CATEGORIES
                and any(a.startswith("ban:") for a in result.actions)
            ):
                # Linked groups share bans for spam and scam (the newcomer gate applies them there).
                await self._after_ban(target.chat_id, target.user_id, verdict.category.value)
        case = await self._open_case(target, verdict, sanction)
        lang = settings.language.value
        await self._notices.enqueue(
            NoticeKind.MEMBER,
            chat_id=target.chat_id,
            message_id=target.message_id,
            revision=target.revision,
            fields=self._member_notice(target, verdict, sanction, lang),
        )
        result.actions.append("notice:queued")
        if case is not None:
            await self._notices.enqueue(
                NoticeKind.LOG,
                chat_id=target.chat_id,
                message_id=target.message_id,
                revision=target.revision,
                fields={"lang": lang},
            )

    async def _open_case(self, target: Target, verdict: Verdict, sanction: Sanction | None) -> Case | None:
        """What the notice's buttons refer to; kept as first written when a job runs again."""
        if self._cases is None:
            return None
        existing = await self._cases.get(target.chat_id, target.message_id)
        if existing is not None and existing.revision == target.revision:
            return existing
        case = Case(
            chat_id=target.chat_id,
            message_id=target.message_id,
            revision=target.revision,
            user_id=target.user_id,
            name=target.name,
            text=target.text,
            category=verdict.category,
            sanction=sanction.kind if sanction else None,
            duration_s=sanction.duration_s if sanction else None,
            removed=verdict.removes_message,
            chat_title=target.chat_title,
            violation_id=target.violation_id,
            by_admin=verdict.tier is Tier.ADMIN,
        )
        await self._cases.open(case)
        return case

    def _member_notice(self, target: Target, verdict: Verdict, sanction: Sanction | None, lang: str) -> dict[str, str]:
        reason = category_label(verdict.category, lang)
        sanction_text = (
            sanction_notice(sanction.kind, sanction.duration_s, member=target.name, reason=reason, lang=lang)
            if sanction
            else ""
        )
        dm = render(
            TEXTS,
            "removed.dm" if verdict.removes_message else "warned.dm",
            lang,
            chat=target.chat_title or str(target.chat_id),
            reason=reason,
        )
        if sanction_text:
            dm += "\n\n" + sanction_text
        public = sanction_text or render(
            TEXTS,
            "removed.public" if verdict.removes_message else "warned.public",
            lang,
            member=target.name,
            reason=reason,
        )
        return {"user_id": str(target.user_id), "lang": lang, "dm_text": dm, "public_text": public}

    async def _post_dry_run(
        self, target: Target, verdict: Verdict, settings: GroupSettings, result: Enforcement
    ) -> None:
        """A dry run shows the log chat what would have happened, so admins can judge the policy
        before turning it on; once per message revision (the notice queue's own dedupe), paced
        like every other post to admins."""
        if self._cases is None:
            return
        log_chat = await self._cases.log_chat(target.chat_id)
        if log_chat is None:
            return
        lang = settings.language.value
        in_group = log_chat == target.chat_id  # there, the removed text is named, never shown again
        text = render(COMMAND_TEXTS, "log.text_hidden", lang) if in_group else (target.text[:1000] or "—")
        card = render(
            COMMAND_TEXTS,
            "log.dry_run",
            lang,
            chat=target.chat_title or target.chat_id,
            would=render(COMMAND_TEXTS, f"would.{verdict.action.value}", lang)
            if f"would.{verdict.action.value}" in COMMAND_TEXTS
            else verdict.action.value,
            member=target.name,
            user_id=target.user_id,
            reason=category_label(verdict.category, lang),
            detail=verdict.reason[:200] or verdict.tier.value,
            text=text,
        )
        if await self._notices.enqueue(
            NoticeKind.HINT,
            chat_id=target.chat_id,
            message_id=target.message_id,
            revision=target.revision,
            fields={"text": card, "reason": "dry_run"},
        ):
            result.actions.append("log:dry_run")

    async def _hint_admins(
        self, target: Target, verdict: Verdict, settings: GroupSettings, result: Enforcement
    ) -> None:
        reason = result.removal if result.removal in (Removal.NO_RIGHTS, Removal.EXPIRED) else Removal.FAILED
        if not await self._ledger.first_rights_hint(target.chat_id, reason):
            return  # the admins were told within the hour; the audit has every case
        lang = settings.language.value
        text = render(
            TEXTS,
            f"hint.{reason}",
            lang,
            member=target.name,
            chat=target.chat_title or target.chat_id,
            reason=category_label(verdict.category, lang),
        )
        await self._notices.enqueue(
            NoticeKind.HINT,
            chat_id=target.chat_id,
            message_id=target.message_id,
            revision=target.revision,
            fields={"text": text, "reason": reason},
        )
        result.actions.append("hint:queued")

    # --- Telegram ----------------------------------------------------------------------------
    async def _remove(
        self, target: Target, verdict: Verdict, result: Enforcement, progress: dict[str, str], message_date: float
    ) -> None:
        replies = await self._conversation.mark_removed(target.chat_id, target.message_id, verdict.category.value)
        removal = progress.get("delete")
        if removal is None:
            removal = await self._delete_judged(target, message_date, result)
            await self._step(target, "delete", removal)
            self._metrics.delete_outcomes.labels(removal).inc()
        elif removal not in Removal.REMOVED:
            result.errors.append(f"delete: {removal} (recorded before a retry)")
        result.removal = removal
        if removal == Removal.DELETED:
            result.actions.append("delete:1")
        elif removal == Removal.GONE:
            result.actions.append("delete:gone")
        if replies and progress.get("replies") is None:
            # The bot's own replies go even where the member's message could not.
            await self._limiter.take_global()
            try:
                await self._bot.delete_messages(target.chat_id, replies)
                result.actions.append(f"replies:{len(replies)}")
            except (TelegramBadRequest, TelegramForbiddenError) as exc:
                result.errors.append(f"replies: {exc.message}")
            await self._step(target, "replies", str(len(replies)))

    async def _delete_judged(self, target: Target, message_date: float, result: Enforcement) -> str:
        """Delete the judged message; what really happened (see Removal)."""
        await self._limiter.take_global()
        try:
            await self._bot.delete_message(target.chat_id, target.message_id)
            return Removal.DELETED
        except TelegramForbiddenError as exc:  # the bot was removed from the group
            result.errors.append(f"delete: {exc.message}")
            return Removal.NO_RIGHTS
        except TelegramBadRequest as exc:
            error = exc.message
        if "not found" in error.lower():
            return Removal.GONE
        result.errors.append(f"delete: {error}")
        if time.time() - message_date >= DELETE_WINDOW_S:
            return Removal.EXPIRED
        # Telegram says the same "message can't be deleted" for both reasons; the bot's own rights tell them apart.
        rights = await self._can_delete(target.chat_id)
        if rights is False:
            return Removal.NO_RIGHTS
        if rights is True and "can't be deleted" in error.lower():
            return Removal.EXPIRED
        return Removal.FAILED

    async def _can_delete(self, chat_id: int) -> bool | None:
        try:
            member = await self._bot.get_chat_member(chat_id, self._bot.id)
        except TelegramForbiddenError:
            return False
        except TelegramBadRequest:
            return None
        if isinstance(member, ChatMemberOwner):
            return True
        return isinstance(member, ChatMemberAdministrator) and bool(member.can_delete_messages)

    async def _restrict(self, target: Target, sanction: Sanction, result: Enforcement) -> None:
        now = time.time()
        await self._limiter.take_global()
        try:
            until = await restrict(self._bot, target.chat_id, target.user_id, sanction.kind, sanction.until(now))
        except (TelegramBadRequest, TelegramForbiddenError) as exc:  # an admin; no right; bot removed
            error = f"{sanction.kind.value}: {exc.message}"
            result.errors.append(error)
            await self._step(target, "sanction", f"error:{error}")
            return
        action = f"{sanction.kind.value}:{'permanent' if until is None else sanction.duration_s}"
        await self._step(target, "sanction", action)
        await self._sanctions.set_sanction(target.chat_id, target.user_id, sanction.kind, until, now=now)
        result.actions.append(action)

    async def delete_due_notices(self, now: float | None = None) -> int:
        """Delete self-deleting notices whose time has come; durable across restarts."""
        now = time.time() if now is None else now
        due = await self._deletions.due(now)
        for chat_id, message_id in due:
            try:
                await self._bot.delete_message(chat_id, message_id)
            except (TelegramBadRequest, TelegramForbiddenError):
                pass  # already gone or too old: nothing left to do
            await self._deletions.done(chat_id, message_id)
        return len(due)
