"""Telegram Bot API emulator: the real API's answers and errors, plus a control API for tests."""

from .app import create_emulator_app, start_emulator
from .emulator import TelegramEmulator
from .state import BotApiError, ControlError

__all__ = ["BotApiError", "ControlError", "TelegramEmulator", "create_emulator_app", "start_emulator"]
