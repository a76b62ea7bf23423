"""Hidden text: invisible characters and words mixing Latin and Cyrillic look-alikes.

People do not type "BТC" with a Cyrillic "Т" or hide zero-width spaces in words; software
written to dodge filters does.
"""

from __future__ import annotations

from luka_bot.moderation.rules.result import RuleHit, RuleInput


def has_hidden_characters(inp: RuleInput) -> RuleHit | None:
    threshold = inp.policy.hidden_characters_suspicious
    tricks = inp.text.invisible_removed + inp.text.mixed_script_words
    if threshold and tricks >= threshold:
        return RuleHit.suspicion("rule.hidden_characters", f"{tricks} hidden or mixed-script", 2.0)
    return None
