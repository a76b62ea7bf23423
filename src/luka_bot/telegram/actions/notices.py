"""Notices to members, posts to log chats and hints to admins: their own durable queue and sender.

Enforcement only enqueues a notice (once per message revision) and is done; the sender, a worker
on the notice stream, paces each group by reserving its next slot of the group's minute budget
and deferring the notice until then (durably, without holding a slot). So deleting spam never
waits for a busy group's notice budget, and a notice survives restarts and 429 storms.

Delivery is at-least-once: the "sent" marker is written only after Telegram accepted the
message. A crash between the two sends the notice again; a lost notice would be worse.
"""

from __future__ import annotations

import time
from enum import StrEnum

import redis.asyncio as aioredis
import structlog
from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
)

from luka_bot.jobs.queue import Job, JobQueue
from luka_bot.jobs.worker import Retry
from luka_bot.metrics import Metrics
from luka_bot.store.keys import ACTION_DONE_TTL, ACTION_PROGRESS_TTL, Keys
from luka_bot.store.private_chats import PrivateChats
from luka_bot.store.redis import multi
from luka_bot.store.scheduled_deletions import ScheduledDeletions
from luka_bot.telegram.actions.rate_limit import OutboundLimiter
from luka_bot.telegram.decisions.cases import CaseStore, log_keyboard, log_text, notice_keyboard
from luka_bot.telegram.faults import as_retry, short_inline_waits

log = structlog.get_logger(__name__)

# A reserved slot this close is simply waited for in the sender; further away, the notice is deferred.
SHORT_SLOT_WAIT_S = 0.3


class NoticeKind(StrEnum):
    MEMBER = "member"  # the member is told: in private when they started the bot, else in the group
    LOG = "log"  # the case with Restore / Confirm in the group's log chat
    HINT = "hint"  # a hint to the admins (the bot could not delete): log chat, else the group
    ANNOUNCE = "announce"  # an achievement announcement in the group


class Notices:
    """The enqueue side, used by enforcement."""

    def __init__(self, queue: JobQueue, keys: Keys) -> None:
        self._queue = queue
        self._keys = keys

    async def enqueue(
        self, kind: NoticeKind, *, chat_id: int, message_id: int, revision: int, fields: dict[str, str]
    ) -> bool:
        """Queue a notice once per (kind, message revision); False when it was queued before."""
        job = {
            "kind": kind.value,
            "chat_id": str(chat_id),
            "message_id": str(message_id),
            "revision": str(revision),
            **fields,
        }
        return await self._queue.enqueue_once(
            self._keys.notice_queued(chat_id, message_id, revision), kind.value, ACTION_PROGRESS_TTL, job
        )

    async def announce(self, chat_id: int, text: str) -> None:
        """Queue a message to the group (already rendered HTML); its caller makes it once."""
        await self._queue.enqueue(
            {"kind": NoticeKind.ANNOUNCE.value, "chat_id": str(chat_id), "message_id": "0", "text": text}
        )


class NoticeSender:
    """The notice stream's job handler."""

    def __init__(
        self,
        bot: Bot,
        redis: aioredis.Redis,
        keys: Keys,
        *,
        cases: CaseStore,
        limiter: OutboundLimiter,
        metrics: Metrics,
        notice_lifetime: float,
        deletions: ScheduledDeletions,
        private_chats: PrivateChats,
    ) -> None:
        self._deletions = deletions
        self._private_chats = private_chats
        self._bot = bot
        self._redis = redis
        self._keys = keys
        self._cases = cases
        self._limiter = limiter
        self._metrics = metrics
        self._notice_lifetime = notice_lifetime

    async def __call__(self, job: Job) -> None:
        try:
            kind = NoticeKind(job.fields.get("kind", ""))
            chat_id = int(job.fields["chat_id"])
            message_id = int(job.fields["message_id"])
            revision = int(job.fields.get("revision") or 0)
        except (KeyError, ValueError):
            log.error("notices.malformed_job", job_id=job.id, fields=sorted(job.fields))
            return
        try:
            with short_inline_waits():
                if kind is NoticeKind.MEMBER:
                    await self._member(job, chat_id, message_id, revision)
                elif kind is NoticeKind.LOG:
                    await self._log(job, chat_id, message_id)
                elif kind is NoticeKind.HINT:
                    await self._hint(job, chat_id)
                else:
                    await self._announce(job, chat_id)
        except TelegramAPIError as exc:
            retry = as_retry(exc, job.deferrals)
            if retry is not None:
                self._metrics.notices_sent.labels(kind.value, "deferred").inc()
                raise Retry(retry.defer, retry.reason, counts=False, update={**retry.update, **_kept(job)}) from exc
            # Refused for good (bot removed, chat gone): nothing a retry could change.
            self._metrics.notices_sent.labels(kind.value, "refused").inc()
            log.warning("notices.refused", kind=kind.value, chat_id=chat_id, message_id=message_id, error=str(exc))

    # --- the three kinds -------------------------------------------------------------------
    async def _member(self, job: Job, chat_id: int, message_id: int, revision: int) -> None:
        sent_key = self._keys.notice_sent(chat_id, message_id, revision)
        if await self._redis.exists(sent_key):
            return  # sent before a crash or by another sender
        user_id = int(job.fields.get("user_id") or 0)
        case = await self._cases.get(chat_id, message_id)
        if case is not None and case.revision != revision:
            case = None
        lang = job.fields.get("lang", "en")
        dm_text = job.fields.get("dm_text", "")
        if (
            dm_text
            and user_id > 0
            and job.fields.get("dm_failed") != "1"
            and await self._private_chats.has_started(user_id)
        ):
            await self._limiter.take_global()
            try:
                await self._bot.send_message(
                    user_id,
                    dm_text,
                    parse_mode="HTML",
                    reply_markup=(notice_keyboard(case, lang, public=False) if case else None),
                )
            except (TelegramForbiddenError, TelegramBadRequest):
                job.fields["dm_failed"] = "1"  # blocked the bot since: tell them in the group instead
            else:
                await self._redis.set(sent_key, "1", ex=ACTION_DONE_TTL)
                self._metrics.notices_sent.labels("member", "dm").inc()
                return
        await self._paced(job, chat_id)
        sent = await self._bot.send_message(
            chat_id,
            job.fields.get("public_text", ""),
            parse_mode="HTML",
            reply_markup=notice_keyboard(case, lang, public=True) if case else None,
        )
        # The marker lives with the chat, the schedule is global: on a cluster two slots, each
        # write safe on its own (a notice marked sent but never scheduled just stays up).
        async with multi(self._redis) as pipe:
            pipe.set(sent_key, "1", ex=ACTION_DONE_TTL)
            self._deletions.queue_schedule(pipe, chat_id, sent.message_id, time.time() + self._notice_lifetime)
            await pipe.execute()
        self._metrics.notices_sent.labels("member", "public").inc()

    async def _log(self, job: Job, chat_id: int, message_id: int) -> None:
        case = await self._cases.get(chat_id, message_id)
        if case is None or await self._cases.logged(chat_id, message_id):
            return
        target = await self._cases.log_chat(chat_id)
        if target is None:
            return  # automatic actions are then only in the audit trail
        lang = job.fields.get("lang", "en")
        await self._paced(job, target)
        await self._bot.send_message(
            target,
            log_text(case, lang, appeal=False, in_group=target == chat_id),
            parse_mode="HTML",
            reply_markup=log_keyboard(case, lang),
        )
        await self._cases.mark_logged(chat_id, message_id)
        self._metrics.notices_sent.labels("log", "sent").inc()

    async def _hint(self, job: Job, chat_id: int) -> None:
        target = await self._cases.log_chat(chat_id) or chat_id
        await self._paced(job, target)
        await self._bot.send_message(target, job.fields.get("text", ""), parse_mode="HTML")
        self._metrics.notices_sent.labels("hint", "sent").inc()

    async def _announce(self, job: Job, chat_id: int) -> None:
        await self._paced(job, chat_id)
        await self._bot.send_message(chat_id, job.fields.get("text", ""), parse_mode="HTML")
        self._metrics.notices_sent.labels("announce", "sent").inc()

    # --- pacing ----------------------------------------------------------------------------
    async def _paced(self, job: Job, chat_id: int) -> None:
        """Returns when this notice may go to `chat_id`; raises Retry until its reserved slot."""
        slot = job.fields.get("slot")
        now = time.time()
        if not slot:
            wait = await self._limiter.reserve(chat_id)
            if wait > SHORT_SLOT_WAIT_S:
                raise Retry(
                    wait,
                    f"group {chat_id} notice budget: slot in {wait:.1f} s",
                    counts=False,
                    update={"slot": repr(now + wait), **_kept(job)},
                )
        elif float(slot) - now > SHORT_SLOT_WAIT_S:
            raise Retry(float(slot) - now, "waiting for the reserved slot", counts=False, update=_kept(job))
        await self._limiter.take_global()


def _kept(job: Job) -> dict[str, str]:
    """What a notice learnt on this run and must keep on the next (its slot, a blocked DM)."""
    return {k: job.fields[k] for k in ("slot", "dm_failed") if k in job.fields}
