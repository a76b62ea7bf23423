"""`TelegramEmulator`: the whole emulated Telegram for one bot, in memory."""

from __future__ import annotations

from .bot_methods import BotMethods
from .gate_side import GateSide
from .people import PeopleActions


class TelegramEmulator(GateSide, BotMethods, PeopleActions):
    """In-memory Telegram for one bot: construct one per emulator process (or per test).

    `TelegramEmulator(bot_username="luka_test_bot", bot_first_name="Luka")`. The bot's id is
    taken from the token of its Bot API calls.
    """
