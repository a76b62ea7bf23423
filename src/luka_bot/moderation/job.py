"""The moderation job: everything the worker needs about one message revision, so it never reads
the update again. One type, one codec.

`to_fields` / `from_fields` are the only place that knows how a job sits in the job stream (flat
string fields, flags as "1"/"0", lists as JSON). The wire format is the one the untyped jobs used,
so jobs enqueued by an older version before an upgrade still decode. Fields the queue adds (its
reserved `_attempts`, `_deferrals`, `_since`) and fields this version does not know are ignored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from luka_bot.moderation.verdict import MemberContext, ModerationRequest, Signals


class MalformedJob(ValueError):
    """The stream entry lacks what any moderation job has (chat, message, author)."""


def _flag(value: bool) -> str:
    return "1" if value else "0"


def _strings(raw: str | None) -> tuple[str, ...]:
    try:
        values = json.loads(raw or "[]")
    except ValueError:
        return ()
    return tuple(str(v) for v in values) if isinstance(values, list) else ()


def _float(raw: str | None, default: float) -> float:
    try:
        return float(raw) if raw else default
    except ValueError:
        return default


@dataclass(frozen=True, slots=True)
class ModerationJob:
    chat_id: int
    message_id: int
    # Posts made as a channel carry a shared placeholder user; the channel is the author.
    user_id: int
    revision: int = 0  # 0: the message as sent; an edit's update id otherwise
    chat_title: str = ""
    name: str = ""
    text: str = ""
    kind: str = "text"
    date: float = 0.0  # the message's date (Unix seconds); 0: unknown
    enqueued_at: float = 0.0  # its first intake; 0: unknown
    is_forward: bool = False
    forwarded_from_channel: bool = False
    sent_as_channel: bool = False
    # The group itself posting: its anonymous admins, its linked channel's automatic forwards.
    anonymous_admin: bool = False
    automatic_forward: bool = False
    has_contact: bool = False
    external_reply: bool = False
    link_urls: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    media_unique_id: str = ""  # the media's identity (same file however often re-sent)
    media_hash_file: str = ""  # the still picture to download for its perceptual hash
    media_hash_size: int = 0
    button_text: str = ""  # the labels of its inline buttons, judged as text too
    # Whom a reply answers (members only), so a thank-you can credit their helpful answer.
    reply_to_user_id: int = 0
    reply_to_name: str = ""

    @property
    def is_group_own(self) -> bool:
        """Posts by the group itself: never judged as a stranger's, never sanctioned (a ban would
        bar the group's own channel)."""
        return self.anonymous_admin or self.automatic_forward

    @property
    def first_intake(self) -> float:
        """When the message was first taken in: the judge's deadline counts from here."""
        return self.enqueued_at or self.date

    # --- the codec ---------------------------------------------------------------------------
    def to_fields(self) -> dict[str, str]:
        fields = {
            "chat_id": str(self.chat_id),
            "chat_title": self.chat_title,
            "message_id": str(self.message_id),
            "revision": str(self.revision),
            "user_id": str(self.user_id),
            "name": self.name,
            "text": self.text,
            "kind": self.kind,
            "date": repr(self.date),
            "enqueued_at": repr(self.enqueued_at),
            "is_forward": _flag(self.is_forward),
            "forwarded_from_channel": _flag(self.forwarded_from_channel),
            "sent_as_channel": _flag(self.sent_as_channel),
            "anonymous_admin": _flag(self.anonymous_admin),
            "automatic_forward": _flag(self.automatic_forward),
            "has_contact": _flag(self.has_contact),
            "external_reply": _flag(self.external_reply),
            "link_urls": json.dumps(list(self.link_urls)),
            "features": json.dumps(list(self.features)),
            "reply_to_user_id": str(self.reply_to_user_id) if self.reply_to_user_id else "",
            "reply_to_name": self.reply_to_name,
        }
        if self.media_unique_id:
            fields["media_unique_id"] = self.media_unique_id
            fields["media_hash_file"] = self.media_hash_file
            fields["media_hash_size"] = str(self.media_hash_size)
        if self.button_text:
            fields["button_text"] = self.button_text
        return fields

    @classmethod
    def from_fields(cls, fields: Mapping[str, str]) -> ModerationJob:
        """Raises MalformedJob when chat, message or author is missing or not a number."""
        try:
            chat_id, message_id, user_id = int(fields["chat_id"]), int(fields["message_id"]), int(fields["user_id"])
            revision = int(fields.get("revision") or 0)
        except (KeyError, ValueError) as exc:
            raise MalformedJob(f"not a moderation job: {exc!r}") from exc
        date = _float(fields.get("date"), 0.0)
        try:
            reply_to = int(fields.get("reply_to_user_id") or 0)
            hash_size = int(fields.get("media_hash_size") or 0)
        except ValueError:
            reply_to, hash_size = 0, 0
        return cls(
            chat_id=chat_id,
            message_id=message_id,
            user_id=user_id,
            revision=revision,
            chat_title=fields.get("chat_title", ""),
            name=fields.get("name", ""),
            text=fields.get("text", ""),
            kind=fields.get("kind") or "text",
            date=date,
            enqueued_at=_float(fields.get("enqueued_at"), 0.0),
            is_forward=fields.get("is_forward") == "1",
            forwarded_from_channel=fields.get("forwarded_from_channel") == "1",
            sent_as_channel=fields.get("sent_as_channel") == "1",
            anonymous_admin=fields.get("anonymous_admin") == "1",
            automatic_forward=fields.get("automatic_forward") == "1",
            has_contact=fields.get("has_contact") == "1",
            external_reply=fields.get("external_reply") == "1",
            link_urls=_strings(fields.get("link_urls")),
            features=_strings(fields.get("features")),
            media_unique_id=fields.get("media_unique_id", ""),
            media_hash_file=fields.get("media_hash_file", ""),
            media_hash_size=hash_size,
            button_text=fields.get("button_text", ""),
            reply_to_user_id=reply_to,
            reply_to_name=fields.get("reply_to_name", ""),
        )

    # --- what the cascade sees ---------------------------------------------------------------
    def request(
        self, *, member: MemberContext, signals: Signals | None = None, language: str = "en"
    ) -> ModerationRequest:
        extra = {"signals": signals} if signals is not None else {}
        return ModerationRequest(
            chat_id=self.chat_id,
            message_id=self.message_id,
            user_id=self.user_id,
            text="\n".join(filter(None, (self.text, self.button_text))),
            kind=self.kind,
            revision=self.revision,
            is_forward=self.is_forward,
            forwarded_from_channel=self.forwarded_from_channel,
            sent_as_channel=self.sent_as_channel,
            has_contact=self.has_contact,
            external_reply=self.external_reply,
            link_urls=self.link_urls,
            member=member,
            language=language,
            features=frozenset(self.features),
            **extra,
        )
