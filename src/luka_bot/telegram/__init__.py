"""aiogram side: updates in, decisions out, actions on Telegram."""
