"""The pipeline's plain input and output: a message to judge, and a verdict. No Telegram here."""

from __future__ import annotations

from dataclasses import dataclass, field

from luka_bot.domain import (
    ABUSE_CATEGORIES,
    REMOVING_ACTIONS,
    Action,
    Category,
    Tier,
    TrustLevel,
    Verdict,
)

# The shared value types live in the leaf luka_bot.domain; they are named here too so the
# pipeline's callers can keep importing its input and output from one place.
__all__ = [
    "ABUSE_CATEGORIES",
    "REMOVING_ACTIONS",
    "Action",
    "Category",
    "MemberContext",
    "ModerationRequest",
    "Signals",
    "Tier",
    "TrustLevel",
    "Verdict",
]


@dataclass(frozen=True, slots=True)
class MemberContext:
    """What the pipeline knows about the author; gathered by the caller from storage."""

    trust: TrustLevel = TrustLevel.NEWCOMER
    is_first_message: bool = True
    messages_in_group: int = 0
    points: int = 0
    recent_violations: int = 0
    is_admin: bool = False


@dataclass(frozen=True, slots=True)
class Signals:
    """Counts over recent activity, gathered by the caller from storage (Redis)."""

    messages_last_minute: int = 0  # by this member in this chat, this one included
    same_text_senders: int = 0  # distinct (chat, user) that posted this normalized text lately
    same_text_chats: int = 0
    same_text_senders_here: int = 0  # ... of them in this chat


@dataclass(frozen=True, slots=True)
class ModerationRequest:
    chat_id: int
    message_id: int
    user_id: int
    text: str  # text or caption; empty for media-only
    kind: str = "text"  # text, photo, video, sticker, document, voice, ...
    revision: int = 0  # 0 = as posted, n = n-th edit
    is_forward: bool = False
    forwarded_from_channel: bool = False
    sent_as_channel: bool = False  # sender_chat set: posted on behalf of a channel
    has_contact: bool = False
    external_reply: bool = False
    link_urls: tuple[str, ...] = ()  # URLs from entities (text_link etc.) the text alone hides
    # What the locks look at beyond text and kind: "forward", "forward:channel", "via_bot",
    # "buttons", "custom_emoji", "sticker_premium", "story", ... (telegram/intake.py).
    features: frozenset[str] = frozenset()
    member: MemberContext = field(default_factory=MemberContext)
    signals: Signals = field(default_factory=Signals)
    language: str = "en"
