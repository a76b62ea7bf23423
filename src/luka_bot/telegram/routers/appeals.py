"""The buttons of sanction notices and log records, and /setlog.

Appeal (the member the notice is about), Restore / Not spam and Confirm (the group's admins).
A button names a case by group and message id; the case itself is read from Redis, and whoever
presses is checked against it: the member for an appeal, an admin of that group for the rest.
A case moves to its final state once, so two admins pressing at once restore it once.
"""

from __future__ import annotations

import structlog
from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message, User

from luka_bot.community.reputation import ReputationStore
from luka_bot.community.sanctions import SanctionStore
from luka_bot.moderation.learning import GroupLearning, SampleLabel
from luka_bot.policy.ladder import SanctionKind
from luka_bot.store.group_settings import GroupSettingsRepository
from luka_bot.telegram.admins import AdminCache
from luka_bot.telegram.cases import Case, CaseAction, CaseCallback, CaseStatus, CaseStore, post_to_log
from luka_bot.telegram.routers.calls import IN_GROUPS, display_name, group_invocation, require_admin
from luka_bot.telegram.sanctioning import lift
from luka_bot.texts import render
from luka_bot.texts.commands import TEXTS

log = structlog.get_logger(__name__)

_OPEN = (CaseStatus.OPEN, CaseStatus.APPEALED)


async def restore(
    bot: Bot, case: Case, *, lang: str, sanctions: SanctionStore, reputation: ReputationStore, learning: GroupLearning
) -> None:
    """Reverses an action: lifts the mute or ban, takes the violation back, reposts, teaches."""
    if case.sanction in (SanctionKind.MUTE, SanctionKind.BAN):
        try:
            await lift(bot, sanctions, case.chat_id, case.user_id)
        except TelegramAPIError as exc:  # e.g. the member is gone from Telegram: the rest still applies
            log.warning("appeals.lift_failed", chat_id=case.chat_id, user_id=case.user_id, error=str(exc))
            await sanctions.clear_sanction(case.chat_id, case.user_id)
    if case.counted and case.violation_id:
        await reputation.forgive(case.chat_id, case.user_id, case.category, case.violation_id)
    elif case.counted:
        # A case from before violation ids were kept: the newest violation is almost always it.
        await reputation.unwarn(case.chat_id, case.user_id)
    if case.removed and case.text.strip():
        text = render(TEXTS, "restore.repost", lang, member=case.name, text=case.text)
    else:
        text = render(TEXTS, "restore.no_text", lang, member=case.name)
    try:
        await bot.send_message(case.chat_id, text, parse_mode="HTML")
    except TelegramAPIError as exc:
        log.warning("appeals.repost_failed", chat_id=case.chat_id, error=str(exc))
    if case.text.strip():
        await learning.add_sample(case.chat_id, case.text, SampleLabel.HAM)
    log.info("appeals.restored", chat_id=case.chat_id, message_id=case.message_id, user_id=case.user_id)


async def _close_record(query: CallbackQuery, key: str, lang: str, admin: User) -> None:
    """The pressed record loses its buttons and says who decided."""
    message = query.message
    if not isinstance(message, Message):
        return
    note = render(TEXTS, key, lang, admin=display_name(admin))
    try:
        await message.edit_text(f"{message.html_text}\n\n{note}", parse_mode="HTML", reply_markup=None)
    except TelegramAPIError:
        pass  # too old to edit, or deleted: the decision itself is done


async def press(
    query: CallbackQuery,
    callback_data: CaseCallback,
    bot: Bot,
    admins: AdminCache,
    cases: CaseStore,
    group_settings: GroupSettingsRepository,
    reputation: ReputationStore,
    sanctions: SanctionStore,
    learning: GroupLearning,
) -> None:
    case = await cases.get(callback_data.chat_id, callback_data.message_id)
    if case is None:  # expired, or data naming no case at all: no group's settings are read for it
        lang = "ru" if (query.from_user.language_code or "").startswith("ru") else "en"
        await query.answer(render(TEXTS, "case.gone", lang), show_alert=True)
        return
    lang = (await group_settings.get(case.chat_id)).language.value
    action = callback_data.action
    if action is CaseAction.APPEAL:
        await _appeal(query, case, lang, bot, cases)
        return
    if not await admins.is_admin(case.chat_id, query.from_user.id):
        await query.answer(render(TEXTS, "case.not_admin", lang), show_alert=True)
        return
    if action is CaseAction.CONFIRM:
        if not await cases.move(case.chat_id, case.message_id, CaseStatus.CONFIRMED, allowed_from=_OPEN):
            await query.answer(render(TEXTS, "appeal.already", lang), show_alert=True)
            return
        await query.answer(render(TEXTS, "case.confirmed", lang))
        await _close_record(query, "log.confirmed_by", lang, query.from_user)
        return
    # RESTORE and NOT_SPAM: an admin may still restore what was confirmed before.
    if not await cases.move(
        case.chat_id, case.message_id, CaseStatus.RESTORED, allowed_from=(*_OPEN, CaseStatus.CONFIRMED)
    ):
        await query.answer(render(TEXTS, "appeal.already", lang), show_alert=True)
        return
    await query.answer(render(TEXTS, "case.restored", lang))
    await restore(bot, case, lang=lang, sanctions=sanctions, reputation=reputation, learning=learning)
    await _close_record(query, "log.restored_by", lang, query.from_user)


async def _appeal(query: CallbackQuery, case: Case, lang: str, bot: Bot, cases: CaseStore) -> None:
    if query.from_user.id != case.user_id:
        await query.answer(render(TEXTS, "appeal.not_yours", lang), show_alert=True)
        return
    if not await cases.move(case.chat_id, case.message_id, CaseStatus.APPEALED, allowed_from=(CaseStatus.OPEN,)):
        await query.answer(render(TEXTS, "appeal.already", lang), show_alert=True)
        return
    try:
        await post_to_log(bot, cases, case, lang, appeal=True, fallback_to_group=True)
    except TelegramAPIError as exc:
        log.warning("appeals.log_failed", chat_id=case.chat_id, error=str(exc))
        await cases.move(case.chat_id, case.message_id, CaseStatus.OPEN, allowed_from=(CaseStatus.APPEALED,))
        await query.answer(render(TEXTS, "failed", lang, error=str(exc))[:200], show_alert=True)
        return
    await query.answer(render(TEXTS, "appeal.sent", lang))
    log.info("appeals.appealed", chat_id=case.chat_id, message_id=case.message_id, user_id=case.user_id)


async def setlog(
    message: Message,
    command: CommandObject,
    bot: Bot,
    group_settings: GroupSettingsRepository,
    admins: AdminCache,
    cases: CaseStore,
) -> None:
    call = await group_invocation(message, command, group_settings)
    if call is None or not await require_admin(call, admins):
        return
    arg = (command.args or "").strip().lower()
    if not arg:
        await cases.set_log_chat(call.chat_id, call.chat_id)
        await call.reply("setlog.done_here")
        return
    if arg == "off":
        await cases.set_log_chat(call.chat_id, None)
        await call.reply("setlog.off")
        return
    try:
        target = int(arg)
    except ValueError:
        target = 0
    if target >= 0:  # groups and channels have negative ids; a person's chat is no log
        await call.reply("setlog.bad_target")
        return
    try:
        chat = await bot.get_chat(target)
    except TelegramAPIError:
        await call.reply("setlog.unreachable", target=target)
        return
    user = message.from_user
    if user is None or message.sender_chat is not None or not await admins.is_admin(target, user.id):
        await call.reply("setlog.not_admin_there", target=chat.title or target)
        return
    try:
        await bot.send_message(
            target, render(TEXTS, "setlog.hello", call.lang, chat=message.chat.title or call.chat_id), parse_mode="HTML"
        )
    except TelegramAPIError:
        await call.reply("setlog.unreachable", target=chat.title or target)
        return
    await cases.set_log_chat(call.chat_id, target)
    await call.reply("setlog.done_there", target=chat.title or target)
    log.info("appeals.log_chat_set", chat_id=call.chat_id, log_chat=target)


def create_router() -> Router:
    router = Router(name="appeals")
    router.message.register(setlog, Command("setlog"), IN_GROUPS)
    router.callback_query.register(press, CaseCallback.filter())
    router.callback_query.register(_unknown_button, F.data.startswith("case:"))
    return router


async def _unknown_button(query: CallbackQuery) -> None:
    """Button data that does not parse (forged or from an older version): answered, ignored."""
    await query.answer()
