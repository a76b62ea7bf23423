"""The moderation worker's job handler: gather context, decide, enforce.

When the LLM judge fails on a message the offline tiers could not settle, the job asks the worker
to run it again later (`Retry(counts=False)`, with doubling backoff) rather than guessing; its
deadline counts from the job's first intake (`JUDGE_DEADLINE`, 10 minutes by default). Past it the
offline tiers' verdict is applied, audited as "unjudged" and counted in
`luka_moderation_unjudged_total`.

Telegram faults during enforcement (a long 429, a 5xx that outlived the session's retries) and a
claim held by another actor defer the job durably without using its attempt budget
(`Retry(counts=False)`, see jobs/worker.py); the steps already carried out are not repeated.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any, Protocol

import structlog
from aiogram.exceptions import TelegramAPIError

from luka_bot.community.reputation import ReputationStore
from luka_bot.community.thanks import is_thanks
from luka_bot.community.trust import member_context
from luka_bot.jobs.queue import Job
from luka_bot.jobs.worker import Retry
from luka_bot.metrics import Metrics
from luka_bot.moderation.cascade import JudgeUnavailable
from luka_bot.moderation.job import MalformedJob, ModerationJob
from luka_bot.moderation.normalize import NormalizedText
from luka_bot.moderation.verdict import MemberContext, ModerationRequest, Signals, Tier, Verdict
from luka_bot.policy.group import GroupSettings
from luka_bot.store.group_settings import GroupSettingsRepository
from luka_bot.store.round_trips import RoundTrips
from luka_bot.store.signals import SignalStore
from luka_bot.telegram.actions.achievement_announcer import AchievementAnnouncer
from luka_bot.telegram.actions.enforcement import EnforcementBusy, Enforcer, Target
from luka_bot.telegram.admins import AdminCache
from luka_bot.telegram.faults import as_retry, short_inline_waits
from luka_bot.telegram.inbound.intake import INLINE_MEMBER

log = structlog.get_logger(__name__)

DEFAULT_JUDGE_DEADLINE_S = 600.0
JUDGE_RETRY_BASE_S = 5.0
JUDGE_RETRY_MAX_S = 60.0


class Decider(Protocol):
    async def decide(self, request: ModerationRequest, settings: GroupSettings) -> Verdict: ...


class TextHasher(Protocol):
    def __call__(self, text: str) -> str: ...


def target_from_job(job: ModerationJob) -> Target:
    return Target(
        chat_id=job.chat_id,
        chat_title=job.chat_title,
        message_id=job.message_id,
        revision=job.revision,
        user_id=job.user_id,
        name=job.name,
        text=job.text,
    )


def member_of_job(job: Job) -> str | None:
    """The worker's order key: one member's messages in a chat are judged one after another, in
    order (their counts, trust and "first message" depend on it); other members' run beside them.
    Not the whole chat: one busy chat would then be judged one job at a time, each waiting on
    several fsynced round trips (the throughput bench's 10 chats ran at a third of the rate)."""
    chat, user = job.fields.get("chat_id"), job.fields.get("user_id")
    return f"{chat}:{user}" if chat and user else None


def default_text_hash(text: str) -> str:
    return hashlib.blake2b(" ".join(text.lower().split()).encode(), digest_size=12).hexdigest()


def is_group_own(job: ModerationJob) -> bool:
    """Posts by the group itself: its anonymous admins, its linked channel's automatic forwards.
    Never judged as a stranger, never sanctioned (a ban would bar the group's own channel)."""
    return job.is_group_own


class ApprovedMembers(Protocol):
    async def is_approved(self, chat_id: int, user_id: int) -> bool: ...

    def queue_is_approved(self, pipe: Any, chat_id: int, user_id: int) -> None: ...


@dataclass(frozen=True)
class FirstLook:
    """What the job's first round trip says: done before? admin? approved? Reading all three
    in one pipeline instead of one after another saves two round trips on every message."""

    done: bool
    admin: bool | None  # None: the chat's admin list is not cached; AdminCache.is_admin asks Telegram
    approved: bool


async def is_approved(approved: ApprovedMembers | None, target: Target) -> bool:
    """Members the admins approved (/approve) skip automated moderation entirely; one Redis read."""
    return approved is not None and await approved.is_approved(target.chat_id, target.user_id)


async def is_exempt(admins: AdminCache, job: ModerationJob, target: Target) -> bool:
    """Admins (anonymous ones post as the group) are moderated only when the group asks for it."""
    return job.is_group_own or await admins.is_admin(target.chat_id, target.user_id)


class ModerationJobHandler:
    def __init__(
        self,
        *,
        decider: Decider,
        enforcer: Enforcer,
        group_settings: GroupSettingsRepository,
        reputation: ReputationStore,
        admins: AdminCache,
        signals: SignalStore,
        metrics: Metrics,
        text_hash: TextHasher = default_text_hash,
        achievements: AchievementAnnouncer | None = None,
        judge_deadline: float = DEFAULT_JUDGE_DEADLINE_S,
        judge_retry_base: float = JUDGE_RETRY_BASE_S,
        judge_retry_max: float = JUDGE_RETRY_MAX_S,
        approved: ApprovedMembers | None = None,
        media: MediaCheck | None = None,
        round_trips: RoundTrips | None = None,
    ) -> None:
        self._approved = approved
        self._media = media
        # The first look of every job of a batch in one round trip; None: one read after another.
        self._round_trips = round_trips
        self._decider = decider
        self._enforcer = enforcer
        self._group_settings = group_settings
        self._reputation = reputation
        self._admins = admins
        self._signals = signals
        self._metrics = metrics
        self._text_hash = text_hash
        self._achievements = achievements
        self._judge_deadline = judge_deadline
        self._judge_retry_base = judge_retry_base
        self._judge_retry_max = judge_retry_max

    async def __call__(self, job: Job) -> None:
        try:
            moderation = ModerationJob.from_fields(job.fields)
        except MalformedJob:
            log.error("moderation.malformed_job", job_id=job.id, fields=sorted(job.fields))
            return  # nothing could ever make this job valid: acknowledge it
        target = target_from_job(moderation)
        look = await self._first_look(target)
        if look.done:
            return
        settings = await self._group_settings.get(target.chat_id)
        if not settings.moderation_enabled:
            return
        started = time.time()
        message_date = moderation.date or started
        exempt = moderation.is_group_own or (
            look.admin if look.admin is not None else await self._admins.is_admin(target.chat_id, target.user_id)
        )
        if moderation.is_group_own or (exempt and not settings.moderate_admins) or look.approved:
            self._metrics.verdicts.labels(Tier.SKIPPED.value, "none", "allow").inc()
            return
        policy = settings.ladder
        first_intake = moderation.first_intake or message_date
        # A retried or deferred job runs again: its message was counted on the first run.
        if target.revision == 0 and job.attempt <= 1 and job.deferrals == 0:
            stats = await self._reputation.record_message(target.chat_id, target.user_id, policy=policy)
        else:
            # An edit, or a retry (the judge was away): the message was counted the first time.
            stats = await self._reputation.stats(target.chat_id, target.user_id)
        member = member_context(stats, started, policy, is_admin=exempt)
        text = moderation.text
        counts = await self._signals.observe(
            chat_id=target.chat_id,
            user_id=target.user_id,
            message_id=target.message_id,
            sent_at=message_date,
            text_hash=self._text_hash(text) if text.strip() else None,
            # A retry sees the activity around the message as it was when it came in.
            now=started if job.attempt <= 1 and job.deferrals == 0 else max(message_date, first_intake),
        )
        request = moderation.request(
            member=member,
            language=settings.language.value,
            signals=Signals(
                messages_last_minute=counts.messages_last_minute,
                same_text_senders=counts.same_text_senders,
                same_text_chats=counts.same_text_chats,
                same_text_senders_here=counts.same_text_senders_here,
            ),
        )
        # Media the admins marked as spam (or a near copy): as certain as a rule, before the cascade.
        media_verdict = await self._media.verdict(moderation, job.deferrals) if self._media is not None else None
        try:
            verdict = media_verdict or await self._decider.decide(request, settings)
        except JudgeUnavailable as exc:
            verdict = self._unjudged_or_retry(job, target, exc, first_intake)
        verdict_at = time.time()
        self._metrics.verdicts.labels(verdict.tier.value, verdict.category.value, verdict.action.value).inc()
        self._metrics.job_age_at_verdict.observe(max(0.0, verdict_at - message_date))
        try:
            with short_inline_waits():
                await self._enforcer.enforce(
                    target,
                    verdict,
                    settings,
                    message_date=message_date,
                    timings={
                        "queue_wait": started - (moderation.enqueued_at or started),
                        "decide": verdict_at - started,
                    },
                )
        except EnforcementBusy as exc:
            # Another actor (the inline tier, another worker) is acting on it: look again once its
            # lease could have run out; if it finished, the done marker ends this job.
            raise Retry(min(exc.retry_in, 0.25 * 2 ** min(job.deferrals, 6)), str(exc), counts=False) from exc
        except TelegramAPIError as exc:
            retry = as_retry(exc, job.deferrals)
            if retry is None:
                raise
            log.warning(
                "moderation.telegram_deferred",
                chat_id=target.chat_id,
                message_id=target.message_id,
                defer=retry.defer,
                error=str(exc)[:200],
            )
            raise retry from exc
        if target.revision == 0 and not verdict.is_violation:
            if self._achievements is not None:
                await self._achievements.after_message(stats, target.name, settings)
            await self._credit_thanks(moderation, target, settings)

    async def _first_look(self, target: Target) -> FirstLook:
        if self._round_trips is None:
            if await self._enforcer.already_done(target):
                return FirstLook(done=True, admin=None, approved=False)
            return FirstLook(done=False, admin=None, approved=await is_approved(self._approved, target))

        def queue(pipe: Any) -> None:
            self._enforcer.queue_done_check(pipe, target)
            self._admins.queue_is_admin(pipe, target.chat_id, target.user_id)
            if self._approved is not None:
                self._approved.queue_is_approved(pipe, target.chat_id, target.user_id)

        results = await self._round_trips.send(queue)
        return FirstLook(
            done=bool(results[0]),
            admin=self._admins.queued_answer(results[1], results[2]),
            approved=bool(results[3]) if self._approved is not None else False,
        )

    def _unjudged_or_retry(self, job: Job, target: Target, exc: JudgeUnavailable, first_intake: float) -> Verdict:
        """Raise `Retry` while the deadline allows; past it, the offline verdict marked unjudged."""
        waited = max(0.0, time.time() - first_intake)
        remaining = self._judge_deadline - waited
        if remaining > 0:
            defer = min(self._judge_retry_base * 2 ** min(job.deferrals, 16), self._judge_retry_max, remaining)
            self._metrics.judge_deferrals.labels(reason=exc.reason).inc()
            log.info(
                "moderation.judge_deferred",
                chat_id=target.chat_id,
                message_id=target.message_id,
                reason=exc.reason,
                deferrals=job.deferrals,
                retry_in=round(defer, 2),
                waited=round(waited, 1),
            )
            # This wait is no fault of the job's: it does not use up its attempts (counts=False);
            # the deadline above bounds it instead.
            raise Retry(
                defer=defer, reason=f"LLM judge unavailable ({exc.reason}); retry in {defer:.1f}s", counts=False
            )
        self._metrics.unjudged.inc()
        log.warning(
            "moderation.unjudged",
            chat_id=target.chat_id,
            message_id=target.message_id,
            reason=exc.reason,
            waited=round(waited, 1),
            deferrals=job.deferrals,
            action=exc.unjudged.action.value,
        )
        return exc.unjudged

    async def _credit_thanks(self, job: ModerationJob, target: Target, settings: GroupSettings) -> None:
        """A short thank-you in reply to another member counts as a helpful answer of theirs."""
        helper = job.reply_to_user_id
        if helper <= 0 or helper == target.user_id or not is_thanks(job.text):
            return
        stats = await self._reputation.record_helpful(
            target.chat_id,
            helper,
            quality=None,
            policy=settings.ladder,
            event_id=f"thanks:{target.chat_id}:{target.message_id}",
        )
        if self._achievements is not None:
            await self._achievements.after_message(stats, job.reply_to_name, settings)


class MediaCheck(Protocol):
    async def file_verdict(self, job: ModerationJob) -> Verdict | None: ...

    async def verdict(self, job: ModerationJob, deferrals: int = 0) -> Verdict | None: ...


class FastDecider(Protocol):
    def fast_verdict(
        self, request: ModerationRequest, settings: GroupSettings, text: NormalizedText | None = None
    ) -> Verdict | None: ...


class InlineModeration:
    """The gateway's fast tier: a certain rule hit removes the message before any reply exists."""

    def __init__(
        self,
        *,
        decider: FastDecider,
        enforcer: Enforcer,
        admins: AdminCache,
        metrics: Metrics,
        approved: ApprovedMembers | None = None,
        media: MediaCheck | None = None,
    ) -> None:
        self._approved = approved
        self._media = media
        self._decider = decider
        self._enforcer = enforcer
        self._admins = admins
        self._metrics = metrics

    async def check(
        self,
        job: ModerationJob,
        settings: GroupSettings,
        member: MemberContext | None = None,
        text: NormalizedText | None = None,
    ) -> bool:
        if settings.dry_run:
            return False  # dry-run removes nothing: the worker judges and audits it with full context
        if job.is_group_own:
            return False
        request = job.request(member=member or INLINE_MEMBER, language=settings.language.value)
        verdict = self._decider.fast_verdict(request, settings, text)
        if verdict is None and self._media is not None and job.media_unique_id and not request.member.is_admin:
            verdict = await self._media.file_verdict(job)  # the very file an admin marked: one read
        if verdict is None or not verdict.removes_message:
            return False
        target = target_from_job(job)
        if not settings.moderate_admins and await is_exempt(self._admins, job, target):
            return False
        if await is_approved(self._approved, target):
            return False
        self._metrics.verdicts.labels(verdict.tier.value, verdict.category.value, verdict.action.value).inc()
        try:
            # The gateway never sleeps on a long 429: the worker's copy of the job defers instead.
            with short_inline_waits(1.0):
                await self._enforcer.enforce(
                    target,
                    verdict,
                    settings,
                    message_date=job.date or time.time(),
                    timings={"inline": verdict.elapsed_ms / 1000},
                )
        except EnforcementBusy:
            pass  # the worker holds it and is acting
        except TelegramAPIError as exc:
            # The job is in the queue already: the worker retries what did not happen here.
            log.warning(
                "moderation.inline_failed", chat_id=target.chat_id, message_id=target.message_id, error=str(exc)[:200]
            )
        return True  # a certain violation: the assistant must not answer it either way
