"""Coordinated spam: the same text from several accounts or chats within minutes.

The caller counts distinct senders and chats per normalized text (Signals); a campaign shows up
as one text from many fresh accounts long before any single copy looks suspicious.
"""

from __future__ import annotations

from luka_bot.moderation.rules.result import RuleHit, RuleInput
from luka_bot.moderation.verdict import Category


def is_coordinated_spam(inp: RuleInput) -> RuleHit | None:
    policy = inp.policy.coordination
    if len(inp.text.folded) < policy.min_length:
        return None
    signals = inp.request.signals
    if policy.min_senders and signals.same_text_senders >= policy.min_senders:
        return RuleHit.certain_hit("rule.coordinated", Category.SPAM, f"{signals.same_text_senders} senders")
    if policy.min_chats and signals.same_text_chats >= policy.min_chats:
        return RuleHit.certain_hit("rule.coordinated", Category.SPAM, f"{signals.same_text_chats} chats")
    return None
