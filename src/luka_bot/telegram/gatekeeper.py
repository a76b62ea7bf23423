"""The newcomer gate's Telegram side: hold joins behind a captcha, detect raids, time out.

Guarantees:
- A challenge's deadline is in Redis (`captcha_deadlines`), so a restart never forgets it; the
  sweeper (`sweep`) removes whoever is still waiting once it passes.
- A chat shows at most one challenge message: each join replaces it, each solve or timeout edits
  or deletes it; timeouts of one sweep share one self-deleting notice.
- A join is handled once although Telegram announces it twice (service message, chat_member).
- Joins of one chat are handled one at a time in this process (`_lock`), so a surge cannot post
  two prompts or start a raid twice; across processes the Redis claims (SET NX, HDEL) decide.
"""

from __future__ import annotations

import secrets
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import structlog
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from luka_bot.domain import SanctionKind
from luka_bot.gate.applicant import (
    AdminName,
    Applicant,
    Decision,
    Screening,
    answer_accepted,
    has_spam_words,
    screen,
)
from luka_bot.gate.captcha import Challenge, is_right, make_challenge
from luka_bot.gate.cas import CasLookup
from luka_bot.gate.policy import GateSettings, JoinRequestMode, RaidAction
from luka_bot.gate.raid import judge_join
from luka_bot.gate.repository import GateRepository, Pending, Prompt
from luka_bot.store.audit import AuditLog
from luka_bot.store.group_settings import GroupSettingsRepository
from luka_bot.store.scheduled_deletions import ScheduledDeletions
from luka_bot.telegram import sanctioning
from luka_bot.telegram.admins import AdminCache
from luka_bot.telegram.cases import CaseStore
from luka_bot.telegram.chat_locks import ChatLocks
from luka_bot.telegram.rate_limit import OutboundLimiter
from luka_bot.texts import render
from luka_bot.texts.gate import TEXTS

log = structlog.get_logger(__name__)

NAMES_SHOWN = 5


class CaptchaCallback(CallbackData, prefix="gc"):
    token: str


class RaidCallback(CallbackData, prefix="gr"):
    chat_id: int


class AppealCallback(CallbackData, prefix="ja"):
    """A declined applicant's Appeal button (in their private chat)."""

    chat_id: int


class LetInCallback(CallbackData, prefix="jl"):
    """An admin's answer to an appeal: approve the applicant for the group."""

    chat_id: int
    user_id: int


@dataclass(frozen=True, slots=True)
class Newcomer:
    user_id: int
    name: str
    is_bot: bool = False


def _utc(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M")


class Gatekeeper:
    def __init__(
        self,
        bot: Bot,
        *,
        repo: GateRepository,
        group_settings: GroupSettingsRepository,
        admins: AdminCache,
        audit: AuditLog,
        cases: CaseStore,
        limiter: OutboundLimiter,
        notice_lifetime: float,
        deletions: ScheduledDeletions,
        cas: CasLookup | None = None,
    ) -> None:
        self._deletions = deletions
        self._cas = cas
        self._bot = bot
        self.repo = repo
        self._group_settings = group_settings
        self._admins = admins
        self._audit = audit
        self._cases = cases
        self._limiter = limiter
        self._notice_lifetime = notice_lifetime
        self._locks = ChatLocks()
        # Join service messages of raiders, deleted in batches (deleteMessages takes 100) by the sweep:
        # one call per hundred raiders instead of one each. Kept in memory: after a restart the rest
        # stay as they are, which costs readability, never safety.
        self._join_messages: defaultdict[int, list[int]] = defaultdict(list)

    async def aclose(self) -> None:
        if self._cas is not None:
            await self._cas.aclose()

    # --- helpers -----------------------------------------------------------------------------
    async def _lang(self, chat_id: int) -> str:
        return (await self._group_settings.get(chat_id)).language.value

    async def is_approved(self, chat_id: int, user_id: int) -> bool:
        return await self.repo.is_approved(chat_id, user_id)

    async def _record(self, chat_id: int, decision: str, user_id: int, name: str, reason: str, **extra: object) -> None:
        await self._audit.write(
            chat_id, {"kind": "gate", "decision": decision, "user_id": user_id, "name": name, "reason": reason, **extra}
        )
        log.info("gate.decision", chat_id=chat_id, user_id=user_id, decision=decision, reason=reason)

    async def kick(self, chat_id: int, user_id: int) -> bool:
        """Removes without banning: a short ban lifted at once, so the user may join again."""
        try:
            await sanctioning.kick(self._bot, chat_id, user_id)
            await self.repo.forget_sighting(chat_id, user_id)  # they may join again at once: a new join
            return True
        except TelegramAPIError as exc:
            log.warning("gate.kick_failed", chat_id=chat_id, user_id=user_id, error=str(exc))
            return False

    async def _ban_until(self, chat_id: int, user_id: int, until: float) -> bool:
        try:
            await sanctioning.restrict(self._bot, chat_id, user_id, SanctionKind.BAN, until)
            return True
        except TelegramAPIError as exc:
            log.warning("gate.ban_failed", chat_id=chat_id, user_id=user_id, error=str(exc))
            return False

    async def _delete(self, chat_id: int, message_id: int) -> None:
        if message_id <= 0:
            return
        try:
            await self._bot.delete_message(chat_id, message_id)
        except TelegramAPIError:
            pass  # already gone or too old: nothing left to do

    def _delete_later(self, chat_id: int, message_id: int) -> None:
        if message_id > 0:
            self._join_messages[chat_id].append(message_id)

    async def flush_deletions(self) -> None:
        for chat_id in list(self._join_messages):
            ids = self._join_messages.pop(chat_id, [])
            for start in range(0, len(ids), 100):
                try:
                    await self._bot.delete_messages(chat_id, ids[start : start + 100])
                except TelegramAPIError as exc:
                    log.info(
                        "gate.join_messages_not_deleted",
                        chat_id=chat_id,
                        n=len(ids[start : start + 100]),
                        error=str(exc),
                    )

    async def _schedule_delete(self, chat_id: int, message_id: int) -> None:
        # The enforcer's self-deleting notices share this durable schedule and its sweeper.
        await self._deletions.schedule(chat_id, message_id, time.time() + self._notice_lifetime)

    # --- joins -------------------------------------------------------------------------------
    async def on_join(
        self, chat_id: int, chat_title: str, newcomer: Newcomer, joined_at: float, join_message_id: int = 0
    ) -> str:
        """Handle one join; returns what was decided (for logs and tests)."""
        if newcomer.is_bot:
            return "bot"  # bots are added by admins; userbots are not is_bot and are gated
        if not await self.repo.first_sighting(chat_id, newcomer.user_id):
            return "duplicate"
        async with self._locks[chat_id]:
            return await self._on_join(chat_id, chat_title, newcomer, joined_at, join_message_id)

    async def _on_join(
        self, chat_id: int, chat_title: str, newcomer: Newcomer, joined_at: float, join_message_id: int
    ) -> str:
        settings = await self.repo.settings(chat_id)
        if await self.repo.is_approved(chat_id, newcomer.user_id):
            return "approved"
        # No admin check here: someone made an admin arrives as "administrator", never as a join,
        # and during a surge every ban drops the admin cache (a chat_member update), so asking would
        # cost a getChatAdministrators per raider.
        if settings.cas_enabled and await self._cas_listed(chat_id, newcomer.user_id):
            banned = await self._ban_until(chat_id, newcomer.user_id, 0)
            await self._delete(chat_id, join_message_id)
            await self._record(
                chat_id,
                "cas_banned" if banned else "cas_ban_failed",
                newcomer.user_id,
                newcomer.name,
                "listed in the CAS ban list",
            )
            return "cas_banned"
        count, raid_until = await self.repo.record_join(chat_id, newcomer.user_id, joined_at, settings.raid_window_s)
        now = time.time()
        raid = judge_join(count, raid_until is not None and raid_until > now, settings)
        if raid.start:
            until = now + settings.raid_duration_s
            if await self.repo.start_raid(chat_id, until, settings.raid_duration_s):
                await self._raid_started(chat_id, chat_title, settings, until, count, newcomer.user_id)
            else:
                raid_until = await self.repo.raid_until(chat_id)
        if raid.active:
            until = raid_until if raid_until and not raid.start else now + settings.raid_duration_s
            if settings.raid_action is RaidAction.KICK:
                banned = await self._ban_until(chat_id, newcomer.user_id, until)
                self._delete_later(chat_id, join_message_id)
                await self._record(
                    chat_id,
                    "raid_removed" if banned else "raid_remove_failed",
                    newcomer.user_id,
                    newcomer.name,
                    "raid mode",
                    until=until,
                )
                return "raid_removed"
            return await self._challenge(chat_id, newcomer, settings, join_message_id, repost=False, reason="raid mode")
        if settings.captcha_enabled:
            return await self._challenge(chat_id, newcomer, settings, join_message_id, repost=True, reason="captcha")
        return "admitted"

    async def _challenge(
        self,
        chat_id: int,
        newcomer: Newcomer,
        settings: GateSettings,
        join_message_id: int,
        *,
        repost: bool,
        reason: str,
    ) -> str:
        try:
            await self._bot.restrict_chat_member(chat_id, newcomer.user_id, permissions=sanctioning.MUTED)
        except TelegramAPIError as exc:
            # Without the right to restrict there is nothing to hold them with; say so, admit.
            await self._record(chat_id, "captcha_unavailable", newcomer.user_id, newcomer.name, str(exc))
            return "captcha_unavailable"
        deadline = time.time() + settings.captcha_timeout_s
        await self.repo.hold(chat_id, Pending(newcomer.user_id, newcomer.name, deadline, join_message_id))
        await self._record(chat_id, "held", newcomer.user_id, newcomer.name, reason, deadline=deadline)
        current = await self.repo.prompt(chat_id)
        if repost or current is None:
            await self._post_prompt(chat_id, settings, replace=current)
        return "held"

    async def _prompt_text(
        self, chat_id: int, settings: GateSettings, challenge_subject: str, math: bool, lang: str
    ) -> str | None:
        waiting = await self.repo.pending(chat_id)
        if not waiting:
            return None
        names = ", ".join(p.name for p in waiting[-NAMES_SHOWN:])
        if len(waiting) > NAMES_SHOWN:
            names = f"{names} +{len(waiting) - NAMES_SHOWN}"
        key = "captcha.prompt.math" if math else "captcha.prompt"
        return render(TEXTS, key, lang, names=names, subject=challenge_subject, seconds=settings.captcha_timeout_s)

    async def _post_prompt(self, chat_id: int, settings: GateSettings, *, replace: Prompt | None) -> None:
        """A fresh challenge (new decoy layout) at the bottom of the chat; the old one goes."""
        lang = await self._lang(chat_id)
        challenge = make_challenge(settings.captcha_kind)
        text = await self._prompt_text(
            chat_id, settings, challenge.subject_text(lang), challenge.kind.value == "math", lang
        )
        if replace is not None:
            await self._delete(chat_id, replace.message_id)
        if text is None:
            return
        try:
            await self._limiter.take(chat_id)
            sent = await self._bot.send_message(chat_id, text, parse_mode="HTML", reply_markup=_keyboard(challenge))
        except TelegramAPIError as exc:
            log.warning("gate.prompt_failed", chat_id=chat_id, error=str(exc))
            return  # the deadline still runs: an unsolved challenge ends in a kick, never in a free pass
        await self.repo.set_prompt(chat_id, Prompt(sent.message_id, challenge.answer))

    async def _after_release(self, chat_id: int) -> None:
        """Someone left the waiting list: the prompt goes when nobody waits any more."""
        prompt = await self.repo.prompt(chat_id)
        if prompt is None or await self.repo.pending(chat_id):
            return
        if await self.repo.clear_prompt(chat_id, prompt.message_id):
            await self._delete(chat_id, prompt.message_id)

    async def release_prompt_if_idle(self, chat_id: int) -> None:
        async with self._locks[chat_id]:
            await self._after_release(chat_id)

    # --- captcha answers -----------------------------------------------------------------------
    async def answer(self, chat_id: int, message_id: int, user_id: int, token: str) -> str:
        """A button press on a challenge; returns a text key for the callback answer."""
        async with self._locks[chat_id]:
            pending = await self.repo.pending_one(chat_id, user_id)
            if pending is None:
                return "captcha.not_yours"
            prompt = await self.repo.prompt(chat_id)
            if prompt is None or prompt.message_id != message_id:
                return "captcha.stale"
            if await self.repo.release(chat_id, user_id) is None:
                return "captcha.not_yours"  # a timeout or another press got there first
            if is_right(prompt.answer, token):
                try:
                    await sanctioning.unmute(self._bot, chat_id, user_id)
                except TelegramAPIError as exc:
                    log.warning("gate.unrestrict_failed", chat_id=chat_id, user_id=user_id, error=str(exc))
                await self._record(chat_id, "captcha_passed", user_id, pending.name, "right button")
                outcome = "captcha.passed"
            else:
                await self.kick(chat_id, user_id)
                await self._delete(chat_id, pending.join_message_id)
                await self._record(chat_id, "captcha_failed", user_id, pending.name, "wrong button")
                outcome = "captcha.wrong"
            await self._after_release(chat_id)
            return outcome

    # --- timeouts ------------------------------------------------------------------------------
    async def sweep(self, now: float | None = None) -> int:
        """Remove everyone whose challenge expired; one notice per chat per sweep."""
        now = time.time() if now is None else now
        await self.flush_deletions()
        removed: defaultdict[int, list[str]] = defaultdict(list)
        for chat_id, user_id in await self.repo.due(now):
            async with self._locks[chat_id]:
                pending = await self.repo.release(chat_id, user_id)
                if pending is None:
                    continue  # solved or failed meanwhile (or another process took it)
                kicked = await self.kick(chat_id, user_id)
                self._delete_later(chat_id, pending.join_message_id)
                await self._record(
                    chat_id,
                    "captcha_timeout" if kicked else "captcha_timeout_kick_failed",
                    user_id,
                    pending.name,
                    "no answer in time",
                )
                removed[chat_id].append(pending.name)
        for chat_id, names in removed.items():
            async with self._locks[chat_id]:
                await self._after_release(chat_id)
            if await self.repo.raid_until(chat_id):
                continue  # during a raid the chat must stay readable: the audit has every name
            lang = await self._lang(chat_id)
            shown = ", ".join(names[:NAMES_SHOWN]) + (
                f" +{len(names) - NAMES_SHOWN}" if len(names) > NAMES_SHOWN else ""
            )
            try:
                await self._limiter.take(chat_id)
                sent = await self._bot.send_message(
                    chat_id, render(TEXTS, "captcha.timed_out", lang, names=shown), parse_mode="HTML"
                )
                await self._schedule_delete(chat_id, sent.message_id)
            except TelegramAPIError as exc:
                log.warning("gate.timeout_notice_failed", chat_id=chat_id, error=str(exc))
        return sum(len(v) for v in removed.values())

    # --- shared ban lists --------------------------------------------------------------------
    async def _cas_listed(self, chat_id: int, user_id: int) -> bool:
        if self._cas is None or not self._cas.configured:
            return False
        listed = await self._cas.is_listed(user_id)
        if listed is None:
            await self._record(chat_id, "cas_unknown", user_id, "", "the CAS lookup did not answer within 1 s")
        return bool(listed)

    async def linked_banned(self, chat_id: int, user_id: int) -> bool:
        """Banned for spam/scam in a group linked with this one (and not unbanned there)."""
        return await self.repo.linked_banned(chat_id, user_id)

    async def linked(self, chat_id: int) -> list[int]:
        return await self.repo.linked(chat_id)

    async def offer_link(self, chat_id: int, other: int, by: int) -> str:
        code = secrets.token_hex(6)
        await self.repo.offer_link(chat_id, other, by, code)
        return code

    async def confirm_link(self, chat_id: int, code: str, by: int) -> int | None:
        """An admin of `chat_id` confirms an offer made for it; returns the other group or None."""
        other = await self.repo.take_link_offer(code, chat_id)
        if other is None:
            return None
        await self.repo.link(chat_id, other)
        for here, there in ((chat_id, other), (other, chat_id)):
            await self._record(here, "linked", by, "", f"linked with {there}", other=there)
        return other

    async def unlink(self, chat_id: int, other: int, by: int) -> bool:
        removed = await self.repo.unlink(chat_id, other)
        if removed:
            for here, there in ((chat_id, other), (other, chat_id)):
                await self._record(here, "unlinked", by, "", f"unlinked from {there}", other=there)
        return removed

    async def spread_ban(self, chat_id: int, user_id: int, category: str) -> list[int]:
        """A ban for spam/scam here applies in every linked group too; returns where it was applied."""
        if user_id <= 0 or await self.repo.is_approved(chat_id, user_id):
            return []
        await self.repo.note_spam_ban(user_id, chat_id)
        applied = []
        for other in await self.linked(chat_id):
            if await self.repo.is_approved(other, user_id) or await self._admins.is_admin(other, user_id):
                continue
            await self.repo.note_spam_ban(user_id, other)
            banned = await self._ban_until(other, user_id, 0)
            await self._record(
                other,
                "linked_ban" if banned else "linked_ban_failed",
                user_id,
                "",
                f"banned for {category} in linked group {chat_id}",
                source=chat_id,
            )
            if banned:
                applied.append(other)
        return applied

    async def unbanned(self, chat_id: int, user_id: int, by: int) -> None:
        """An unban in one group lifts the shared ban there only."""
        if await self.repo.lift_spam_ban(user_id, chat_id):
            await self._record(chat_id, "linked_ban_lifted", user_id, "", f"unbanned here by {by}")

    # --- raid mode -----------------------------------------------------------------------------
    async def _raid_started(
        self, chat_id: int, chat_title: str, settings: GateSettings, until: float, joins: int, newcomer_id: int
    ) -> None:
        """Hold the surge that started it too, then tell the admins once."""
        lang = await self._lang(chat_id)
        await self._record(chat_id, "raid_on", 0, "", f"{joins} joins within {settings.raid_window_s} s", until=until)
        if settings.raid_action is RaidAction.KICK:
            done: set[int] = set()
            for pending in await self.repo.pending(chat_id):
                if await self.repo.release(chat_id, pending.user_id) is not None:
                    await self._ban_until(chat_id, pending.user_id, until)
                    self._delete_later(chat_id, pending.join_message_id)
                    await self._record(chat_id, "raid_removed", pending.user_id, pending.name, "raid mode", until=until)
                    done.add(pending.user_id)
            await self._remove_window_joins(chat_id, settings, until, skip=done | {newcomer_id})
            await self._after_release(chat_id)
        text = render(
            TEXTS,
            "raid.started",
            lang,
            chat=chat_title or str(chat_id),
            joins=joins,
            window=settings.raid_window_s,
            until=_utc(until),
            action=render(TEXTS, f"raid.action.{settings.raid_action.value}", lang),
        )
        await self._tell_admins(chat_id, text, lang)

    async def _remove_window_joins(self, chat_id: int, settings: GateSettings, until: float, *, skip: set[int]) -> None:
        """The joins that made the surge are part of the raid: removed like the ones after them."""
        for user_id in await self.repo.window_joiners(chat_id):
            if user_id in skip or await self.repo.is_approved(chat_id, user_id):
                continue
            if await self._ban_until(chat_id, user_id, until):
                await self._record(chat_id, "raid_removed", user_id, "", "joined in the surge", until=until)

    async def _tell_admins(self, chat_id: int, text: str, lang: str) -> None:
        target = await self._cases.log_chat(chat_id) or chat_id
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text=render(TEXTS, "raid.end_button", lang), callback_data=RaidCallback(chat_id=chat_id).pack()
                    )
                ]
            ]
        )
        try:
            await self._limiter.take(target)
            await self._bot.send_message(target, text, parse_mode="HTML", reply_markup=keyboard)
        except TelegramAPIError as exc:
            log.warning("gate.raid_notice_failed", chat_id=chat_id, target=target, error=str(exc))

    async def lock_removed(self, chat_id: int, message_id: int, user_id: int, name: str) -> None:
        """A newcomer's link or media during a raid: removed, audited; no notice (the chat stays calm)."""
        await self._delete(chat_id, message_id)
        await self._record(
            chat_id,
            "raid_lock_removed",
            user_id,
            name,
            "link or media from a newcomer during a raid",
            message_id=message_id,
        )

    async def raid_on(self, chat_id: int, chat_title: str, duration_s: int, by: int) -> float:
        until = time.time() + duration_s
        await self.repo.set_raid(chat_id, until, duration_s)
        await self._record(chat_id, "raid_on", by, "", "turned on by an admin", until=until)
        lang = await self._lang(chat_id)
        log_chat = await self._cases.log_chat(chat_id)
        if log_chat and log_chat != chat_id:
            await self._tell_admins(
                chat_id, render(TEXTS, "raid.manual", lang, chat=chat_title or str(chat_id), until=_utc(until)), lang
            )
        return until

    async def raid_off(self, chat_id: int, by: int) -> bool:
        ended = await self.repo.end_raid(chat_id)
        if ended:
            await self._record(chat_id, "raid_off", by, "", "ended by an admin")
        return ended


def _keyboard(challenge: Challenge) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=b.label, callback_data=CaptchaCallback(token=b.token).pack()) for b in row]
            for row in challenge.rows()
        ]
    )


def raid_until_text(until: float) -> str:
    return _utc(until)


class JoinRequestOutcome(StrEnum):
    IGNORED = "ignored"
    APPROVED = "approved"
    DECLINED = "declined"
    ASKED = "asked"


REASON_TEXT_KEYS = {
    "cas": "reason.cas",
    "linked": "reason.linked",
    "spam_words": "reason.spam_words",
    "imitates_admin": "reason.imitates_admin",
    "bio_link": "reason.bio_link",
}


class JoinRequestDesk:
    """Join requests: screen the applicant, then approve, decline or ask in private."""

    def __init__(self, gatekeeper: Gatekeeper) -> None:
        self._g = gatekeeper

    async def on_request(
        self, chat_id: int, chat_title: str, applicant: Applicant, user_chat_id: int, bio_in_update: str = ""
    ) -> JoinRequestOutcome:
        g = self._g
        settings = await g.repo.settings(chat_id)
        if settings.join_requests is JoinRequestMode.OFF:
            # The admins decide in the Telegram app; the audit still shows the request arrived.
            await g._record(chat_id, "request_left_to_admins", applicant.user_id, applicant.full_name, "screening off")
            return JoinRequestOutcome.IGNORED
        if await g.repo.is_approved(chat_id, applicant.user_id):
            lang = await g._lang(chat_id)
            return await self.approve(
                chat_id, applicant.user_id, applicant.full_name, chat_title, lang, "approved member"
            )
        bio = await self._bio(user_chat_id) or bio_in_update
        applicant = Applicant(applicant.user_id, applicant.first_name, applicant.last_name, applicant.username, bio)
        cas = await g._cas_listed(chat_id, applicant.user_id) if settings.cas_enabled else None
        screening = screen(
            applicant,
            admins=await self._admin_names(chat_id),
            cas_listed=bool(cas),
            linked_banned=await g.linked_banned(chat_id, applicant.user_id),
            mode=settings.join_requests,
        )
        lang = await g._lang(chat_id)
        reasons = ",".join(r.value for r in screening.reasons) + (
            "" if cas is not None or not settings.cas_enabled else ",cas_unknown"
        )
        if screening.decision is Decision.APPROVE:
            return await self.approve(chat_id, applicant.user_id, applicant.full_name, chat_title, lang, reasons)
        if screening.decision is Decision.DECLINE:
            return await self.decline(
                chat_id, applicant.user_id, applicant.full_name, chat_title, lang, reasons, screening, user_chat_id
            )
        return await self._ask(chat_id, chat_title, applicant, user_chat_id, settings, lang, reasons)

    async def _bio(self, user_chat_id: int) -> str:
        try:
            chat = await self._g._bot.get_chat(user_chat_id)
        except TelegramAPIError as exc:
            log.warning("gate.get_chat_failed", user_id=user_chat_id, error=str(exc))
            return ""
        return chat.bio or ""

    async def _admin_names(self, chat_id: int) -> list[AdminName]:
        try:
            admins = await self._g._bot.get_chat_administrators(chat_id)
        except TelegramAPIError:
            return []
        return [AdminName(a.user.id, a.user.full_name, a.user.username or "") for a in admins if not a.user.is_bot]

    async def approve(
        self, chat_id: int, user_id: int, name: str, chat_title: str, lang: str, reasons: str
    ) -> JoinRequestOutcome:
        g = self._g
        # Screened already: the join that follows is not challenged again.
        await g.repo.first_sighting(chat_id, user_id)
        try:
            await g._bot.approve_chat_join_request(chat_id, user_id)
        except TelegramAPIError as exc:
            await g.repo.forget_sighting(chat_id, user_id)
            await g._record(chat_id, "request_approve_failed", user_id, name, f"{reasons}: {exc}")
            return JoinRequestOutcome.IGNORED
        await g._record(chat_id, "request_approved", user_id, name, reasons)
        await self._tell(user_id, render(TEXTS, "jr.approved", lang, chat=chat_title or str(chat_id)))
        return JoinRequestOutcome.APPROVED

    async def decline(
        self,
        chat_id: int,
        user_id: int,
        name: str,
        chat_title: str,
        lang: str,
        reasons: str,
        screening: Screening | None,
        user_chat_id: int,
        *,
        text_key: str = "jr.declined",
    ) -> JoinRequestOutcome:
        g = self._g
        try:
            await g._bot.decline_chat_join_request(chat_id, user_id)
        except TelegramAPIError as exc:
            await g._record(chat_id, "request_decline_failed", user_id, name, f"{reasons}: {exc}")
            return JoinRequestOutcome.IGNORED
        await g._record(chat_id, "request_declined", user_id, name, reasons)
        shown = ", ".join(
            render(TEXTS, REASON_TEXT_KEYS[r.value], lang)
            for r in (screening.reasons if screening else ())
            if r.value in REASON_TEXT_KEYS
        )
        await g.repo.declined(
            chat_id, user_id, {"name": name, "chat_title": chat_title, "reasons": reasons, "lang": lang}
        )
        appeal = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text=render(TEXTS, "appeal.button", lang), callback_data=AppealCallback(chat_id=chat_id).pack()
                    )
                ]
            ]
        )
        await self._tell(
            user_chat_id,
            render(TEXTS, text_key, lang, chat=chat_title or str(chat_id), reason=shown or "-"),
            reply_markup=appeal,
        )
        return JoinRequestOutcome.DECLINED

    async def _ask(
        self,
        chat_id: int,
        chat_title: str,
        applicant: Applicant,
        user_chat_id: int,
        settings: GateSettings,
        lang: str,
        reasons: str,
    ) -> JoinRequestOutcome:
        g = self._g
        question = (
            settings.question.text(lang) if settings.question.is_set else render(TEXTS, "jr.default_question", lang)
        )
        await g.repo.ask(
            chat_id,
            applicant.user_id,
            {
                "chat_title": chat_title,
                "name": applicant.full_name,
                "lang": lang,
                "user_chat_id": str(user_chat_id),
                "reasons": reasons,
            },
        )
        await g._record(chat_id, "request_asked", applicant.user_id, applicant.full_name, reasons)
        await self._tell(
            user_chat_id, render(TEXTS, "jr.question", lang, chat=chat_title or str(chat_id), question=question)
        )
        return JoinRequestOutcome.ASKED

    async def waiting_chats(self, user_id: int) -> list[int]:
        return await self._g.repo.waiting_chats(user_id)

    async def on_answer(self, user_id: int, text: str) -> JoinRequestOutcome:
        """The applicant answered in private: every group waiting for them decides now."""
        g = self._g
        outcome = JoinRequestOutcome.IGNORED
        for chat_id in await self.waiting_chats(user_id):
            record = await g.repo.take_request(chat_id, user_id)
            if record is None:
                continue  # answered already (another process took it)
            settings = await g.repo.settings(chat_id)
            if settings.question.is_set:
                accepted = answer_accepted(text, settings.question.answers)
            else:
                accepted = bool(text.strip()) and not has_spam_words(text)
            lang, title, name = record.get("lang", "en"), record.get("chat_title", ""), record.get("name", "")
            reasons = f"{record.get('reasons', '')};answer={'accepted' if accepted else 'refused'}"
            if accepted:
                outcome = await self.approve(chat_id, user_id, name, title, lang, reasons)
            else:
                outcome = await self.decline(
                    chat_id,
                    user_id,
                    name,
                    title,
                    lang,
                    reasons,
                    None,
                    int(record.get("user_chat_id") or user_id),
                    text_key="jr.wrong_answer",
                )
        return outcome

    async def appeal(self, chat_id: int, user_id: int) -> str:
        """The declined applicant pressed Appeal: the admins get it with a Let-them-in button."""
        g = self._g
        record = await g.repo.decline_record(chat_id, user_id)
        if not record:
            return render(TEXTS, "appeal.expired", "en")
        lang, title = record.get("lang", "en"), record.get("chat_title", "")
        if not await g.repo.mark_appealed(chat_id, user_id):
            return render(TEXTS, "appeal.sent", lang, chat=title or str(chat_id))  # once is enough
        target = await g._cases.log_chat(chat_id) or chat_id
        button = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text=render(TEXTS, "appeal.let_in", lang),
                        callback_data=LetInCallback(chat_id=chat_id, user_id=user_id).pack(),
                    )
                ]
            ]
        )
        try:
            await g._limiter.take(target)
            await g._bot.send_message(
                target,
                render(
                    TEXTS,
                    "appeal.to_admins",
                    lang,
                    name=record.get("name", ""),
                    user_id=user_id,
                    chat=title or str(chat_id),
                    reasons=record.get("reasons", ""),
                ),
                parse_mode="HTML",
                reply_markup=button,
            )
        except TelegramAPIError as exc:
            await g.repo.unmark_appealed(chat_id, user_id)  # may try again
            log.warning("gate.appeal_not_posted", chat_id=chat_id, error=str(exc))
            return render(TEXTS, "appeal.expired", lang)
        await g._record(chat_id, "request_appealed", user_id, record.get("name", ""), record.get("reasons", ""))
        return render(TEXTS, "appeal.sent", lang, chat=title or str(chat_id))

    async def let_in(self, chat_id: int, user_id: int, by: int) -> str:
        """An admin accepted the appeal: approved, so their next request is let in."""
        g = self._g
        record = await g.repo.decline_record(chat_id, user_id)
        lang = await g._lang(chat_id)
        name = record.get("name", "") or str(user_id)
        await g.repo.approve(chat_id, user_id)
        await g.repo.forget_decline(chat_id, user_id)
        await g._record(chat_id, "appeal_accepted", user_id, name, f"by admin {by}")
        await self._tell(
            user_id, render(TEXTS, "appeal.accepted", lang, chat=record.get("chat_title", "") or str(chat_id))
        )
        return render(TEXTS, "appeal.done", lang, name=name)

    async def _tell(self, user_chat_id: int, text: str, reply_markup: InlineKeyboardMarkup | None = None) -> None:
        try:
            await self._g._bot.send_message(user_chat_id, text, parse_mode="HTML", reply_markup=reply_markup)
        except TelegramAPIError as exc:  # the private chat closed: the decision stands and is audited
            log.info("gate.applicant_unreachable", user_id=user_chat_id, error=str(exc))
