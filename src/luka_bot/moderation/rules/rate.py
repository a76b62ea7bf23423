"""Message rate: one member posting faster than people type is flooding."""

from __future__ import annotations

from luka_bot.moderation.rules.result import RuleHit, RuleInput, stricter
from luka_bot.moderation.verdict import Category


def is_message_rate_flood(inp: RuleInput) -> RuleHit | None:
    limit = stricter(inp.policy.floods.max_messages_per_minute, inp.is_newcomer)
    count = inp.request.signals.messages_last_minute
    if limit and count > limit:
        return RuleHit.certain_hit("rule.message_rate", Category.FLOOD, f"{count} messages/min")
    return None
