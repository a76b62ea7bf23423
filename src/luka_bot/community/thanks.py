"""Is a reply a thank-you? Then the member it answers gave a helpful answer.

Community bots' users know this as karma by "thanks" / "+1"; it is how helpful answers are counted
without asking an LLM. Only short replies count, so a long message that happens to say "thanks"
somewhere is not taken for one.
"""

from __future__ import annotations

import re

MAX_THANKS_LENGTH = 80
_THANKS = re.compile(
    r"(?<![\w])(thanks?|thank\s+you|thx|ty|\+1|cheers|спасибо|спс|благодарю|пасиб[оа]?|респект)(?![\w])|👍|🙏",
    re.IGNORECASE,
)


def is_thanks(text: str) -> bool:
    text = text.strip()
    return 0 < len(text) <= MAX_THANKS_LENGTH and _THANKS.search(text) is not None
