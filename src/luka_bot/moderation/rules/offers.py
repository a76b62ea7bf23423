"""Short offers from newcomers: a few words around a sum or a hand-off to private messages.

A long spam message carries enough words for the classifier; a short one ("помощник, 4000 в день,
пиши в лс") does not, and its score lands in the uncertain band. Two parts of an offer together
(a sum or a "write me" with words asking for people or offering work, or a sum with a hand-off)
in a newcomer's short first message are a suspicion that moves the score; never certain alone,
as "нужна помощь, заплачу 500 за репетитора?" is how members ask too.
"""

from __future__ import annotations

from luka_bot.moderation.rules.result import RuleHit, RuleInput
from luka_bot.moderation.signals import has_contact_call, has_money, has_offer_words

SHORT = 80
WEIGHT = 1.0


def is_short_offer(inp: RuleInput) -> RuleHit | None:
    folded = inp.text.folded
    if not inp.is_newcomer or len(folded) >= SHORT:
        return None
    money, call = has_money(folded), has_contact_call(folded)
    if not (money or call):
        return None
    if (money and call) or has_offer_words(folded):
        return RuleHit.suspicion("rule.short_offer", "money" if money else "contact call", WEIGHT)
    return None
