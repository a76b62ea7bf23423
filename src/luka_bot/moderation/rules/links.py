"""Link policy: denied domains, Telegram invites, URL shorteners, a newcomer's first links."""

from __future__ import annotations

from luka_bot.moderation.classifier import SHORTENERS
from luka_bot.moderation.normalize import Link, domain_matches
from luka_bot.moderation.rules.result import RuleHit, RuleInput
from luka_bot.moderation.signals import only_media_links
from luka_bot.moderation.verdict import Category


def _unallowed_links(inp: RuleInput) -> list[Link]:
    allowed = inp.policy.links.allow_domains
    return [link for link in inp.text.links if not any(domain_matches(link.domain, a) for a in allowed)]


def has_denied_link(inp: RuleInput) -> RuleHit | None:
    denied = inp.policy.links.deny_domains
    for link in _unallowed_links(inp):
        if any(domain_matches(link.domain, d) for d in denied):
            return RuleHit.certain_hit("rule.denied_link", Category.SPAM, link.domain)
    return None


def has_telegram_invite(inp: RuleInput) -> RuleHit | None:
    if not inp.policy.links.telegram_invites:
        return None
    for link in _unallowed_links(inp):
        if link.is_telegram_invite:
            return RuleHit.suspicion("rule.telegram_invite", str(link), 2.0 if inp.is_newcomer else 1.0)
    return None


def has_shortener_link(inp: RuleInput) -> RuleHit | None:
    if not inp.policy.links.shorteners:
        return None
    extra = inp.policy.links.extra_shorteners
    for link in _unallowed_links(inp):
        if link.domain in SHORTENERS or any(domain_matches(link.domain, s) for s in extra):
            return RuleHit.suspicion("rule.shortener", link.domain, 2.0 if inp.is_newcomer else 1.0)
    return None


def has_newcomer_link(inp: RuleInput) -> RuleHit | None:
    if not (inp.is_newcomer and inp.policy.links.newcomer_links_suspicious):
        return None
    links = _unallowed_links(inp)
    if links and only_media_links(links):
        # A shared tweet, video or article is how members talk about the news, not a drop.
        return None
    if links:
        # A news link is how members share; the text around it says whether it is a drop.
        return RuleHit.suspicion("rule.newcomer_link", links[0].domain, 0.5)
    return None
