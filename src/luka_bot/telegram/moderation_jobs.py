"""The moderation worker's job handler: gather context, decide, enforce."""

from __future__ import annotations

import hashlib
import time
from typing import Protocol

import structlog

from luka_bot.community.reputation import ReputationStore
from luka_bot.community.thanks import is_thanks
from luka_bot.community.trust import member_context
from luka_bot.jobs.queue import Job
from luka_bot.metrics import Metrics
from luka_bot.moderation.verdict import ModerationRequest, Signals, Tier, Verdict
from luka_bot.policy.group import GroupSettings
from luka_bot.store.group_settings import GroupSettingsRepository
from luka_bot.store.signals import SignalStore
from luka_bot.telegram.achievement_announcer import AchievementAnnouncer
from luka_bot.telegram.admins import AdminCache
from luka_bot.telegram.enforcement import Enforcer, Target
from luka_bot.telegram.intake import INLINE_MEMBER, request_from_job

log = structlog.get_logger(__name__)


class Decider(Protocol):
    async def decide(self, request: ModerationRequest, settings: GroupSettings) -> Verdict: ...


class TextHasher(Protocol):
    def __call__(self, text: str) -> str: ...


def target_from_job(fields: dict[str, str]) -> Target:
    return Target(chat_id=int(fields["chat_id"]), chat_title=fields.get("chat_title", ""),
                  message_id=int(fields["message_id"]), revision=int(fields.get("revision") or 0),
                  user_id=int(fields["user_id"]), name=fields.get("name", ""), text=fields.get("text", ""))


def default_text_hash(text: str) -> str:
    return hashlib.blake2b(" ".join(text.lower().split()).encode(), digest_size=12).hexdigest()


class ApprovedMembers(Protocol):
    async def is_approved(self, chat_id: int, user_id: int) -> bool: ...


async def is_approved(approved: ApprovedMembers | None, target: Target) -> bool:
    """Members the admins approved (/approve) skip automated moderation entirely; one Redis read."""
    return approved is not None and await approved.is_approved(target.chat_id, target.user_id)


async def is_exempt(admins: AdminCache, fields: dict[str, str], target: Target) -> bool:
    """Admins (anonymous ones post as the group) are moderated only when the group asks for it."""
    return fields.get("anonymous_admin") == "1" or await admins.is_admin(target.chat_id, target.user_id)


class ModerationJobHandler:
    def __init__(self, *, decider: Decider, enforcer: Enforcer, group_settings: GroupSettingsRepository,
                 reputation: ReputationStore, admins: AdminCache, signals: SignalStore, metrics: Metrics,
                 text_hash: TextHasher = default_text_hash,
                 achievements: AchievementAnnouncer | None = None, approved: ApprovedMembers | None = None) -> None:
        self._approved = approved
        self._decider = decider
        self._enforcer = enforcer
        self._group_settings = group_settings
        self._reputation = reputation
        self._admins = admins
        self._signals = signals
        self._metrics = metrics
        self._text_hash = text_hash
        self._achievements = achievements

    async def __call__(self, job: Job) -> None:
        fields = job.fields
        try:
            target = target_from_job(fields)
        except (KeyError, ValueError):
            log.error("moderation.malformed_job", job_id=job.id, fields=sorted(fields))
            return  # nothing could ever make this job valid: acknowledge it
        if await self._enforcer.already_done(target):
            return
        settings = await self._group_settings.get(target.chat_id)
        if not settings.moderation_enabled:
            return
        started = time.time()
        message_date = float(fields.get("date") or started)
        exempt = await is_exempt(self._admins, fields, target)
        if (exempt and not settings.moderate_admins) or await is_approved(self._approved, target):
            self._metrics.verdicts.labels(Tier.SKIPPED.value, "none", "allow").inc()
            return
        policy = settings.ladder
        if target.revision == 0:
            stats = await self._reputation.record_message(target.chat_id, target.user_id, policy=policy)
        else:
            stats = await self._reputation.stats(target.chat_id, target.user_id)
        member = member_context(stats, started, policy, is_admin=exempt)
        text = fields.get("text", "")
        counts = await self._signals.observe(
            chat_id=target.chat_id, user_id=target.user_id, message_id=target.message_id, sent_at=message_date,
            text_hash=self._text_hash(text) if text.strip() else None, now=started)
        request = request_from_job(fields, member=member, language=settings.language.value, signals=Signals(
            messages_last_minute=counts.messages_last_minute, same_text_senders=counts.same_text_senders,
            same_text_chats=counts.same_text_chats))
        verdict = await self._decider.decide(request, settings)
        verdict_at = time.time()
        self._metrics.verdicts.labels(verdict.tier.value, verdict.category.value, verdict.action.value).inc()
        self._metrics.job_age_at_verdict.observe(max(0.0, verdict_at - message_date))
        await self._enforcer.enforce(target, verdict, settings, message_date=message_date, timings={
            "queue_wait": started - float(fields.get("enqueued_at") or started),
            "decide": verdict_at - started,
        })
        if target.revision == 0 and not verdict.is_violation:
            if self._achievements is not None:
                await self._achievements.after_message(stats, target.name, settings)
            await self._credit_thanks(fields, target, settings)

    async def _credit_thanks(self, fields: dict[str, str], target: Target, settings: GroupSettings) -> None:
        """A short thank-you in reply to another member counts as a helpful answer of theirs."""
        helper = int(fields.get("reply_to_user_id") or 0)
        if helper <= 0 or helper == target.user_id or not is_thanks(fields.get("text", "")):
            return
        stats = await self._reputation.record_helpful(
            target.chat_id, helper, quality=None, policy=settings.ladder,
            event_id=f"thanks:{target.chat_id}:{target.message_id}")
        if self._achievements is not None:
            await self._achievements.after_message(stats, fields.get("reply_to_name", ""), settings)


class FastDecider(Protocol):
    def fast_verdict(self, request: ModerationRequest, settings: GroupSettings) -> Verdict | None: ...


class InlineModeration:
    """The gateway's fast tier: a certain rule hit removes the message before any reply exists."""

    def __init__(self, *, decider: FastDecider, enforcer: Enforcer, admins: AdminCache, metrics: Metrics,
                 approved: ApprovedMembers | None = None) -> None:
        self._approved = approved
        self._decider = decider
        self._enforcer = enforcer
        self._admins = admins
        self._metrics = metrics

    async def check(self, fields: dict[str, str], settings: GroupSettings) -> bool:
        if settings.dry_run:
            return False  # dry-run removes nothing: the worker judges and audits it with full context
        request = request_from_job(fields, member=INLINE_MEMBER, language=settings.language.value)
        verdict = self._decider.fast_verdict(request, settings)
        if verdict is None or not verdict.removes_message:
            return False
        target = target_from_job(fields)
        if not settings.moderate_admins and await is_exempt(self._admins, fields, target):
            return False
        if await is_approved(self._approved, target):
            return False
        self._metrics.verdicts.labels(verdict.tier.value, verdict.category.value, verdict.action.value).inc()
        await self._enforcer.enforce(target, verdict, settings, message_date=float(fields.get("date") or time.time()),
                                     timings={"inline": verdict.elapsed_ms / 1000})
        return not settings.dry_run
