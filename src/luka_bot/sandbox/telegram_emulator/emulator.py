"""`TelegramEmulator`: the whole emulated Telegram for one bot, in memory."""

from __future__ import annotations

from .bot_methods import BotMethods
from .people import PeopleActions


class TelegramEmulator(BotMethods, PeopleActions):
    """In-memory Telegram for one bot: construct one per emulator process (or per test).

    `TelegramEmulator(bot_username="luka_test_bot", bot_first_name="Luka")`. The bot's id is
    taken from the token of its Bot API calls.
    """
