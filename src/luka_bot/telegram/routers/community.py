"""Member commands (/rep, /top, /report) and admin commands (/warn, /unwarn, /mute, /unmute, /ban,
/unban, /pardon, /spam).

An admin command's target is always the author of the message it replies to, never a name or id
typed after it; every admin command asks Telegram (through the admin cache) who is asking.
"""

from __future__ import annotations

import html
import time

import structlog
from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import Message, User

from luka_bot.community.achievements import DEFAULT_ACHIEVEMENTS
from luka_bot.community.ladder import DEFAULT_MUTE_S
from luka_bot.community.reputation import ReputationStore
from luka_bot.community.sanctions import SanctionStore
from luka_bot.community.trust import recent_violations, trust_level
from luka_bot.moderation.learning import GroupLearning, SampleLabel
from luka_bot.moderation.verdict import Action, Category, Tier, Verdict
from luka_bot.policy.ladder import SanctionKind
from luka_bot.store.group_settings import GroupSettingsRepository
from luka_bot.store.keys import ACTION_CLAIM_TTL_MS
from luka_bot.telegram.admins import AdminCache
from luka_bot.telegram.cases import Case, CaseStore, notice_keyboard
from luka_bot.telegram.durations import ACCEPTED_FORMATS, parse_duration
from luka_bot.telegram.enforcement import Enforcer, Target
from luka_bot.telegram.gatekeeper import Gatekeeper
from luka_bot.telegram.intake import media_ref
from luka_bot.telegram.media_spam import MediaSpamGuard
from luka_bot.telegram.routers.calls import (
    IN_GROUPS,
    AdminCommand,
    AdminReply,
    Invocation,
    display_name,
    group_invocation,
    refused_here,
    reply_target,
)
from luka_bot.telegram.sanctioning import impose, lift
from luka_bot.texts import count, render
from luka_bot.texts.commands import TEXTS
from luka_bot.texts.community import TEXTS as COMMUNITY_TEXTS
from luka_bot.texts.community import category_label, leaderboard, reputation_card, sanction_notice

log = structlog.get_logger(__name__)

TOP_SIZE = 10
REPORT_EXCERPT = 1000


def mention(user_id: int, name: str) -> str:
    return f'<a href="tg://user?id={int(user_id)}">{html.escape(name, quote=False)}</a>'


async def _notice_with_appeal(
    bot: Bot,
    cases: CaseStore,
    call: Invocation,
    target: User,
    kind: SanctionKind,
    duration_s: int | None,
    text: str,
    *,
    violation_id: str = "",
) -> None:
    reply = call.message.reply_to_message
    assert reply is not None  # _target checked it
    case = Case(
        chat_id=call.chat_id,
        message_id=reply.message_id,
        user_id=target.id,
        name=display_name(target),
        text=reply.text or reply.caption or "",
        category=Category.OTHER,
        sanction=kind,
        duration_s=duration_s,
        removed=False,
        chat_title=call.message.chat.title or "",
        counted=kind is SanctionKind.WARN,
        violation_id=violation_id,
    )
    await cases.open(case)
    await bot.send_message(
        call.chat_id, text, parse_mode="HTML", reply_markup=notice_keyboard(case, call.lang, public=True)
    )


# --- member commands ---------------------------------------------------------------------------


async def rep(
    message: Message,
    command: CommandObject,
    group_settings: GroupSettingsRepository,
    reputation: ReputationStore,
    me: User,
) -> None:
    call = await group_invocation(message, command, group_settings)
    if call is None or message.from_user is None:
        return
    reply = message.reply_to_message
    user = (
        reply.from_user
        if reply is not None and reply.from_user is not None and not reply.from_user.is_bot
        else message.from_user
    )
    stats = await reputation.stats(call.chat_id, user.id)
    earned = await reputation.earned(call.chat_id, user.id)
    labels = [f"{a.emoji} {a.name(call.lang)}" for a in DEFAULT_ACHIEVEMENTS if a.id in earned]
    now = time.time()
    policy = call.settings.ladder
    await message.reply(
        reputation_card(
            member=display_name(user),
            trust=trust_level(stats, now, policy),
            points=stats.points,
            messages=stats.messages,
            helpful=stats.helpful,
            quality=stats.quality_answers,
            window_days=policy.window_days,
            recent_violations=recent_violations(stats, now, policy),
            achievements=labels,
            lang=call.lang,
        ),
        parse_mode="HTML",
    )


async def top(
    message: Message,
    command: CommandObject,
    bot: Bot,
    group_settings: GroupSettingsRepository,
    reputation: ReputationStore,
) -> None:
    call = await group_invocation(message, command, group_settings)
    if call is None:
        return
    rows = []
    # The best members: those who earned points. A leaderboard of the most-punished was a pillory.
    for user_id, points in await reputation.top(call.chat_id, TOP_SIZE, positive_only=True):
        try:
            name = display_name((await bot.get_chat_member(call.chat_id, user_id)).user)
        except TelegramAPIError:
            name = str(user_id)  # left the group and unknown to Telegram now: the id still ranks
        rows.append((name, points))
    await message.reply(leaderboard(rows, call.lang), parse_mode="HTML")


async def report(
    message: Message,
    command: CommandObject,
    bot: Bot,
    group_settings: GroupSettingsRepository,
    cases: CaseStore,
    me: User,
) -> None:
    call = await group_invocation(message, command, group_settings)
    if call is None or message.from_user is None:
        return
    reply = message.reply_to_message
    if reply is None or reply.from_user is None:
        await call.reply("needs_reply", command=call.command)
        return
    reporter = display_name(message.from_user)
    log_chat = await cases.log_chat(call.chat_id)
    if log_chat is not None and log_chat != call.chat_id:
        text = render(
            TEXTS,
            "report.log",
            call.lang,
            chat=message.chat.title or call.chat_id,
            reporter=reporter,
            member=display_name(reply.from_user),
            user_id=reply.from_user.id,
            message_id=reply.message_id,
            text=(reply.text or reply.caption or "—")[:REPORT_EXCERPT],
        )
        try:
            await bot.send_message(log_chat, text, parse_mode="HTML")
            await call.reply("report.sent")
            log.info("community.report", chat_id=call.chat_id, to="log_chat", message_id=reply.message_id)
            return
        except TelegramAPIError as exc:  # the log chat went away: tell the admins here instead
            log.warning("community.report_log_failed", chat_id=call.chat_id, error=str(exc))
    administrators = await bot.get_chat_administrators(call.chat_id)
    mentions = ", ".join(mention(a.user.id, display_name(a.user)) for a in administrators if not a.user.is_bot)
    text = render(TEXTS, "report.admins", call.lang, reporter=reporter) + " " + mentions
    await bot.send_message(call.chat_id, text, parse_mode="HTML", reply_to_message_id=reply.message_id)
    log.info("community.report", chat_id=call.chat_id, to="group", message_id=reply.message_id)


# --- admin commands ----------------------------------------------------------------------------


async def warn(
    message: Message,
    call: Invocation,
    target: User,
    bot: Bot,
    reputation: ReputationStore,
    cases: CaseStore,
) -> None:
    reply = message.reply_to_message
    assert reply is not None
    violation_id = f"warn:{call.chat_id}:{message.message_id}"
    outcome = await reputation.record_violation(
        call.chat_id, target.id, Category.OTHER, policy=call.settings.ladder, violation_id=violation_id
    )
    text = render(
        TEXTS,
        "warn.done",
        call.lang,
        member=display_name(target),
        days=count(call.settings.ladder.window_days, "day", call.lang),
        count=outcome.count_in_window,
    )
    await _notice_with_appeal(bot, cases, call, target, SanctionKind.WARN, None, text, violation_id=violation_id)


async def unwarn(
    message: Message,
    call: Invocation,
    target: User,
    reputation: ReputationStore,
) -> None:
    removed = await reputation.unwarn(call.chat_id, target.id)
    if removed is None:
        await call.reply("unwarn.nothing", COMMUNITY_TEXTS, member=display_name(target))
        return
    await call.reply(
        "unwarn.done",
        COMMUNITY_TEXTS,
        member=display_name(target),
        category=category_label(removed.category, call.lang),
    )


async def _restrict(
    call: Invocation,
    command: CommandObject,
    bot: Bot,
    admins: AdminCache,
    sanctions: SanctionStore,
    cases: CaseStore,
    me: User,
    kind: SanctionKind,
    default_s: int | None,
) -> None:
    duration_s = default_s
    if command.args and command.args.strip():
        parsed = parse_duration(command.args)
        if parsed is None:
            await call.reply("bad_duration", value=command.args.strip()[:50], formats=ACCEPTED_FORMATS)
            return
        duration_s = parsed.seconds
    # After the duration, so a mistyped one is named first, as it always was.
    target = await reply_target(call, admins, me)
    if target is None:
        return
    try:
        await impose(bot, sanctions, call.chat_id, target.id, kind, duration_s)
    except TelegramAPIError as exc:
        await call.reply("failed", error=str(exc))
        return
    text = sanction_notice(
        kind, duration_s, member=display_name(target), reason=render(TEXTS, "reason.admin", call.lang), lang=call.lang
    )
    await _notice_with_appeal(bot, cases, call, target, kind, duration_s, text)
    log.info(
        "community.manual_sanction", chat_id=call.chat_id, user_id=target.id, kind=kind.value, duration_s=duration_s
    )


async def mute(
    message: Message,
    call: Invocation,
    command: CommandObject,
    bot: Bot,
    admins: AdminCache,
    sanctions: SanctionStore,
    cases: CaseStore,
    me: User,
) -> None:
    await _restrict(call, command, bot, admins, sanctions, cases, me, SanctionKind.MUTE, DEFAULT_MUTE_S)


async def ban(
    message: Message,
    call: Invocation,
    command: CommandObject,
    bot: Bot,
    admins: AdminCache,
    sanctions: SanctionStore,
    cases: CaseStore,
    me: User,
) -> None:
    await _restrict(call, command, bot, admins, sanctions, cases, me, SanctionKind.BAN, None)


async def unrestrict(
    message: Message,
    call: Invocation,
    target: User,
    command: CommandObject,
    bot: Bot,
    sanctions: SanctionStore,
) -> None:
    """/unmute and /unban: lift what Telegram says is in force."""
    try:
        was = await lift(bot, sanctions, call.chat_id, target.id)
    except TelegramAPIError as exc:
        await call.reply("failed", error=str(exc))
        return
    name = display_name(target)
    if call.command == "unban":
        await call.reply(
            "sanction.unbanned" if was == "kicked" else "unban.not_banned",
            COMMUNITY_TEXTS if was == "kicked" else TEXTS,
            member=name,
        )
    else:
        await call.reply(
            "sanction.unmuted" if was == "restricted" else "unmute.not_muted",
            COMMUNITY_TEXTS if was == "restricted" else TEXTS,
            member=name,
        )


async def pardon(
    message: Message,
    call: Invocation,
    target: User,
    reputation: ReputationStore,
) -> None:
    cleared = await reputation.pardon(call.chat_id, target.id)
    await call.reply(
        "pardon.done", COMMUNITY_TEXTS, member=display_name(target), violations=count(cleared, "violation", call.lang)
    )


async def spam(
    message: Message,
    call: Invocation,
    target: User,
    command: CommandObject,
    bot: Bot,
    enforcer: Enforcer,
    learning: GroupLearning,
    media_spam: MediaSpamGuard | None = None,
    gatekeeper: Gatekeeper | None = None,
) -> None:
    """Removes the replied message as spam, sanctions per the ladder and teaches the classifier."""
    reply = message.reply_to_message
    assert reply is not None
    text = reply.text or reply.caption or ""
    verdict = Verdict(Action.DELETE, Category.SPAM, 1.0, "marked as spam by an admin", Tier.ADMIN)
    await enforcer.enforce(
        Target(
            chat_id=call.chat_id,
            chat_title=message.chat.title or "",
            message_id=reply.message_id,
            revision=0,
            user_id=target.id,
            name=display_name(target),
            text=text,
        ),
        # An admin's explicit /spam acts even while the group's automatic moderation is a dry run.
        verdict,
        call.settings.model_copy(update={"dry_run": False}),
        message_date=reply.date.timestamp(),
        # An admin's word stands even after the automatic check let the message through.
        redo=True,
        wait_busy_s=ACTION_CLAIM_TTL_MS / 1000,
    )
    if text.strip():
        await learning.add_sample(call.chat_id, text, SampleLabel.SPAM)
    if media_spam is not None and media_ref(reply):
        # Its copies go too, here and in the groups linked with this one (/linkgroup).
        linked = await gatekeeper.linked(call.chat_id) if gatekeeper is not None else []
        chats = [call.chat_id, *linked]
        await media_spam.mark(chats, reply)
    try:
        await bot.delete_message(call.chat_id, message.message_id)  # the command has done its job
    except TelegramAPIError:
        pass
    log.info("community.marked_spam", chat_id=call.chat_id, message_id=reply.message_id, user_id=target.id)


def create_router() -> Router:
    router = Router(name="community")
    router.message.register(rep, Command("rep"))
    router.message.register(top, Command("top"))
    router.message.register(report, Command("report"), IN_GROUPS)
    router.message.register(warn, Command("warn"), IN_GROUPS, AdminReply())
    router.message.register(unwarn, Command("unwarn"), IN_GROUPS, AdminReply())
    router.message.register(mute, Command("mute"), IN_GROUPS, AdminCommand())
    router.message.register(ban, Command("ban"), IN_GROUPS, AdminCommand())
    router.message.register(unrestrict, Command("unmute", "unban"), IN_GROUPS, AdminReply())
    router.message.register(pardon, Command("pardon"), IN_GROUPS, AdminReply())
    router.message.register(spam, Command("spam"), IN_GROUPS, AdminReply())
    # A refused admin command ends here (its filter said why), never in a later router.
    router.message.register(
        refused_here, Command("warn", "unwarn", "mute", "ban", "unmute", "unban", "pardon", "spam"), IN_GROUPS
    )
    return router
