"""Which of the group's notes (and its rules) answer a question: BM25 ranking with `bm25s`.

The index is built in process per group and kept until the notes or rules change (their
fingerprint), so a question costs one tokenisation and one sparse lookup, well under a
millisecond for a group's few hundred notes. No network, no model.

Tokens are lower-cased words cut to their first 6 letters: a crude stemmer that lets "password"
match "passwords" and "пароль" match "пароля" without a language-specific library.
"""

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

import bm25s

from luka_bot.assistant.prompt import KnowledgeItem

_WORD = re.compile(r"\w+", re.UNICODE)
_STEM = 6
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "am",
        "do",
        "does",
        "did",
        "to",
        "of",
        "in",
        "on",
        "at",
        "for",
        "and",
        "or",
        "but",
        "with",
        "from",
        "by",
        "as",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "what",
        "which",
        "who",
        "whom",
        "how",
        "when",
        "where",
        "why",
        "can",
        "could",
        "should",
        "would",
        "will",
        "i",
        "you",
        "he",
        "she",
        "we",
        "they",
        "me",
        "my",
        "your",
        "our",
        "their",
        "there",
        "here",
        "please",
        "tell",
        "about",
        "any",
        "some",
        "have",
        "has",
        "had",
        "not",
        "no",
        "yes",
        "so",
        "и",
        "в",
        "во",
        "на",
        "с",
        "со",
        "о",
        "об",
        "от",
        "до",
        "по",
        "за",
        "из",
        "к",
        "у",
        "а",
        "но",
        "или",
        "что",
        "как",
        "где",
        "когда",
        "кто",
        "это",
        "этот",
        "эта",
        "то",
        "ли",
        "же",
        "бы",
        "не",
        "нет",
        "да",
        "мне",
        "меня",
        "мы",
        "вы",
        "ты",
        "он",
        "она",
        "они",
        "их",
        "его",
        "её",
        "ее",
        "мой",
        "твой",
        "наш",
        "ваш",
        "есть",
        "был",
        "была",
        "были",
        "для",
        "при",
        "про",
    ]
)
RULES_NAME = "rules"
_CACHE_GROUPS = 512


def tokens(text: str) -> list[str]:
    return [word[:_STEM] for word in _WORD.findall(text.lower()) if word not in _STOPWORDS and len(word) > 1]


@dataclass
class _Index:
    items: list[KnowledgeItem]
    retriever: bm25s.BM25 | None


class KnowledgeIndex:
    def __init__(self, *, max_items: int = 3, min_score: float = 0.0) -> None:
        self._max_items = max_items
        self._min_score = min_score
        self._cache: OrderedDict[int, tuple[str, _Index]] = OrderedDict()

    def match(self, chat_id: int, question: str, notes: Mapping[str, str], rules: str = "") -> list[KnowledgeItem]:
        """The notes (and rules) that share words with `question`, best first; [] when none do."""
        query = tokens(question)
        if not query or (not notes and not rules.strip()):
            return []
        index = self._index(chat_id, notes, rules)
        if index.retriever is None:
            return []
        k = min(self._max_items, len(index.items))
        results, scores = index.retriever.retrieve([query], k=k, show_progress=False, n_threads=1)
        found = []
        for doc, score in zip(results[0], scores[0], strict=True):
            if float(score) > self._min_score:
                found.append(index.items[int(doc)])
        return found

    def _index(self, chat_id: int, notes: Mapping[str, str], rules: str) -> _Index:
        digest = hashlib.blake2b(digest_size=16)
        for name in sorted(notes):
            digest.update(name.encode() + b"\0" + notes[name].encode() + b"\1")
        digest.update(b"rules\0" + rules.encode())
        fingerprint = digest.hexdigest()
        cached = self._cache.get(chat_id)
        if cached is not None and cached[0] == fingerprint:
            self._cache.move_to_end(chat_id)
            return cached[1]
        items = [KnowledgeItem(name, text) for name, text in sorted(notes.items())]
        if rules.strip():
            items.append(KnowledgeItem(RULES_NAME, rules, is_rules=True))
        corpus = [tokens(f"{item.name.replace('_', ' ').replace('-', ' ')} {item.text}") or ["\0"] for item in items]
        retriever: bm25s.BM25 | None = None
        if items:
            retriever = bm25s.BM25()
            retriever.index(corpus, show_progress=False)
        index = _Index(items, retriever)
        self._cache[chat_id] = (fingerprint, index)
        self._cache.move_to_end(chat_id)
        while len(self._cache) > _CACHE_GROUPS:
            self._cache.popitem(last=False)
        return index
