"""Line floods: a wall of short lines pushes the conversation off the screen."""

from __future__ import annotations

from luka_bot.moderation.rules.result import RuleHit, RuleInput
from luka_bot.moderation.verdict import Category


def is_line_flood(inp: RuleInput) -> RuleHit | None:
    limit = inp.policy.floods.max_lines
    if not limit or inp.text.lines < limit:
        return None
    if inp.text.lines >= 2 * limit:
        return RuleHit.certain_hit("rule.line_flood", Category.FLOOD, f"{inp.text.lines} lines")
    return RuleHit.suspicion("rule.line_flood", f"{inp.text.lines} lines", 1.0, Category.FLOOD)
