"""Entities Telegram finds by itself in any text: @mentions, /commands, URLs, e-mails, #hashtags.

The bot relies on these (a "mention" entity is how it knows it was addressed; "url" entities feed
the spam checks), so they are produced the way Telegram does: offsets and lengths in UTF-16 code
units, never inside a code/pre/link span the sender already marked up.
"""

from __future__ import annotations

import re

from .html_text import utf16_len

# Bare domains only count with a TLD Telegram would recognise; "file.txt" is not a link.
_TLDS = (
    "com|org|net|ru|io|me|info|biz|xyz|ly|gg|co|app|dev|ai|ua|de|uk|us|online|site|top|shop|link|"
    "click|live|pro|tv|cc|su|by|kz|eu|fr|it|es|nl|pl|in|cn|jp|br|tk|ml|ga|cf|gq|ws|to|be|sh"
)
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("email", re.compile(r"(?<![\w.@])[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}\b")),
    (
        "url",
        re.compile(
            r"(?<![\w@/.])(?:(?:https?|ftp|tg)://[^\s<>\"']+|(?:[A-Za-z0-9-]+\.)+(?:"
            + _TLDS
            + r")\b(?:/[^\s<>\"']*)?)",
            re.IGNORECASE,
        ),
    ),
    ("mention", re.compile(r"(?<![\w@])@[A-Za-z0-9_]{3,32}\b")),
    ("bot_command", re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?\b")),
    ("hashtag", re.compile(r"(?<![\w#])#\w*[^\W\d]\w*")),
]
_OPAQUE = frozenset({"code", "pre", "text_link", "url", "email", "mention", "bot_command", "hashtag", "text_mention"})


def _trim_url(url: str) -> str:
    # A sentence ending right after a link keeps its punctuation out of the link, as in Telegram.
    return url.rstrip(".,;:!?)'\"")


def find_entities(text: str, existing: list[dict] | None = None) -> list[dict]:
    """`existing` plus every automatic entity of `text` that does not overlap an opaque one."""
    entities = list(existing or [])
    taken: list[tuple[int, int]] = [
        (e["offset"], e["offset"] + e["length"]) for e in entities if e.get("type") in _OPAQUE
    ]
    for kind, pattern in _PATTERNS:
        for match in pattern.finditer(text):
            found = match.group(0)
            if kind == "url":
                found = _trim_url(found)
                if not found:
                    continue
            start = utf16_len(text[: match.start()])
            end = start + utf16_len(found)
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            taken.append((start, end))
            entities.append({"type": kind, "offset": start, "length": end - start})
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return entities


def strip_text(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Telegram trims surrounding whitespace from message text; entities move with the text."""
    stripped_left = text.lstrip()
    cut_left = utf16_len(text) - utf16_len(stripped_left)
    result = stripped_left.rstrip()
    total = utf16_len(result)
    kept: list[dict] = []
    for entity in entities:
        start = max(entity["offset"] - cut_left, 0)
        end = min(entity["offset"] + entity["length"] - cut_left, total)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return result, kept
