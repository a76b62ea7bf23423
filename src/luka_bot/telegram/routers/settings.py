"""/settings: the group's inline settings menu, for admins only.

Button data is parsed into a closed set of options (`SettingsAction`); each maps to an explicit
change of the settings model. Nothing in the data names an attribute, and the chat is always the
one the menu lives in, never one named by the button.
"""

from __future__ import annotations

import json
from contextlib import suppress
from enum import StrEnum

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from luka_bot.policy.edit import Operation, PolicyEditError, apply_edit, describe
from luka_bot.policy.group import RULES_TEXT_MAX as RULES_MAX
from luka_bot.policy.group import GroupSettings, JudgeMode, Language
from luka_bot.policy.rules import RulesPolicy
from luka_bot.store.group_settings import GroupSettingsRepository
from luka_bot.telegram.admins import AdminCache
from luka_bot.telegram.gate_menu import gate_menu
from luka_bot.telegram.gatekeeper import Gatekeeper
from luka_bot.telegram.routers.calls import GROUP_CHATS
from luka_bot.texts import count, render
from luka_bot.texts.gate import TEXTS as GATE_TEXTS
from luka_bot.texts.settings import TEXTS


class SettingsAction(StrEnum):
    MODERATION = "moderation"
    DRY_RUN = "dry_run"
    MODERATE_ADMINS = "moderate_admins"
    ASSISTANT = "assistant"
    JUDGE = "judge"
    LANGUAGE = "language"
    RULES = "rules"
    GATE = "gate"
    CLOSE = "close"


class SettingsCallback(CallbackData, prefix="gs"):
    action: SettingsAction


_JUDGE_CYCLE = {JudgeMode.UNCERTAIN: JudgeMode.ALL, JudgeMode.ALL: JudgeMode.OFF, JudgeMode.OFF: JudgeMode.UNCERTAIN}


def changed(settings: GroupSettings, action: SettingsAction) -> GroupSettings | None:
    """The settings after pressing `action`; None for buttons that change nothing."""
    match action:
        case SettingsAction.MODERATION:
            return settings.model_copy(update={"moderation_enabled": not settings.moderation_enabled})
        case SettingsAction.DRY_RUN:
            return settings.model_copy(update={"dry_run": not settings.dry_run})
        case SettingsAction.MODERATE_ADMINS:
            return settings.model_copy(update={"moderate_admins": not settings.moderate_admins})
        case SettingsAction.ASSISTANT:
            return settings.model_copy(update={"assistant_enabled": not settings.assistant_enabled})
        case SettingsAction.JUDGE:
            return settings.model_copy(update={"llm_judge": _JUDGE_CYCLE[settings.llm_judge]})
        case SettingsAction.LANGUAGE:
            new = Language.RU if settings.language is Language.EN else Language.EN
            return settings.model_copy(update={"language": new})
    return None


def _flag(on: bool) -> str:
    return "✅" if on else "❌"


def menu(settings: GroupSettings) -> InlineKeyboardMarkup:
    lang = settings.language.value

    def button(key: str, action: SettingsAction, **values: str) -> list[InlineKeyboardButton]:
        return [
            InlineKeyboardButton(
                text=render(TEXTS, key, lang, **values), callback_data=SettingsCallback(action=action).pack()
            )
        ]

    return InlineKeyboardMarkup(
        inline_keyboard=[
            button("btn.moderation", SettingsAction.MODERATION, icon="🛡️" + _flag(settings.moderation_enabled)),
            button("btn.dry_run", SettingsAction.DRY_RUN, icon=_flag(settings.dry_run)),
            button("btn.moderate_admins", SettingsAction.MODERATE_ADMINS, icon=_flag(settings.moderate_admins)),
            button("btn.assistant", SettingsAction.ASSISTANT, icon=_flag(settings.assistant_enabled)),
            button("btn.judge", SettingsAction.JUDGE, mode=render(TEXTS, f"judge.{settings.llm_judge.value}", lang)),
            button("btn.language", SettingsAction.LANGUAGE),
            button("btn.rules", SettingsAction.RULES),
            [
                InlineKeyboardButton(
                    text=render(GATE_TEXTS, "btn.gate", lang),
                    callback_data=SettingsCallback(action=SettingsAction.GATE).pack(),
                )
            ],
            button("btn.close", SettingsAction.CLOSE),
        ]
    )


async def _settings_for_admin(
    message: Message, group_settings: GroupSettingsRepository, admins: AdminCache
) -> GroupSettings | None:
    """The group's settings when the sender may change them; otherwise says why and gives None."""
    if message.chat.type not in GROUP_CHATS:
        await message.answer(render(TEXTS, "groups_only", "en"))
        return None
    settings = await group_settings.get(message.chat.id)
    if not await admins.sent_by_admin(message):
        await message.reply(render(TEXTS, "not_admin", settings.language.value))
        return None
    return settings


async def open_menu(message: Message, group_settings: GroupSettingsRepository, admins: AdminCache) -> None:
    settings = await _settings_for_admin(message, group_settings, admins)
    if settings is not None:
        await message.answer(
            render(TEXTS, "title", settings.language.value), parse_mode="HTML", reply_markup=menu(settings)
        )


async def press(
    query: CallbackQuery,
    callback_data: SettingsCallback,
    bot: Bot,
    group_settings: GroupSettingsRepository,
    admins: AdminCache,
    gatekeeper: Gatekeeper | None = None,
) -> None:
    message = query.message
    if not isinstance(message, Message) or message.chat.type not in GROUP_CHATS:
        await query.answer()
        return
    chat_id = message.chat.id
    settings = await group_settings.get(chat_id)
    lang = settings.language.value
    if not await admins.is_admin(chat_id, query.from_user.id):
        await query.answer(render(TEXTS, "not_admin", lang), show_alert=True)
        return
    action = callback_data.action
    if action is SettingsAction.CLOSE:
        await query.answer()
        with suppress(TelegramBadRequest):  # already deleted, or older than Telegram's 48 hours
            await bot.delete_message(chat_id, message.message_id)
        return
    if action is SettingsAction.GATE and gatekeeper is not None:  # the newcomer gate's own page
        await query.answer()
        await message.edit_text(
            render(GATE_TEXTS, "settings.title", lang),
            parse_mode="HTML",
            reply_markup=gate_menu(await gatekeeper.repo.settings(chat_id), lang),
        )
        return
    if action is SettingsAction.RULES:
        text = (
            render(TEXTS, "rules.current", lang, rules=settings.rules_text)
            if settings.rules_text
            else render(TEXTS, "rules.none", lang)
        )
        await query.answer()
        await message.answer(text, parse_mode="HTML")  # render escaped the rules text for HTML
        return
    new = changed(settings, action)
    if new is None:
        await query.answer()
        return
    new = await group_settings.update(chat_id, lambda current: changed(current, action) or current)
    await query.answer(render(TEXTS, "saved", new.language.value))
    await message.edit_text(render(TEXTS, "title", new.language.value), parse_mode="HTML", reply_markup=menu(new))


async def set_rules(
    message: Message, command: CommandObject, group_settings: GroupSettingsRepository, admins: AdminCache
) -> None:
    await _set_text(message, command, group_settings, admins, field="rules_text")


async def set_persona(
    message: Message, command: CommandObject, group_settings: GroupSettingsRepository, admins: AdminCache
) -> None:
    await _set_text(message, command, group_settings, admins, field="persona_prompt")


async def _set_text(
    message: Message, command: CommandObject, group_settings: GroupSettingsRepository, admins: AdminCache, *, field: str
) -> None:
    """/setrules and /setpersona: an admin sets one of the group's two free texts."""
    settings = await _settings_for_admin(message, group_settings, admins)
    if settings is None:
        return
    lang = settings.language.value
    text = (command.args or "").strip()
    if field == "rules_text" and not text:
        # A bare /setrules is a question, not "erase the rules": show how, and what stands now.
        current = (
            render(TEXTS, "rules.current", lang, rules=settings.rules_text)
            if settings.rules_text
            else render(TEXTS, "rules.none", lang)
        )
        await message.reply(render(TEXTS, "rules.usage", lang) + "\n\n" + current, parse_mode="HTML")
        return
    if field == "rules_text" and text.lower() in CLEAR_WORDS:
        text = ""
    if len(text) > RULES_MAX:
        await message.reply(
            render(TEXTS, "rules.too_long", lang, chars=count(len(text), "character", lang), max=RULES_MAX)
        )
        return
    await group_settings.update(message.chat.id, lambda current: current.model_copy(update={field: text}))
    chars = count(len(text), "character", lang)
    if field == "rules_text":
        await message.reply(render(TEXTS, "rules.saved" if text else "rules.cleared", lang, chars=chars))
    else:
        await message.reply(render(TEXTS, "persona.saved" if text else "persona.cleared", lang, chars=chars))


async def edit_policy(
    message: Message, command: CommandObject, group_settings: GroupSettingsRepository, admins: AdminCache
) -> None:
    """/policy: list, set, add to, remove from or reset the group's rule-check settings."""
    settings = await _settings_for_admin(message, group_settings, admins)
    if settings is None:
        return
    lang = settings.language.value
    words = (command.args or "").split(maxsplit=2)
    if not words:
        await message.reply(policy_summary(settings.rules, lang), parse_mode="HTML")
        return
    if len(words) == 1 and words[0].lower() in POLICY_SECTIONS:
        await message.reply(policy_section(settings.rules, words[0].lower(), lang), parse_mode="HTML")
        return
    if words[0].lower() == "reset" and len(words) == 1:
        await group_settings.update(
            message.chat.id, lambda current: current.model_copy(update={"rules": RulesPolicy()})
        )
        await message.reply(render(TEXTS, "policy.reset", lang))
        return
    if len(words) < 3 or words[0].lower() not in Operation.__members__.values():
        await message.reply(render(TEXTS, "policy.usage", lang, sections=", ".join(POLICY_SECTIONS)))
        return
    operation, path, value = Operation(words[0].lower()), words[1], words[2]
    try:
        updated = await group_settings.update(
            message.chat.id,
            lambda current: current.model_copy(update={"rules": apply_edit(current.rules, operation, path, value)}),
        )
    except PolicyEditError as exc:
        await message.reply(render(TEXTS, "policy.refused", lang, reason=str(exc)), parse_mode="HTML")
        return
    shown = dict(describe(updated.rules)).get(path)
    await message.reply(
        render(TEXTS, "policy.saved", lang, path=path, value=json.dumps(shown, ensure_ascii=False)), parse_mode="HTML"
    )


# Top-level settings that are not a section of their own are shown together as "general".
POLICY_SECTIONS = ("general", "links", "floods", "coordination", "newcomers", "classifier")
CLEAR_WORDS = ("off", "clear", "-", "выкл", "удалить")


def _section_of(path: str) -> str:
    head = path.split(".", 1)[0]
    return head if head in POLICY_SECTIONS else "general"


def policy_summary(rules: RulesPolicy, lang: str) -> str:
    """One line per section with how many of its settings differ from the defaults."""
    defaults = dict(describe(RulesPolicy()))
    changed_in: dict[str, int] = dict.fromkeys(POLICY_SECTIONS, 0)
    for path, value in describe(rules):
        if defaults.get(path) != value:
            changed_in[_section_of(path)] += 1
    lines = [render(TEXTS, "policy.summary_title", lang)]
    for section in POLICY_SECTIONS:
        n = changed_in[section]
        state = (
            render(TEXTS, "policy.changed", lang, settings=count(n, "setting", lang))
            if n
            else render(TEXTS, "policy.defaults", lang)
        )
        lines.append(
            render(
                TEXTS,
                "policy.summary_line",
                lang,
                section=section,
                title=render(TEXTS, f"section.{section}", lang),
                state=state,
            )
        )
    lines.append(render(TEXTS, "policy.summary_footer", lang))
    return "\n".join(lines)


def policy_section(rules: RulesPolicy, section: str, lang: str) -> str:
    rows = "\n".join(
        f"{path} = {json.dumps(value, ensure_ascii=False)}"
        for path, value in describe(rules)
        if _section_of(path) == section
    )
    return render(
        TEXTS, "policy.section", lang, section=section, rows=rows, title=render(TEXTS, f"section.{section}", lang)
    )


def create_router() -> Router:
    router = Router(name="settings")
    router.message.register(open_menu, Command("settings"))
    router.message.register(set_rules, Command("setrules"))
    router.message.register(set_persona, Command("setpersona"))
    router.message.register(edit_policy, Command("policy"))
    router.callback_query.register(press, SettingsCallback.filter())
    router.callback_query.register(_unknown_button, F.data.startswith("gs:"))
    return router


async def _unknown_button(query: CallbackQuery) -> None:
    """Button data that does not parse (forged or from an older version): answered, ignored."""
    await query.answer()
