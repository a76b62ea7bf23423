"""The newcomer gate's page of the /settings menu (opened by its button on the main page).

As in the main menu, button data is a closed set of options, each an explicit change of the
`GateSettings` model; the chat is always the one the menu lives in.
"""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from luka_bot.gate.policy import CaptchaKind, GateSettings, JoinRequestMode, RaidAction
from luka_bot.texts import render
from luka_bot.texts.gate import TEXTS


class GateAction(StrEnum):
    CAPTCHA = "captcha"
    CAPTCHA_KIND = "captcha_kind"
    CAPTCHA_TIMEOUT = "captcha_timeout"
    RAID_GUARD = "raid_guard"
    RAID_ACTION = "raid_action"
    JOIN_REQUESTS = "join_requests"
    CAS = "cas"
    BACK = "back"


class GateMenuCallback(CallbackData, prefix="gg"):
    action: GateAction


TIMEOUTS = (60, 120, 300, 600)
_JOIN_CYCLE = {
    JoinRequestMode.OFF: JoinRequestMode.SCREEN,
    JoinRequestMode.SCREEN: JoinRequestMode.ASK,
    JoinRequestMode.ASK: JoinRequestMode.OFF,
}


def _next_timeout(current: int) -> int:
    later = [t for t in TIMEOUTS if t > current]
    return later[0] if later else TIMEOUTS[0]


def gate_changed(settings: GateSettings, action: GateAction) -> GateSettings | None:
    """The settings after pressing `action`; None for buttons that change nothing."""
    match action:
        case GateAction.CAPTCHA:
            return settings.model_copy(update={"captcha_enabled": not settings.captcha_enabled})
        case GateAction.CAPTCHA_KIND:
            kind = CaptchaKind.MATH if settings.captcha_kind is CaptchaKind.BUTTONS else CaptchaKind.BUTTONS
            return settings.model_copy(update={"captcha_kind": kind})
        case GateAction.CAPTCHA_TIMEOUT:
            return settings.model_copy(update={"captcha_timeout_s": _next_timeout(settings.captcha_timeout_s)})
        case GateAction.RAID_GUARD:
            return settings.model_copy(update={"raid_guard": not settings.raid_guard})
        case GateAction.RAID_ACTION:
            action_ = RaidAction.CAPTCHA if settings.raid_action is RaidAction.KICK else RaidAction.KICK
            return settings.model_copy(update={"raid_action": action_})
        case GateAction.JOIN_REQUESTS:
            return settings.model_copy(update={"join_requests": _JOIN_CYCLE[settings.join_requests]})
        case GateAction.CAS:
            return settings.model_copy(update={"cas_enabled": not settings.cas_enabled})
    return None


def _flag(on: bool) -> str:
    return "✅" if on else "❌"


def gate_menu(settings: GateSettings, lang: str) -> InlineKeyboardMarkup:
    def button(key: str, pressed: GateAction, /, **values: object) -> list[InlineKeyboardButton]:
        return [
            InlineKeyboardButton(
                text=render(TEXTS, key, lang, **values), callback_data=GateMenuCallback(action=pressed).pack()
            )
        ]

    return InlineKeyboardMarkup(
        inline_keyboard=[
            button("btn.captcha", GateAction.CAPTCHA, icon=_flag(settings.captcha_enabled)),
            button(
                "btn.captcha_kind",
                GateAction.CAPTCHA_KIND,
                kind=render(TEXTS, f"kind.{settings.captcha_kind.value}", lang),
            ),
            button("btn.captcha_timeout", GateAction.CAPTCHA_TIMEOUT, seconds=settings.captcha_timeout_s),
            button(
                "btn.raid_guard",
                GateAction.RAID_GUARD,
                icon=_flag(settings.raid_guard),
                joins=settings.raid_joins,
                window=settings.raid_window_s,
            ),
            button(
                "btn.raid_action",
                GateAction.RAID_ACTION,
                action=render(TEXTS, f"raid_action.{settings.raid_action.value}", lang),
            ),
            button(
                "btn.join_requests",
                GateAction.JOIN_REQUESTS,
                mode=render(TEXTS, f"jr.{settings.join_requests.value}", lang),
            ),
            button("btn.cas", GateAction.CAS, icon=_flag(settings.cas_enabled)),
            button("btn.back", GateAction.BACK),
        ]
    )
