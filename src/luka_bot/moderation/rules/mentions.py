"""Mention floods: a message that pings many users at once is a broadcast, not a conversation."""

from __future__ import annotations

from luka_bot.moderation.rules.result import RuleHit, RuleInput, stricter
from luka_bot.moderation.signals import leading_mentions
from luka_bot.moderation.verdict import Category


def is_mention_flood(inp: RuleInput) -> RuleHit | None:
    # The group's limit is certain for everyone: a reply thread quoting three people is a
    # conversation, not a broadcast, so a newcomer's lower limit only raises suspicion.
    limit = inp.policy.floods.max_mentions
    # Replying to a thread tags everyone in it; a broadcast also carries a link, or tags many more.
    if limit and inp.text.mentions >= limit and (inp.text.links or inp.text.mentions >= 2 * limit):
        return RuleHit.certain_hit("rule.mention_flood", Category.SPAM, f"{inp.text.mentions} mentions")
    if limit and inp.text.mentions >= limit:
        return RuleHit.suspicion("rule.mention_flood", f"{inp.text.mentions} mentions", 2.0)
    newcomer_limit = stricter(limit, inp.is_newcomer)
    if inp.is_newcomer and newcomer_limit and inp.text.mentions >= newcomer_limit:
        return RuleHit.suspicion("rule.newcomer_mention", f"{inp.text.mentions} mentions", 1.5)
    if inp.is_newcomer and inp.text.mentions > leading_mentions(inp.text.folded):
        # A newcomer's first message pointing at an account ("write to @x") is how spam hands off,
        # a nudge the text itself must confirm. Mentions that open the message ("@anna thanks",
        # "RT @x:") address someone and are no nudge at all.
        return RuleHit.suspicion("rule.newcomer_mention", f"{inp.text.mentions} mentions", 0.5)
    return None
