"""luka-bot: a Telegram group assistant and background moderator."""

__version__ = "0.1.0"
