"""The newcomer gate's updates and commands: joins, challenge buttons, raid mode, approvals.

/approve, /unapprove and /approved take the member from the replied-to message or a numeric id;
every command asks Telegram (through the admin cache) who is asking. Approval exempts a member
from automated moderation, captcha and locks, never from admin commands.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject
from aiogram.types import (
    CallbackQuery,
    ChatJoinRequest,
    ChatMemberUpdated,
    Message,
)

from luka_bot.gate.applicant import Applicant
from luka_bot.gate.policy import ANSWER_MAX, MAX_ANSWERS, QUESTION_MAX, GateQuestion, GateSettings
from luka_bot.store.group_settings import GroupSettingsRepository
from luka_bot.telegram import sanctioning
from luka_bot.telegram.admins import AdminCache
from luka_bot.telegram.durations import parse_duration
from luka_bot.telegram.gate_menu import (
    GateAction,
    GateMenuCallback,
    gate_changed,
    gate_menu,
)
from luka_bot.telegram.gatekeeper import (
    AppealCallback,
    CaptchaCallback,
    Gatekeeper,
    JoinRequestDesk,
    LetInCallback,
    Newcomer,
    RaidCallback,
    raid_until_text,
)
from luka_bot.telegram.routers.calls import GROUP_CHATS, AdminCommand, Invocation, display_name, refused_here
from luka_bot.telegram.routers.settings import menu as settings_menu
from luka_bot.texts import render
from luka_bot.texts.gate import TEXTS
from luka_bot.texts.settings import TEXTS as SETTINGS_TEXTS

OUTSIDE = frozenset({"left", "kicked"})
INSIDE = frozenset({"member", "restricted"})


# --- joins -----------------------------------------------------------------------------------------


async def joined_message(message: Message, gatekeeper: Gatekeeper) -> None:
    if message.chat.type not in GROUP_CHATS:
        return
    for user in message.new_chat_members or []:
        await gatekeeper.on_join(
            message.chat.id,
            message.chat.title or "",
            Newcomer(user.id, display_name(user), user.is_bot),
            message.date.timestamp(),
            message.message_id,
        )
    raise SkipHandler  # other features (a welcome, onboarding when the bot itself is added) see it too


async def member_changed(event: ChatMemberUpdated, gatekeeper: Gatekeeper) -> None:
    """A join seen as chat_member (large groups hide the service message); then the members router."""
    old, new = event.old_chat_member, event.new_chat_member
    joined = old.status in OUTSIDE and new.status in INSIDE
    if old.status == "kicked" and new.status != "kicked" and not event.from_user.is_bot:
        # An admin unbanned them here: a ban shared from a linked group ends in this group only.
        await gatekeeper.unbanned(event.chat.id, new.user.id, event.from_user.id)
    if joined and event.chat.type in GROUP_CHATS:
        user = new.user
        await gatekeeper.on_join(
            event.chat.id,
            event.chat.title or "",
            Newcomer(user.id, display_name(user), user.is_bot),
            event.date.timestamp(),
        )
    raise SkipHandler  # the members router keeps sanctions and the admin cache in step as well


async def captcha_pressed(
    query: CallbackQuery,
    callback_data: CaptchaCallback,
    gatekeeper: Gatekeeper,
    group_settings: GroupSettingsRepository,
) -> None:
    message = query.message
    if not isinstance(message, Message) or message.chat.type not in GROUP_CHATS:
        await query.answer()
        return
    key = await gatekeeper.answer(message.chat.id, message.message_id, query.from_user.id, callback_data.token)
    lang = (await group_settings.get(message.chat.id)).language.value
    await query.answer(render(TEXTS, key, lang), show_alert=key != "captcha.passed")


async def raid_end_pressed(
    query: CallbackQuery,
    callback_data: RaidCallback,
    gatekeeper: Gatekeeper,
    admins: AdminCache,
    group_settings: GroupSettingsRepository,
) -> None:
    chat_id = callback_data.chat_id  # the group the raid is in (the button may sit in the log chat)
    lang = (await group_settings.get(chat_id)).language.value
    if not await admins.is_admin(chat_id, query.from_user.id):
        await query.answer(render(TEXTS, "not_admin", lang, command="antiraid"), show_alert=True)
        return
    ended = await gatekeeper.raid_off(chat_id, query.from_user.id)
    await query.answer(render(TEXTS, "raid.ended" if ended else "raid.not_on", lang, chat=str(chat_id)))
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)


# --- commands --------------------------------------------------------------------------------------


def _target(message: Message, command: CommandObject) -> tuple[int, str] | None:
    reply = message.reply_to_message
    if reply is not None and reply.from_user is not None and reply.sender_chat is None and not reply.from_user.is_bot:
        return reply.from_user.id, display_name(reply.from_user)
    arg = (command.args or "").strip()
    if arg.isdigit() and 0 < int(arg) < 2**63:
        return int(arg), arg
    return None


async def approve(
    message: Message,
    call: Invocation,
    command: CommandObject,
    gatekeeper: Gatekeeper,
) -> None:
    lang = call.lang
    target = _target(message, command)
    if target is None:
        await message.reply(render(TEXTS, "approve.usage", lang, command=command.command))
        return
    user_id, name = target
    chat_id = message.chat.id
    added = await gatekeeper.repo.approve(chat_id, user_id)
    by = message.from_user.id if message.from_user else 0
    await gatekeeper._record(chat_id, "approved", user_id, name, f"by admin {by}")
    if await gatekeeper.repo.release(chat_id, user_id) is not None:
        # Held by a challenge: approval lets them speak at once.
        await sanctioning.unmute(message.bot, chat_id, user_id)  # type: ignore[arg-type]
        await gatekeeper.release_prompt_if_idle(chat_id)
    await message.reply(
        render(TEXTS, "approve.done" if added else "approve.already", lang, member=name), parse_mode="HTML"
    )


async def unapprove(
    message: Message,
    call: Invocation,
    command: CommandObject,
    gatekeeper: Gatekeeper,
) -> None:
    lang = call.lang
    target = _target(message, command)
    if target is None:
        await message.reply(render(TEXTS, "approve.usage", lang, command=command.command))
        return
    user_id, name = target
    removed = await gatekeeper.repo.unapprove(message.chat.id, user_id)
    if removed:
        by = message.from_user.id if message.from_user else 0
        await gatekeeper._record(message.chat.id, "unapproved", user_id, name, f"by admin {by}")
    await message.reply(
        render(TEXTS, "unapprove.done" if removed else "unapprove.not", lang, member=name), parse_mode="HTML"
    )


async def approved_list(
    message: Message,
    call: Invocation,
    gatekeeper: Gatekeeper,
) -> None:
    lang = call.lang
    ids = await gatekeeper.repo.approved(message.chat.id)
    if not ids:
        await message.reply(render(TEXTS, "approved.none", lang))
        return
    rows = "\n".join(f"• {user_id}" for user_id in ids[:200])
    await message.reply(render(TEXTS, "approved.list", lang, rows=rows), parse_mode="HTML")


async def antiraid(
    message: Message,
    call: Invocation,
    command: CommandObject,
    gatekeeper: Gatekeeper,
) -> None:
    lang = call.lang
    chat_id = message.chat.id
    by = message.from_user.id if message.from_user else 0
    arg = (command.args or "").strip().lower()
    settings = await gatekeeper.repo.settings(chat_id)
    if not arg:
        until = await gatekeeper.repo.raid_until(chat_id)
        if until:
            await message.reply(render(TEXTS, "raid.status_on", lang, until=raid_until_text(until)))
        else:
            guard = "" if settings.raid_guard else render(TEXTS, "raid.guard_off", lang)
            await message.reply(
                render(
                    TEXTS,
                    "raid.status_off",
                    lang,
                    joins=settings.raid_joins,
                    window=settings.raid_window_s,
                    guard=guard,
                )
            )
        return
    words = arg.split()
    if words and words[0] == "threshold":
        # /antiraid threshold N M: raid mode turns on at N joins within M seconds.
        try:
            joins, window = int(words[1]), int(words[2])
            new = await gatekeeper.repo.update_settings(
                chat_id,
                lambda s: type(s).model_validate({**s.model_dump(), "raid_joins": joins, "raid_window_s": window}),
            )
        except (IndexError, ValueError):  # pydantic's ValidationError is a ValueError: out of range
            await message.reply(render(TEXTS, "raid.usage", lang))
            return
        await message.reply(
            render(
                TEXTS,
                "raid.status_off",
                lang,
                joins=new.raid_joins,
                window=new.raid_window_s,
                guard="" if new.raid_guard else render(TEXTS, "raid.guard_off", lang),
            )
        )
        return
    if arg == "off":
        ended = await gatekeeper.raid_off(chat_id, by)
        await message.reply(
            render(TEXTS, "raid.ended" if ended else "raid.not_on", lang, chat=message.chat.title or str(chat_id))
        )
        return
    if arg == "on":
        duration: int | None = settings.raid_duration_s
    else:
        parsed = parse_duration(arg)
        # A raid mode without end would lock newcomers out for good: a duration or "on" only.
        duration = parsed.seconds if parsed is not None else None
    if duration is None:
        await message.reply(render(TEXTS, "raid.usage", lang))
        return
    until = await gatekeeper.raid_on(chat_id, message.chat.title or "", duration, by)
    await message.reply(render(TEXTS, "raid.status_on", lang, until=raid_until_text(until)))


# --- join requests ---------------------------------------------------------------------------------


async def join_request(event: ChatJoinRequest, join_desk: JoinRequestDesk) -> None:
    user = event.from_user
    applicant = Applicant(user.id, user.first_name or "", user.last_name or "", user.username or "")
    await join_desk.on_request(event.chat.id, event.chat.title or "", applicant, event.user_chat_id, event.bio or "")


async def _is_applicant(message: Message, join_desk: JoinRequestDesk) -> bool:
    return message.from_user is not None and bool(await join_desk.waiting_chats(message.from_user.id))


async def applicant_answer(message: Message, join_desk: JoinRequestDesk) -> None:
    assert message.from_user is not None  # _is_applicant checked it
    await join_desk.on_answer(message.from_user.id, (message.text or "")[: ANSWER_MAX * 4])


async def set_question(
    message: Message,
    call: Invocation,
    command: CommandObject,
    gatekeeper: Gatekeeper,
) -> None:
    """/setquestion en|ru Question? | answer | answer — or /setquestion off."""
    lang = call.lang
    args = (command.args or "").strip()
    if args.lower() == "off":
        await gatekeeper.repo.update_settings(
            message.chat.id, lambda s: s.model_copy(update={"question": GateQuestion()})
        )
        await message.reply(render(TEXTS, "question.cleared", lang))
        return
    which, _, rest = args.partition(" ")
    parts = [p.strip() for p in rest.split("|")]
    answers = [a for a in parts[1:] if a]
    if (
        which.lower() not in ("en", "ru")
        or not parts[0]
        or not answers
        or len(parts[0]) > QUESTION_MAX
        or len(answers) > MAX_ANSWERS
        or any(len(a) > ANSWER_MAX for a in answers)
    ):
        await message.reply(render(TEXTS, "question.usage", lang))
        return
    field = f"text_{which.lower()}"

    def change(settings: GateSettings) -> GateSettings:
        question = settings.question.model_copy(update={field: parts[0], "answers": answers})
        return settings.model_copy(update={"question": question})

    await gatekeeper.repo.update_settings(message.chat.id, change)
    await message.reply(render(TEXTS, "question.saved", lang, lang=which.lower(), n=len(answers)))


async def link_group(
    message: Message,
    call: Invocation,
    command: CommandObject,
    gatekeeper: Gatekeeper,
) -> None:
    """/linkgroup CHAT_ID offers a link; /linkgroup confirm CODE (an admin of the other group) makes it."""
    lang = call.lang
    chat_id = message.chat.id
    by = message.from_user.id if message.from_user else 0
    words = (command.args or "").split()
    if not words:
        linked = await gatekeeper.linked(chat_id)
        await message.reply(
            render(TEXTS, "link.list", lang, rows="\n".join(f"• {c}" for c in linked))
            if linked
            else render(TEXTS, "link.none", lang)
        )
        return
    if words[0].lower() == "confirm" and len(words) == 2:
        other = await gatekeeper.confirm_link(chat_id, words[1], by)
        await message.reply(
            render(TEXTS, "link.done", lang, chat=str(other))
            if other is not None
            else render(TEXTS, "link.bad_code", lang)
        )
        return
    if words[0].lower() == "remove" and len(words) == 2 and _chat_id(words[1]) is not None:
        other = _chat_id(words[1])
        assert other is not None
        await gatekeeper.unlink(chat_id, other, by)
        await message.reply(render(TEXTS, "link.removed", lang, chat=str(other)))
        return
    other = _chat_id(words[0]) if len(words) == 1 else None
    if other is None:
        await message.reply(render(TEXTS, "link.usage", lang))
        return
    if other == chat_id:
        await message.reply(render(TEXTS, "link.self", lang))
        return
    code = await gatekeeper.offer_link(chat_id, other, by)
    await message.reply(render(TEXTS, "link.offer", lang, chat=str(other), code=code), parse_mode="HTML")


async def appeal_pressed(query: CallbackQuery, callback_data: AppealCallback, join_desk: JoinRequestDesk) -> None:
    # The button sits in the applicant's own private chat: whoever presses it is the applicant.
    text = await join_desk.appeal(callback_data.chat_id, query.from_user.id)
    await query.answer(text, show_alert=True)
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)


async def let_in_pressed(
    query: CallbackQuery,
    callback_data: LetInCallback,
    join_desk: JoinRequestDesk,
    admins: AdminCache,
    group_settings: GroupSettingsRepository,
) -> None:
    chat_id = callback_data.chat_id  # the group appealed to (the button may sit in the log chat)
    if not await admins.is_admin(chat_id, query.from_user.id):
        lang = (await group_settings.get(chat_id)).language.value
        await query.answer(render(TEXTS, "not_admin", lang, command="approve"), show_alert=True)
        return
    text = await join_desk.let_in(chat_id, callback_data.user_id, query.from_user.id)
    await query.answer(text)
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)


def _chat_id(text: str) -> int | None:
    try:
        value = int(text)
    except ValueError:
        return None
    return value if value < 0 else None  # groups have negative ids


async def gate_menu_pressed(
    query: CallbackQuery,
    callback_data: GateMenuCallback,
    gatekeeper: Gatekeeper,
    group_settings: GroupSettingsRepository,
    admins: AdminCache,
) -> None:
    message = query.message
    if not isinstance(message, Message) or message.chat.type not in GROUP_CHATS:
        await query.answer()
        return
    chat_id = message.chat.id
    group = await group_settings.get(chat_id)
    lang = group.language.value
    if not await admins.is_admin(chat_id, query.from_user.id):
        await query.answer(render(SETTINGS_TEXTS, "not_admin", lang), show_alert=True)
        return
    if callback_data.action is GateAction.BACK:
        await query.answer()
        await message.edit_text(
            render(SETTINGS_TEXTS, "title", lang), parse_mode="HTML", reply_markup=settings_menu(group)
        )
        return
    new = await gatekeeper.repo.update_settings(
        chat_id, lambda current: gate_changed(current, callback_data.action) or current
    )
    await query.answer(render(TEXTS, "saved", lang))
    await message.edit_text(render(TEXTS, "settings.title", lang), parse_mode="HTML", reply_markup=gate_menu(new, lang))


def create_router() -> Router:
    router = Router(name="gate")
    router.message.register(joined_message, F.new_chat_members)
    router.chat_member.register(member_changed)
    router.callback_query.register(captcha_pressed, CaptchaCallback.filter())
    router.callback_query.register(raid_end_pressed, RaidCallback.filter())
    admin_command = AdminCommand(TEXTS)
    router.message.register(approve, Command("approve"), admin_command)
    router.message.register(unapprove, Command("unapprove"), admin_command)
    router.message.register(approved_list, Command("approved"), admin_command)
    router.message.register(antiraid, Command("antiraid"), admin_command)
    router.message.register(set_question, Command("setquestion"), admin_command)
    router.message.register(link_group, Command("linkgroup"), admin_command)
    # A refused admin command ends here (its filter said why), never in a later router.
    router.message.register(
        refused_here, Command("approve", "unapprove", "approved", "antiraid", "setquestion", "linkgroup")
    )
    router.chat_join_request.register(join_request)
    router.callback_query.register(gate_menu_pressed, GateMenuCallback.filter())
    router.callback_query.register(appeal_pressed, AppealCallback.filter())
    router.callback_query.register(let_in_pressed, LetInCallback.filter())
    # Before the private router: an applicant's private message is their answer (commands are not).
    router.message.register(
        applicant_answer, F.chat.type == ChatType.PRIVATE, F.text, ~F.text.startswith("/"), _is_applicant
    )
    return router
