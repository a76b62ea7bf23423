"""Moderation pipeline: a plain `ModerationRequest` in, a `Verdict` out. Never imports Telegram."""
