"""Forwards from channels: a newcomer whose first messages are channel reposts is advertising."""

from __future__ import annotations

from luka_bot.moderation.rules.result import RuleHit, RuleInput
from luka_bot.moderation.verdict import Category


def is_channel_forward(inp: RuleInput) -> RuleHit | None:
    if not (inp.request.forwarded_from_channel and inp.is_newcomer):
        return None
    if inp.policy.newcomers.channel_forwards_are_spam:
        return RuleHit.certain_hit("rule.channel_forward", Category.SPAM, "newcomer forwarded a channel post")
    return RuleHit.suspicion("rule.channel_forward", "newcomer forwarded a channel post", 1.5)
