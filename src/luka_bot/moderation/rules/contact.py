"""Contact cards and external replies from newcomers: ways to move a victim out of the group."""

from __future__ import annotations

from luka_bot.moderation.rules.result import RuleHit, RuleInput
from luka_bot.moderation.verdict import Category


def is_contact_only(inp: RuleInput) -> RuleHit | None:
    request = inp.request
    if not (request.has_contact or request.kind == "contact") or inp.text.folded or not inp.is_newcomer:
        return None
    if inp.policy.newcomers.contact_only_is_spam:
        return RuleHit.certain_hit("rule.contact_only", Category.SPAM, "newcomer sent only a contact")
    return RuleHit.suspicion("rule.contact_only", "newcomer sent only a contact", 1.5)


def is_external_reply(inp: RuleInput) -> RuleHit | None:
    if inp.request.external_reply and inp.is_newcomer and inp.policy.newcomers.external_reply_suspicious:
        return RuleHit.suspicion("rule.external_reply", "newcomer replied to another chat", 1.5)
    return None
