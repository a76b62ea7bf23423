"""The pipeline's plain input and output: a message to judge, and a verdict. No Telegram here."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Action(StrEnum):
    ALLOW = "allow"
    WARN = "warn"
    DELETE = "delete"
    MUTE = "mute"
    BAN = "ban"


class Category(StrEnum):
    NONE = "none"
    SPAM = "spam"
    SCAM = "scam"
    ABUSE = "abuse"  # insults and harassment aimed at a person
    THREAT = "threat"  # a person is told they will be hurt
    HATE = "hate"  # slurs and hate aimed at a group
    NSFW = "nsfw"
    FLOOD = "flood"
    OFF_TOPIC = "off_topic"
    OTHER = "other"
    LOCKED = "locked"  # a kind of content the group locked (/lock): moderation/locks.py


class Tier(StrEnum):
    """Which part of the cascade decided."""

    RULES = "rules"
    CLASSIFIER = "classifier"
    EMBEDDING = "embedding"
    LLM = "llm"
    CACHE = "cache"
    ADMIN = "admin"
    FALLBACK = "fallback"  # a tier failed (timeout, garbage) and no action was taken
    SKIPPED = "skipped"  # moderation off, admin exempt, nothing to judge


# Violations against people rather than the group's feed: the abuse tier's categories.
ABUSE_CATEGORIES = frozenset({Category.ABUSE, Category.THREAT, Category.HATE})

REMOVING_ACTIONS = frozenset({Action.DELETE, Action.MUTE, Action.BAN})


class TrustLevel(StrEnum):
    NEWCOMER = "newcomer"
    MEMBER = "member"
    TRUSTED = "trusted"


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


@dataclass(frozen=True, slots=True)
class Verdict:
    action: Action
    category: Category
    confidence: float
    reason: str
    tier: Tier
    # Which checks fired and with what, for the audit trail: ("rule.stop_words", "buy now"), ...
    details: tuple[tuple[str, str], ...] = ()
    elapsed_ms: float = 0.0
    error: str | None = None  # a failed tier reports here instead of raising

    @property
    def removes_message(self) -> bool:
        return self.action in REMOVING_ACTIONS

    @property
    def is_violation(self) -> bool:
        return self.action is not Action.ALLOW and self.category is not Category.NONE

    @classmethod
    def allow(cls, tier: Tier, reason: str = "", confidence: float = 1.0, **kw: object) -> Verdict:
        return cls(Action.ALLOW, Category.NONE, confidence, reason, tier, **kw)  # type: ignore[arg-type]
