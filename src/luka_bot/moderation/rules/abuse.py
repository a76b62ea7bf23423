"""Abuse aimed at people: threats, slurs, insults; swearing only where the group forbids it.

What acts offline is what the lexicon is sure of: a threat, a slur, a strong insult aimed at
someone, an imperative insult ("иди нахуй"). A weaker signal (an insult not aimed at anyone in
particular, a reclaimed or political slur, swearing at someone, an aggressive imperative, a wish
of violence, Russian mat) is a suspicion: it moves no spam score, but it keeps the cascade from
calling the message "certainly fine", so in `uncertain` mode the LLM judge decides. Swearing that
is aimed at nobody is never acted on offline by default (`RulesPolicy.profanity_is_violation`).
"""

from __future__ import annotations

from luka_bot.moderation.abuse import AbuseFindings, find_abuse
from luka_bot.moderation.rules.result import RuleHit, RuleInput
from luka_bot.moderation.verdict import Category

CHECK = "rule.abuse"


def is_abusive(inp: RuleInput) -> RuleHit | None:
    if not inp.policy.builtin_abuse_phrases:
        return None
    found = find_abuse(inp.text)
    if not found.any:
        return None
    return _certain(found, inp.policy.profanity_is_violation) or _suspicion(found)


def _certain(found: AbuseFindings, profanity_is_violation: bool) -> RuleHit | None:
    """What the lexicon is sure of: it acts offline."""
    if found.threat:
        return RuleHit.certain_hit(CHECK, Category.THREAT, f"threat: {found.threat}")
    if found.slur:
        return RuleHit.certain_hit(CHECK, Category.HATE, f"slur: {found.slur}")
    if found.insult_severe:
        return RuleHit.certain_hit(CHECK, Category.ABUSE, f"insult: {found.insult_severe}")
    if found.insult and found.addressed:
        return RuleHit.certain_hit(CHECK, Category.ABUSE, f"insult aimed at someone: {found.insult}")
    if found.insult and found.mat:
        # An insult word with mat beside it is abuse even when it names a third person ("этот
        # дебил опять хуйню пишет"): chat that mentions an insult innocently rarely swears too.
        return RuleHit.certain_hit(CHECK, Category.ABUSE, f"insult with swearing: {found.insult}")
    if found.insult_alone:
        return RuleHit.certain_hit(CHECK, Category.ABUSE, f"insult: {found.insult}")
    if found.directed:
        return RuleHit.certain_hit(CHECK, Category.ABUSE, f"insult aimed at someone: {found.directed}")
    if found.mat_at_you:
        return RuleHit.certain_hit(CHECK, Category.ABUSE, f"swearing at someone: {found.mat_at_you}")
    if found.obscene and profanity_is_violation:
        return RuleHit.certain_hit(CHECK, Category.ABUSE, f"profanity: {found.obscene}")
    return None


def _suspicion(found: AbuseFindings) -> RuleHit | None:
    """A weaker signal: it moves no score, the judge reads the message in `uncertain` mode."""
    if found.slur_weak:
        return RuleHit.suspicion(CHECK, f"possible slur: {found.slur_weak}", 0.0, Category.HATE)
    if found.insult:
        return RuleHit.suspicion(CHECK, f"insult: {found.insult}", 0.0, Category.ABUSE)
    if found.insult_weak and found.obscene:
        # A put-down with swearing beside it: rude enough for the judge to read.
        return RuleHit.suspicion(CHECK, f"rude: {found.insult_weak}", 0.0, Category.ABUSE)
    if found.rude_to_someone:
        return RuleHit.suspicion(CHECK, f"rude to someone: {found.rude_to_someone}", 0.0, Category.ABUSE)
    if found.hostile:
        return RuleHit.suspicion(CHECK, f"hostile: {found.hostile}", 0.0, Category.ABUSE)
    if found.mat:
        # Mat aimed at nobody is no violation (the judge is told so), but much Russian abuse is
        # mat about someone without any insult word, so the judge reads it.
        return RuleHit.suspicion(CHECK, f"swearing: {found.mat}", 0.0, Category.ABUSE)
    return None
