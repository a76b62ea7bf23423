"""Stop phrases: the group's own list and the shipped spam phrases (abuse is `rules/abuse.py`).

Phrases are normalized the same way as messages and compared word by word with punctuation
dropped, so one entry "заработок без вложений" also catches "З4РАБОТОК!!! БЕЗ ВЛОЖЕНИЙ"; they
match at word boundaries, so "обнал" does not fire inside "обналичить" unless that is listed too.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from luka_bot.moderation.normalize import normalize
from luka_bot.moderation.rules.result import RuleHit, RuleInput
from luka_bot.moderation.verdict import Category

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
_CATEGORY_NAMES = frozenset(category.value for category in Category)


class PhraseMatcher:
    """Finds the first listed phrase in folded text; one compiled pattern per category."""

    def __init__(self, phrases: dict[str, Category]) -> None:
        by_category: dict[Category, list[str]] = {}
        for phrase, category in phrases.items():
            folded = normalize(phrase).words
            if folded:
                by_category.setdefault(category, []).append(re.escape(folded))
        self._patterns = [
            (category, re.compile(r"(?<![^\W_])(?:" + "|".join(sorted(items, key=len, reverse=True)) + r")(?![^\W_])"))
            for category, items in by_category.items()
        ]

    def find(self, folded: str) -> tuple[Category, str] | None:
        for category, pattern in self._patterns:
            if match := pattern.search(folded):
                return category, match.group(0)
        return None


def read_phrases(path: Path, default: Category) -> dict[str, Category]:
    """Lines "phrase" or "category: phrase"; "#" starts a comment."""
    phrases: dict[str, Category] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        category = default
        head, sep, rest = line.partition(":")
        if sep and head.strip() in _CATEGORY_NAMES:
            category, line = Category(head.strip()), rest.strip()
        phrases[line] = category
    return phrases


@lru_cache(maxsize=1)
def builtin_spam_matcher() -> PhraseMatcher:
    return PhraseMatcher(read_phrases(DATA_DIR / "stop_phrases.txt", Category.SPAM))


@lru_cache(maxsize=256)
def group_matcher(stop_words: tuple[str, ...]) -> PhraseMatcher:
    # Groups share few distinct lists; caching by the list keeps compilation off the hot path.
    return PhraseMatcher(dict.fromkeys(stop_words, Category.SPAM))


def is_stop_word_hit(inp: RuleInput) -> RuleHit | None:
    folded = inp.text.words
    if inp.policy.stop_words and (found := group_matcher(tuple(inp.policy.stop_words)).find(folded)):
        return RuleHit.certain_hit("rule.stop_words", found[0], found[1])
    if inp.policy.builtin_stop_phrases and (found := builtin_spam_matcher().find(folded)):
        return RuleHit.certain_hit("rule.stop_phrases", found[0], found[1])
    return None
