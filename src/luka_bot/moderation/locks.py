"""Content locks: which of a group's locked kinds of content a message is.

Pure: message features in (collected by the intake from the Telegram message, see
`telegram/intake.py:message_features`), lock hits out. No Telegram types here.

Lock names follow Rose's, so admins who know her recognise them. A lock applies to everyone or to
newcomers only (the cascade's notion of newcomer: first messages, not yet trusted). Admins and
members approved with /approve are exempt before the locks are looked at (as for every rule).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from luka_bot.domain import LockScope as LockScope  # the leaf's, named here for the locks' callers

# The order is the order `/locks` lists them in.
LOCK_TYPES: tuple[str, ...] = (
    "url",
    "invite",
    "button",
    "forward",
    "forwardchannel",
    "forwardstory",
    "story",
    "photo",
    "video",
    "videonote",
    "voice",
    "audio",
    "document",
    "sticker",
    "stickerpremium",
    "gif",
    "emojicustom",
    "poll",
    "contact",
    "location",
    "game",
    "dice",
    "inline",
    "anonchannel",
    "reaction",
    "rtl",
    "zalgo",
)

# Lock name -> the feature the intake records for it (message kinds are features "kind:<kind>").
_FEATURE_LOCKS: Mapping[str, str] = {
    "button": "buttons",
    "forward": "forward",
    "forwardchannel": "forward:channel",
    "forwardstory": "forward_story",
    "story": "story",
    "photo": "kind:photo",
    "video": "kind:video",
    "videonote": "kind:video_note",
    "voice": "kind:voice",
    "audio": "kind:audio",
    "document": "kind:document",
    "sticker": "kind:sticker",
    "stickerpremium": "sticker_premium",
    "gif": "kind:animation",
    "emojicustom": "custom_emoji",
    "poll": "kind:poll",
    "contact": "kind:contact",
    "location": "kind:location",
    "game": "kind:game",
    "dice": "kind:dice",
    "inline": "via_bot",
    "anonchannel": "anon_channel",
}

# Links as Telegram marks them (entities) arrive as the "url" feature; text is looked at too, for
# messages whose entities were stripped (edits through some clients, forwarded captions).
_URL = re.compile(
    r"(?i)(?:\bhttps?://|\bwww\.|\b(?:t|telegram)\.me/|\btg://|\b[a-z0-9-]{2,}\.(?:com|net|org|ru|io|me|xyz|top|info|biz|link|site|online|shop|app|cc)\b)"
)
_INVITE = re.compile(r"(?i)(?:\b(?:t|telegram)\.me/(?:joinchat/|\+)|\btg://join\?|\btelegram\.dog/(?:joinchat/|\+))")
# Right-to-left letters (Hebrew, Arabic, Syriac, Thaana, NKo...) and the bidi controls that flip text.
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\u200f\u202b\u202e\u2067]")
ZALGO_RUN = 3  # combining marks stacked on one letter; real scripts rarely stack more than two


@dataclass(frozen=True, slots=True)
class LockInput:
    kind: str  # text, photo, sticker, animation, ...
    features: frozenset[str] = frozenset()  # from the intake: "forward", "via_bot", "buttons", ...
    text: str = ""  # text or caption
    link_urls: tuple[str, ...] = ()  # hidden link targets (text_link entities)


def is_zalgo(text: str) -> bool:
    run = 0
    for char in text:
        if unicodedata.category(char) in ("Mn", "Me"):
            run += 1
            if run >= ZALGO_RUN:
                return True
        else:
            run = 0
    return False


def lock_types_of(inp: LockInput) -> tuple[str, ...]:
    """Every lock type this message falls under, in LOCK_TYPES order ("reaction" never: it is no message)."""
    features = set(inp.features) | {f"kind:{inp.kind}"}
    hits: set[str] = {name for name, feature in _FEATURE_LOCKS.items() if feature in features}
    targets = " ".join((inp.text, *inp.link_urls))
    if "url" in features or inp.link_urls or _URL.search(inp.text):
        hits.add("url")
    if _INVITE.search(targets):
        hits.add("invite")
    if _RTL.search(inp.text):
        hits.add("rtl")
    if is_zalgo(inp.text):
        hits.add("zalgo")
    return tuple(name for name in LOCK_TYPES if name in hits)


def locked_by(inp: LockInput, locks: Mapping[str, LockScope], *, newcomer: bool) -> str | None:
    """The first lock of the group this message breaks, or None."""
    if not locks:
        return None
    for name in lock_types_of(inp):
        scope = locks.get(name)
        if scope is LockScope.ALL or (scope is LockScope.NEWCOMERS and newcomer):
            return name
    return None


def parse_lock_names(words: Iterable[str]) -> tuple[list[str], list[str]]:
    """(known lock names, unknown words) from a command's arguments; "all" means every lock."""
    known: list[str] = []
    unknown: list[str] = []
    for word in words:
        name = word.strip().lower().lstrip("#")
        if not name:
            continue
        if name == "all":
            known.extend(n for n in LOCK_TYPES if n not in known)
        elif name in LOCK_TYPES:
            if name not in known:
                known.append(name)
        else:
            unknown.append(word[:40])
    return known, unknown
