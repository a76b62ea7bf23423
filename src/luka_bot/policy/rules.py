"""Per-group configuration of the rule checks (fast tier). Owned by the fast-tier work.

Every field has a default that suits an ordinary public group, so a new group is protected at
once; admins tighten or relax from there. Thresholds count things in the normalized text
(see `luka_bot.moderation.normalize`). A threshold of 0 switches its check off.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class LinkPolicy(BaseModel):
    # Domains match themselves and their subdomains: "example.com" covers "www.example.com".
    deny_domains: list[str] = []
    allow_domains: list[str] = []
    # Telegram invites (t.me/+..., t.me/joinchat/...) lead to the spam channel itself.
    telegram_invites: bool = True  # check on
    shorteners: bool = True  # bit.ly and friends hide where a link goes
    extra_shorteners: list[str] = []
    # A newcomer's first messages with any link that is not allowed count as suspicious.
    newcomer_links_suspicious: bool = True


class FloodPolicy(BaseModel):
    max_mentions: int = Field(default=5, ge=0)
    max_emojis: int = Field(default=12, ge=0)
    max_caps_ratio: float = Field(default=0.7, ge=0.0, le=1.0)
    caps_min_letters: int = Field(default=20, ge=1)
    max_lines: int = Field(default=30, ge=0)
    # A member's messages in the last minute, this one included.
    max_messages_per_minute: int = Field(default=12, ge=0)


class CoordinationPolicy(BaseModel):
    # The same normalized text from this many distinct senders (or chats) lately is a campaign.
    min_senders: int = Field(default=3, ge=0)
    min_chats: int = Field(default=3, ge=0)
    min_length: int = Field(default=20, ge=0)  # "hi", "+1", "thanks" repeat innocently


class NewcomerPolicy(BaseModel):
    # A member is judged as a newcomer for this many first messages.
    first_messages: int = Field(default=3, ge=0)
    channel_forwards_are_spam: bool = True
    contact_only_is_spam: bool = True
    external_reply_suspicious: bool = True


class ClassifierPolicy(BaseModel):
    """Bands on the calibrated spam probability. Between ham and spam lies the uncertain band."""

    # Measured on outside data (README, "Moderation quality"): below 0.3 a message is ordinary
    # chat far more often than spam, so the judge is not asked (it keeps the LLM share bounded).
    spam_at: float = Field(default=0.90, ge=0.0, le=1.0)
    ham_below: float = Field(default=0.30, ge=0.0, le=1.0)
    # Stricter for a newcomer's first messages: lower bar for "certain spam".
    newcomer_spam_at: float = Field(default=0.80, ge=0.0, le=1.0)
    newcomer_ham_below: float = Field(default=0.30, ge=0.0, le=1.0)
    # With no LLM to ask, the uncertain band is split here.
    decide_at: float = Field(default=0.50, ge=0.0, le=1.0)
    newcomer_decide_at: float = Field(default=0.55, ge=0.0, le=1.0)


class RulesPolicy(BaseModel):
    # Phrases matched on the normalized text (case, homoglyphs, leetspeak and spacing folded).
    stop_words: list[str] = []
    builtin_stop_phrases: bool = True  # the shipped EN/RU spam phrases
    builtin_abuse_phrases: bool = True  # the shipped EN/RU abuse tier: threats, slurs, insults aimed at a person
    # Swearing aimed at nobody ("блин, опять сломалось", "holy shit") is ordinary speech; a group
    # that wants a clean chat makes it a violation here.
    profanity_is_violation: bool = False
    hidden_characters_suspicious: int = Field(default=3, ge=0)  # invisible chars + mixed-script words
    channel_senders_are_spam: bool = False  # messages posted on behalf of a channel
    links: LinkPolicy = Field(default_factory=LinkPolicy)
    floods: FloodPolicy = Field(default_factory=FloodPolicy)
    coordination: CoordinationPolicy = Field(default_factory=CoordinationPolicy)
    newcomers: NewcomerPolicy = Field(default_factory=NewcomerPolicy)
    classifier: ClassifierPolicy = Field(default_factory=ClassifierPolicy)
