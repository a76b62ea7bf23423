"""Intake: every group message (new or edited) is recorded and its moderation job enqueued in one
Redis round trip, before any handler runs; the inline fast tier may remove it right there."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import structlog
from aiogram import BaseMiddleware
from aiogram.enums import ChatType
from aiogram.types import Message, TelegramObject, Update

from luka_bot.community.reputation import HISTORY_LIMIT
from luka_bot.community.stats import MemberStats
from luka_bot.community.trust import member_context
from luka_bot.jobs.partitions import PartitionedQueue
from luka_bot.jobs.queue import JobQueue
from luka_bot.metrics import Metrics
from luka_bot.moderation.verdict import MemberContext, ModerationRequest, TrustLevel
from luka_bot.policy.group import GroupSettings
from luka_bot.policy.ladder import LadderPolicy
from luka_bot.store.conversation import message_record
from luka_bot.store.group_settings import GroupSettingsRepository
from luka_bot.store.keys import KNOWN_MEMBER_TTL, MESSAGE_TTL, RECENT_MESSAGES_MAX, Keys
from luka_bot.store.redis import multi
from luka_bot.telegram.polling import mark_taken_in

log = structlog.get_logger(__name__)

GROUP_TYPES = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})
MEDIA_KINDS = (
    "photo",
    "video",
    "animation",
    "document",
    "sticker",
    "voice",
    "video_note",
    "audio",
    "contact",
    "location",
    "poll",
    "dice",
    "story",
    "game",
    "venue",
)
MAX_TEXT = 16_384  # far above Telegram's own limits; a bound against malformed updates


def message_kind(message: Message) -> str:
    if message.text is not None:
        return "text"
    for kind in MEDIA_KINDS:
        if getattr(message, kind, None) is not None:
            return kind
    return "other"


def display_name(message: Message) -> str:
    if message.sender_chat is not None:
        return message.sender_chat.title or str(message.sender_chat.id)
    user = message.from_user
    if user is None:
        return "unknown"
    return user.full_name or user.username or str(user.id)


def _buttons(message: Message) -> list[Any]:
    markup = message.reply_markup
    return [button for row in (markup.inline_keyboard if markup is not None else []) for button in row][:100]


def _link_urls(message: Message) -> list[str]:
    entities = (message.entities or []) + (message.caption_entities or [])
    urls = [entity.url for entity in entities if entity.type == "text_link" and entity.url]
    # Links behind inline buttons (messages sent via bots) are links the text alone hides too.
    urls += [button.url for button in _buttons(message) if getattr(button, "url", None)]
    return urls[:20]


def button_text(message: Message) -> str:
    """The labels of the message's inline buttons: spam drawn on a button is judged as text."""
    return "\n".join(str(button.text) for button in _buttons(message) if button.text)[:1000]


def message_features(message: Message) -> list[str]:
    """What the content locks (moderation/locks.py) look at beyond text and kind."""
    features: list[str] = []
    origin = message.forward_origin
    if origin is not None:
        features += ["forward", f"forward:{origin.type}"]
    if message.story is not None or message.reply_to_story is not None:
        features.append("story")
        if origin is not None or message.story is not None:
            # A story shared into a chat is always someone's story passed on: Telegram shows it forwarded.
            features.append("forward_story")
    if message.via_bot is not None:
        features.append("via_bot")
    markup = message.reply_markup
    if markup is not None and any(row for row in markup.inline_keyboard or []):
        features.append("buttons")
    entities = (message.entities or []) + (message.caption_entities or [])
    if any(entity.type in ("url", "text_link") for entity in entities):
        features.append("url")
    if any(entity.type == "custom_emoji" for entity in entities):
        features.append("custom_emoji")
    sticker = message.sticker
    if sticker is not None:
        if sticker.premium_animation is not None:
            features.append("sticker_premium")
        if sticker.type == "custom_emoji" or sticker.custom_emoji_id:
            features += ["sticker_premium", "custom_emoji"]
    if message.venue is not None:
        features.append("kind:location")  # a venue is a location with a name
    if (
        message.sender_chat is not None
        and message.sender_chat.id != message.chat.id
        and not message.is_automatic_forward
    ):
        features.append("anon_channel")
    return list(dict.fromkeys(features))


# Media an admin can mark with /spam; near-duplicates of them are removed on sight.
HASHED_KINDS = ("photo", "sticker", "animation", "video")
HASH_MIN_SIDE = 320  # pHash looks at 32x32: a mid-size rendition hashes as well as the original


def media_ref(message: Message) -> dict[str, str]:
    """The media's identity (file_unique_id: the same file however often re-sent) and the file to
    download for its perceptual hash (a still picture: the photo, a static sticker, else a thumbnail)."""
    photo_sizes = message.photo
    if photo_sizes:
        largest = max(photo_sizes, key=lambda size: size.width * size.height)
        enough = [size for size in photo_sizes if max(size.width, size.height) >= HASH_MIN_SIDE]
        picture = min(enough, key=lambda size: size.width * size.height) if enough else largest
        return {
            "media_unique_id": largest.file_unique_id,
            "media_hash_file": picture.file_id,
            "media_hash_size": str(picture.file_size or 0),
        }
    media = message.sticker or message.animation or message.video
    if media is None:
        return {}
    thumbnail = getattr(media, "thumbnail", None)
    still = message.sticker is not None and not (message.sticker.is_animated or message.sticker.is_video)
    if still:
        file_id, size = media.file_id, media.file_size
    elif thumbnail is not None:
        file_id, size = thumbnail.file_id, thumbnail.file_size
    else:  # a video without a thumbnail: only the identical file can match
        file_id, size = "", 0
    return {"media_unique_id": media.file_unique_id, "media_hash_file": file_id, "media_hash_size": str(size or 0)}


def moderation_job(message: Message, *, revision: int) -> dict[str, str]:
    """The job's fields: everything the worker needs, so it never reads the update again."""
    text = (message.text or message.caption or "")[:MAX_TEXT]
    origin = message.forward_origin
    user = message.from_user
    replied = message.reply_to_message.from_user if message.reply_to_message is not None else None
    return {
        "chat_id": str(message.chat.id),
        "chat_title": message.chat.title or "",
        "message_id": str(message.message_id),
        "revision": str(revision),
        # Posts made as a channel carry a shared placeholder user (Channel_Bot); the channel is the
        # author that reputation and sanctions must follow.
        "user_id": str(message.sender_chat.id if message.sender_chat else (user.id if user else 0)),
        "name": display_name(message),
        "text": text,
        "kind": message_kind(message),
        "date": str(message.date.timestamp()),
        "enqueued_at": repr(time.time()),
        "is_forward": "1" if origin is not None else "0",
        "forwarded_from_channel": "1" if origin is not None and origin.type == "channel" else "0",
        "sent_as_channel": "1"
        if message.sender_chat is not None and message.sender_chat.id != message.chat.id
        else "0",
        "anonymous_admin": "1"
        if message.sender_chat is not None and message.sender_chat.id == message.chat.id
        else "0",
        # The discussion group's copy of a post from its own linked channel: the group's own
        # content, never a stranger's forward (and its channel is never to be banned).
        "automatic_forward": "1" if message.is_automatic_forward else "0",
        "has_contact": "1" if message.contact is not None else "0",
        "external_reply": "1" if message.external_reply is not None else "0",
        "link_urls": json.dumps(_link_urls(message)),
        "features": json.dumps(message_features(message)),
        **media_ref(message),
        **({"button_text": labels} if (labels := button_text(message)) else {}),
        # Whom a reply answers (members only), so a thank-you can credit their helpful answer.
        "reply_to_user_id": str(replied.id) if replied is not None and not replied.is_bot else "",
        "reply_to_name": (replied.full_name or replied.username or "") if replied is not None else "",
    }


def request_from_job(
    fields: dict[str, str], *, member: MemberContext, signals: Any = None, language: str = "en"
) -> ModerationRequest:
    extra = {"signals": signals} if signals is not None else {}
    try:
        links = tuple(str(u) for u in json.loads(fields.get("link_urls") or "[]"))
    except ValueError:
        links = ()
    try:
        features = frozenset(str(f) for f in json.loads(fields.get("features") or "[]"))
    except (ValueError, TypeError):
        features = frozenset()
    return ModerationRequest(
        chat_id=int(fields["chat_id"]),
        message_id=int(fields["message_id"]),
        user_id=int(fields["user_id"]),
        text="\n".join(filter(None, (fields.get("text", ""), fields.get("button_text", "")))),
        kind=fields.get("kind", "text"),
        revision=int(fields.get("revision") or 0),
        is_forward=fields.get("is_forward") == "1",
        forwarded_from_channel=fields.get("forwarded_from_channel") == "1",
        sent_as_channel=fields.get("sent_as_channel") == "1",
        has_contact=fields.get("has_contact") == "1",
        external_reply=fields.get("external_reply") == "1",
        link_urls=links,
        member=member,
        language=language,
        features=features,
        **extra,
    )


async def _proceed(
    handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]], event: TelegramObject, data: dict[str, Any]
) -> Any:
    """The intake is done with this update: what fails from here is a handler's fault, which a
    redelivery would not mend, so the webhook may answer 200 before the handler runs."""
    mark_taken_in(data)
    return await handler(event, data)


class FastTier(Protocol):
    """The inline part of moderation: certain rule hits, acted on before any handler runs."""

    async def check(
        self, fields: dict[str, str], settings: GroupSettings, member: MemberContext | None = None
    ) -> bool: ...  # True: removed


# When the member's standing could not be read (no stored record yet is a newcomer, not this):
# judge as a regular member so that only rule hits that are certain for anyone act here.
INLINE_MEMBER = MemberContext(trust=TrustLevel.MEMBER, is_first_message=False, messages_in_group=1)


class StandingRead:
    """The member's stored standing, read inside the intake pipeline (no extra round trip)."""

    def __init__(self, pipe: Any, keys: Keys, chat_id: int, user_id: int) -> None:
        self._chat_id = chat_id
        self._user_id = user_id
        self._index = len(pipe)
        pipe.hgetall(keys.reputation(chat_id, user_id))
        pipe.zrange(keys.violations(chat_id, user_id), -HISTORY_LIMIT, -1, withscores=True)

    def member(self, results: list[Any], policy: LadderPolicy, now: float) -> MemberContext:
        fields, history = results[self._index], results[self._index + 1]
        stats = MemberStats.from_storage(
            self._chat_id, self._user_id, fields or {}, [(m, float(s)) for m, s in history or []]
        )
        return standing_member(stats, policy, now)


def standing_member(stats: MemberStats, policy: LadderPolicy, now: float) -> MemberContext:
    """The member as the worker will see them: the stored count does not include this message yet."""
    member = member_context(stats, now, policy, is_admin=False)
    return MemberContext(
        trust=member.trust,
        is_first_message=stats.messages == 0,
        messages_in_group=stats.messages + 1,
        points=member.points,
        recent_violations=member.recent_violations,
        is_admin=False,
    )


class IntakeMiddleware(BaseMiddleware):
    def __init__(
        self,
        queue: JobQueue | PartitionedQueue,
        keys: Keys,
        group_settings: GroupSettingsRepository,
        metrics: Metrics,
        fast_tier: FastTier | None,
    ) -> None:
        self._queue = queue
        self._keys = keys
        self._group_settings = group_settings
        self._metrics = metrics
        self._fast_tier = fast_tier

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        if not isinstance(event, Update):
            return await _proceed(handler, event, data)
        message = event.message or event.edited_message
        if message is None:
            return await _proceed(handler, event, data)
        if message.chat.type == ChatType.PRIVATE and event.message is not None and message.from_user is not None:
            # Private chats are not moderated; the text is kept so replies carry the conversation.
            reply_to = message.reply_to_message.message_id if message.reply_to_message else None
            await data["conversation"].record(
                message.chat.id,
                message.message_id,
                message_record(
                    user_id=message.from_user.id,
                    name=display_name(message),
                    text=(message.text or message.caption or "")[:MAX_TEXT],
                    kind=message_kind(message),
                    date=message.date.timestamp(),
                    reply_to=reply_to,
                    is_bot=False,
                ),
            )
            return await _proceed(handler, event, data)
        if message.chat.type not in GROUP_TYPES:
            return await _proceed(handler, event, data)
        me = data.get("me")
        if me is not None and message.from_user is not None and message.from_user.id == me.id:
            return await _proceed(handler, event, data)
        # An edit is a new revision, judged again. Its update id names it: edit_date has one-second
        # resolution, and two edits within a second must not share a revision (the second would be
        # taken for done and never judged).
        revision = event.update_id if event.edited_message is not None else 0
        job = moderation_job(message, revision=revision)
        reply_to = message.reply_to_message.message_id if message.reply_to_message else None
        record = message_record(
            user_id=int(job["user_id"]),
            name=job["name"],
            text=job["text"],
            kind=job["kind"],
            date=float(job["date"]),
            reply_to=reply_to,
            is_bot=False,
            revision=revision,
        )
        chat_id = message.chat.id
        settings = self._group_settings.cached(chat_id)
        read_token = self._group_settings.read_token()
        # One MULTI on one server; on a cluster each command goes to its chat's or partition's
        # node (store.redis.multi): the intake's scripts are safe to run again on redelivery.
        async with multi(data["redis"]) as pipe:
            slot = self._queue.for_chat(chat_id).intake(
                pipe,
                update_id=event.update_id,
                record_key=self._keys.message(chat_id, message.message_id),
                record=record,
                record_ttl=MESSAGE_TTL,
                job=job,
            )
            # The inline tier judges the member by their real standing, read in this round trip.
            standing = StandingRead(pipe, self._keys, chat_id, int(job["user_id"]))
            # The assistant's /summary reads the group's recent messages from this bounded index;
            # private use "by members" asks whether the user posted in a group we serve.
            recent = self._keys.recent_messages(chat_id)
            pipe.zadd(recent, {str(message.message_id): float(job["date"])})
            pipe.zremrangebyrank(recent, 0, -(RECENT_MESSAGES_MAX + 1))
            pipe.expire(recent, MESSAGE_TTL)
            if message.from_user is not None and message.sender_chat is None:
                pipe.set(self._keys.known_member(message.from_user.id), "1", ex=KNOWN_MEMBER_TTL)
            if settings is None:  # at most every few seconds per chat: remember the group, read its settings
                pipe.hset(self._keys.groups, str(chat_id), message.chat.title or "")
                pipe.get(self._keys.group_settings(chat_id))
            results = await pipe.execute()
        outcome = slot.read(results)
        mark_taken_in(data)  # stored (or seen before): polling may confirm it, a webhook may answer 200
        if outcome.duplicate:
            log.info("intake.duplicate_update", update_id=event.update_id, chat_id=chat_id)
            return None
        self._metrics.jobs_enqueued.inc()
        if settings is None:
            settings = self._group_settings.parse(chat_id, results[-1])
            self._group_settings.remember(chat_id, settings, read_token=read_token)
        if self._fast_tier is not None and settings.moderation_enabled:
            member = standing.member(results, settings.ladder, time.time())
            if await self._fast_tier.check(job, settings, member):
                return None  # removed before any reply: the assistant never sees it
        return await _proceed(handler, event, data)
