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

import redis.asyncio as aioredis
import structlog
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import ChatMemberAdministrator, ChatMemberOwner, ChatPermissions

from luka_bot.community.ladder import Sanction
from luka_bot.community.reputation import ReputationStore
from luka_bot.community.sanctions import SanctionStore
from luka_bot.metrics import Metrics
from luka_bot.moderation.verdict import Action, Tier, Verdict
from luka_bot.policy.group import GroupSettings
from luka_bot.policy.ladder import SanctionKind
from luka_bot.store.audit import AuditLog
from luka_bot.store.conversation import ConversationStore
from luka_bot.store.keys import (
    ACTION_CLAIM_TTL_MS,
    ACTION_DONE_TTL,
    ACTION_PROGRESS_TTL,
    AUDIT_MAXLEN,
    AUDIT_TTL,
    RIGHTS_HINT_TTL,
    Keys,
)
from luka_bot.store.redis import text
from luka_bot.store.round_trips import RoundTrips, Script
from luka_bot.telegram.cases import Case, CaseStore
from luka_bot.telegram.notices import NoticeKind, Notices
from luka_bot.telegram.rate_limit import OutboundLimiter
from luka_bot.texts import render
from luka_bot.texts.commands import TEXTS as COMMAND_TEXTS
from luka_bot.texts.community import category_label, sanction_notice
from luka_bot.texts.moderation import TEXTS

log = structlog.get_logger(__name__)

PUBLIC_NOTICE_LIFETIME_S = 60
DELETE_WINDOW_S = 48 * 3600  # Telegram lets bots delete group messages for 48 hours
DEFAULT_MUTE_S = 3600
DEFAULT_BAN_S = 24 * 3600
_SEVERITY = {SanctionKind.WARN: 0, SanctionKind.MUTE: 1, SanctionKind.BAN: 2}
_VERDICT_FLOOR = {Action.MUTE: SanctionKind.MUTE, Action.BAN: SanctionKind.BAN}
MUTED = ChatPermissions(
    can_send_messages=False,
    can_send_audios=False,
    can_send_documents=False,
    can_send_photos=False,
    can_send_videos=False,
    can_send_video_notes=False,
    can_send_voice_notes=False,
    can_send_polls=False,
    can_send_other_messages=False,
    can_add_web_page_previews=False,
)


# Tiers whose `mute`/`ban` is advice only: the LLM (and its cached answers) may ask for one, but a
# model's word never bans a first-time poster; the group's ladder decides the sanction.
_ADVISORY_TIERS = frozenset({Tier.LLM, Tier.CACHE})


def effective_sanction(ladder: Sanction | None, verdict: Verdict) -> Sanction | None:
    """The ladder's step; raised to what the verdict itself asks for only when the verdict comes
    from a tier trusted to sanction (never the LLM's: its ban or mute removes the message, and the
    ladder decides what the member gets)."""
    floor = _VERDICT_FLOOR.get(verdict.action)
    if floor is None or verdict.tier in _ADVISORY_TIERS:
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


# Releases a claim only for its owner: an actor whose lease ran out must not free a newer one.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# Takes the revision's claim and reads, at that same instant, whether it was done and which steps
# an earlier actor carried out (one atomic step, as the MULTI it replaces was).
# KEYS: claim, done marker, progress hash; ARGV: token, claim ttl in ms
# Returns {1 if claimed now else 0, done (0/1), progress as a flat list, the claim's PTTL}.
_CLAIM = Script.of("""
local claimed = redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
return {claimed and 1 or 0, redis.call('EXISTS', KEYS[2]), redis.call('HGETALL', KEYS[3]), redis.call('PTTL', KEYS[1])}
""")

# Writes the decision's audit entry, marks the revision done and releases the claim in one atomic
# step (one round trip per message; a crash can no longer leave the audit written but the
# revision not done, which made the retry audit it twice).
# KEYS: done marker, claim, audit list; ARGV: done ttl, claim token, audit entry, audit cap, audit ttl
_FINISH = """
redis.call('LPUSH', KEYS[3], ARGV[3])
redis.call('LTRIM', KEYS[3], 0, tonumber(ARGV[4]) - 1)
redis.call('EXPIRE', KEYS[3], ARGV[5])
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
if redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
return 1
"""
_FINISH_SCRIPT = Script.of(_FINISH)
_RELEASE_SCRIPT = Script.of(_RELEASE)


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
    def __init__(
        self,
        bot: Bot,
        redis: aioredis.Redis,
        keys: Keys,
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
        round_trips: RoundTrips | None = None,
    ) -> None:
        # Claim, finish and release go with whatever else the turn sends (a batch of jobs).
        self._round_trips = round_trips or RoundTrips(redis)
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
        self._notices = notices
        self._cases = cases
        self._claim_ttl_ms = claim_ttl_ms

    async def already_done(self, target: Target) -> bool:
        return bool(
            await self._redis.exists(self._keys.action_done(target.chat_id, target.message_id, target.revision))
        )

    def queue_done_check(self, pipe: Any, target: Target) -> None:
        """`already_done` queued on a caller's pipeline (one EXISTS), to share its round trip."""
        pipe.exists(self._keys.action_done(target.chat_id, target.message_id, target.revision))

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
        claim_key = self._keys.action_claim(target.chat_id, target.message_id, target.revision)
        deadline = time.monotonic() + wait_busy_s
        claim_keys = [
            claim_key,
            self._keys.action_done(target.chat_id, target.message_id, target.revision),
            self._keys.action_progress(target.chat_id, target.message_id, target.revision),
        ]
        while True:
            claimed, done, flat_progress, pttl = await self._round_trips.call(
                _CLAIM, claim_keys, [token, self._claim_ttl_ms]
            )
            if claimed:
                break
            retry_in = max(int(pttl), 50) / 1000
            if time.monotonic() + min(retry_in, 0.2) > deadline:
                self._metrics.enforcement_claims.labels("busy").inc()
                raise EnforcementBusy(retry_in)
            await asyncio.sleep(min(retry_in, 0.2))
        finished = False
        try:
            if done and not redo:
                self._metrics.enforcement_claims.labels("done_already").inc()
                return Enforcement(skipped=True)
            self._metrics.enforcement_claims.labels("taken").inc()
            result, audit_fields = await self._enforce_claimed(
                # A redo (an admin's word) starts afresh: what an earlier verdict did or failed is past.
                target,
                verdict,
                settings,
                progress={}
                if redo
                else {text(flat_progress[i]): text(flat_progress[i + 1]) for i in range(0, len(flat_progress), 2)},
                message_date=message_date,
                timings=timings,
            )
            audit_key, audit_entry, _ = self._audit.prepare(target.chat_id, audit_fields)
            await self._round_trips.call(
                _FINISH_SCRIPT,
                [self._keys.action_done(target.chat_id, target.message_id, target.revision), claim_key, audit_key],
                [ACTION_DONE_TTL, token, audit_entry, AUDIT_MAXLEN, AUDIT_TTL],
            )
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
                await self._round_trips.call(_RELEASE_SCRIPT, [claim_key], [token])

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
        key = self._keys.action_progress(target.chat_id, target.message_id, target.revision)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(key, step, outcome)
            pipe.expire(key, ACTION_PROGRESS_TTL)
            await pipe.execute()

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
                and verdict.category.value in SHARED_BAN_CATEGORIES
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
        first = await self._redis.set(self._keys.rights_hint(target.chat_id, reason), "1", nx=True, ex=RIGHTS_HINT_TTL)
        if not first:
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
        until = sanction.until(now)
        until_date = int(until) if until is not None else None
        await self._limiter.take_global()
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
        due: list[Any] = await self._redis.zrangebyscore(self._keys.scheduled_deletions, "-inf", now, start=0, num=100)
        for member in due:
            chat_id, message_id = (int(part) for part in text(member).split(":"))
            try:
                await self._bot.delete_message(chat_id, message_id)
            except (TelegramBadRequest, TelegramForbiddenError):
                pass  # already gone or too old: nothing left to do
            await self._redis.zrem(self._keys.scheduled_deletions, member)
        return len(due)
