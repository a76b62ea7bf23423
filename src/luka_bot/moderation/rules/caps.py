"""Shouting: most letters in capitals, over enough letters that "OK" or "NASA" do not count."""

from __future__ import annotations

from luka_bot.moderation.rules.result import RuleHit, RuleInput


def is_caps_flood(inp: RuleInput) -> RuleHit | None:
    floods = inp.policy.floods
    if floods.max_caps_ratio <= 0 or inp.text.letters < floods.caps_min_letters:
        return None
    if inp.text.caps_ratio >= floods.max_caps_ratio:
        return RuleHit.suspicion("rule.caps_flood", f"{inp.text.caps_ratio:.0%} capitals", 1.0)
    return None
