"""Coordinated spam: the same text from several accounts or chats within minutes.

The caller counts distinct senders and chats per normalized text (Signals); a campaign shows up
as one text from many fresh accounts long before any single copy looks suspicious. But "Good
morning everyone, have a nice day!" also repeats, from friendly members and in many groups, so:

- in one chat, several senders of one text is certain only when the text carries what a campaign
  needs (a link, a mention, a contact, a sum of money); otherwise it only raises suspicion;
- across chats, a repeated text counts only when it carries such a signal.
"""

from __future__ import annotations

import re

from luka_bot.moderation.rules.result import RuleHit, RuleInput
from luka_bot.moderation.verdict import Category

# A sum of money or a phone number: "3000р", "$500", "5 000 руб", "50k", "+7 900 123-45-67".
_MONEY = re.compile(
    r"(?:[$€£₽]\s?\d|\d[\d\s.,]*\s?(?:[$€£₽]|руб\w*|р\b|тыс\w*|к\b|k\b|usd\w*|usdt|eur\w*|dollars?|долл\w*|бакс\w*))"
    r"|(?:\+?\d[\d\s()\-]{8,}\d)",
    re.IGNORECASE,
)


def carries_spam_signal(inp: RuleInput) -> bool:
    text = inp.text
    return bool(text.links or text.mentions or inp.request.has_contact or _MONEY.search(text.folded))


def is_coordinated_spam(inp: RuleInput) -> RuleHit | None:
    policy = inp.policy.coordination
    if len(inp.text.folded) < policy.min_length:
        return None
    signals = inp.request.signals
    signal = carries_spam_signal(inp)
    here = signals.same_text_senders_here
    if policy.min_senders and here >= policy.min_senders:
        if signal:
            return RuleHit.certain_hit("rule.coordinated", Category.SPAM, f"{here} senders in this chat")
        return RuleHit.suspicion("rule.coordinated", f"{here} senders in this chat", 1.0)
    if signal and policy.min_chats and signals.same_text_chats >= policy.min_chats:
        return RuleHit.certain_hit("rule.coordinated", Category.SPAM, f"{signals.same_text_chats} chats")
    if signal and policy.min_senders and signals.same_text_senders >= policy.min_senders:
        return RuleHit.suspicion("rule.coordinated", f"{signals.same_text_senders} senders in several chats", 1.0)
    return None
