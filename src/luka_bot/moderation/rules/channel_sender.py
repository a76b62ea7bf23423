"""Messages sent on behalf of a channel: anonymous, unbannable as a user, often promotion."""

from __future__ import annotations

from luka_bot.moderation.rules.result import RuleHit, RuleInput
from luka_bot.moderation.verdict import Category


def is_sent_as_channel(inp: RuleInput) -> RuleHit | None:
    if not inp.request.sent_as_channel:
        return None
    if inp.policy.channel_senders_are_spam:
        return RuleHit.certain_hit("rule.channel_sender", Category.SPAM, "posted as a channel")
    return RuleHit.suspicion("rule.channel_sender", "posted as a channel", 1.0)
