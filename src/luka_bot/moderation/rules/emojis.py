"""Emoji floods: rows of 🔥💰✅ dress up ads; people rarely write a dozen in one message."""

from __future__ import annotations

from luka_bot.moderation.rules.result import RuleHit, RuleInput, stricter


def is_emoji_flood(inp: RuleInput) -> RuleHit | None:
    limit = stricter(inp.policy.floods.max_emojis, inp.is_newcomer)
    if limit and inp.text.emojis >= limit:
        return RuleHit.suspicion("rule.emoji_flood", f"{inp.text.emojis} emojis", 1.5)
    return None
