"""Mention floods: a message that pings many users at once is a broadcast, not a conversation."""

from __future__ import annotations

from luka_bot.moderation.rules.result import RuleHit, RuleInput, stricter
from luka_bot.moderation.verdict import Category


def is_mention_flood(inp: RuleInput) -> RuleHit | None:
    limit = stricter(inp.policy.floods.max_mentions, inp.is_newcomer)
    if limit and inp.text.mentions >= limit:
        return RuleHit.certain_hit("rule.mention_flood", Category.SPAM, f"{inp.text.mentions} mentions")
    if inp.is_newcomer and inp.text.mentions:
        # A newcomer's first message pointing at an account ("write to @x") is how spam hands off.
        return RuleHit.suspicion("rule.newcomer_mention", f"{inp.text.mentions} mentions", 1.0)
    return None
