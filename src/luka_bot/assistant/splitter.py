"""Splitting an answer into Telegram-sized messages.

Telegram counts a message's length in UTF-16 code units (4096 at most). The split of a prefix
never changes as the text grows, so a message that was sent while streaming keeps its text.
"""

from __future__ import annotations

TELEGRAM_TEXT_LIMIT = 4096


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cut_index(text: str, limit: int) -> int:
    """Index (in characters) of the longest prefix that fits `limit` UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def split_message(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    parts: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        cut = _cut_index(rest, limit)
        window = rest[:cut]
        # Prefer a paragraph break, then a line break, then a space in the last quarter.
        for sep in ("\n\n", "\n", " "):
            at = window.rfind(sep)
            if at >= cut * 3 // 4:
                cut = at + len(sep)
                break
        parts.append(rest[:cut].rstrip() or rest[:cut])
        rest = rest[cut:]
    parts.append(rest)
    return parts
