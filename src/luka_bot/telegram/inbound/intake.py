"""Intake: every group message (new or edited) is recorded and its moderation job enqueued in one
Redis round trip, before any handler runs; the inline fast tier may remove it right there."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import structlog
from aiogram import BaseMiddleware
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.enums import ChatType
from aiogram.types import Message, TelegramObject, Update

from luka_bot.community.reputation import HISTORY_LIMIT
from luka_bot.community.stats import MemberStats
from luka_bot.community.trust import member_context
from luka_bot.jobs.partitions import PartitionedQueue
from luka_bot.jobs.queue import IntakeSlot, JobQueue
from luka_bot.metrics import Metrics
from luka_bot.moderation.job import ModerationJob
from luka_bot.moderation.normalize import NormalizedText, normalize
from luka_bot.moderation.verdict import MemberContext, ModerationRequest, Signals, TrustLevel
from luka_bot.policy.group import GroupSettings
from luka_bot.policy.ladder_settings import LadderPolicy
from luka_bot.store.conversation import message_record
from luka_bot.store.group_settings import GroupSettingsRepository
from luka_bot.store.keys import KNOWN_MEMBER_TTL, MESSAGE_TTL, RECENT_MESSAGES_MAX, Keys
from luka_bot.store.redis import text
from luka_bot.store.round_trips import RoundTrips, Script
from luka_bot.telegram.addressing import routers_may_act
from luka_bot.telegram.inbound.polling import mark_taken_in

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


# The update's text normalized once (without link urls), in the update's middleware data: the raid
# lock and the inline tier both read it, and normalizing is the costliest step of either.
NORMALIZED_TEXT = "normalized_text"


def normalized_text(message: Message, data: dict[str, Any]) -> NormalizedText:
    """The message's text (or caption) normalized, once per update."""
    text: NormalizedText | None = data.get(NORMALIZED_TEXT)
    if text is None:
        text = data[NORMALIZED_TEXT] = normalize((message.text or message.caption or "")[:MAX_TEXT])
    return text


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


def media_ref(message: Message) -> dict[str, Any]:
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
            "media_hash_size": picture.file_size or 0,
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
    return {"media_unique_id": media.file_unique_id, "media_hash_file": file_id, "media_hash_size": size or 0}


def moderation_job(message: Message, *, revision: int) -> ModerationJob:
    """Everything the worker needs, so it never reads the update again."""
    origin = message.forward_origin
    user = message.from_user
    sender_chat = message.sender_chat
    replied = message.reply_to_message.from_user if message.reply_to_message is not None else None
    return ModerationJob(
        chat_id=message.chat.id,
        chat_title=message.chat.title or "",
        message_id=message.message_id,
        revision=revision,
        # Posts made as a channel carry a shared placeholder user (Channel_Bot); the channel is the
        # author that reputation and sanctions must follow.
        user_id=sender_chat.id if sender_chat else (user.id if user else 0),
        name=display_name(message),
        text=(message.text or message.caption or "")[:MAX_TEXT],
        kind=message_kind(message),
        date=message.date.timestamp(),
        enqueued_at=time.time(),
        is_forward=origin is not None,
        forwarded_from_channel=origin is not None and origin.type == "channel",
        sent_as_channel=sender_chat is not None and sender_chat.id != message.chat.id,
        anonymous_admin=sender_chat is not None and sender_chat.id == message.chat.id,
        # The discussion group's copy of a post from its own linked channel: the group's own
        # content, never a stranger's forward (and its channel is never to be banned).
        automatic_forward=bool(message.is_automatic_forward),
        has_contact=message.contact is not None,
        external_reply=message.external_reply is not None,
        link_urls=tuple(_link_urls(message)),
        features=tuple(message_features(message)),
        button_text=button_text(message),
        # Whom a reply answers (members only), so a thank-you can credit their helpful answer.
        reply_to_user_id=replied.id if replied is not None and not replied.is_bot else 0,
        reply_to_name=(replied.full_name or replied.username or "") if replied is not None else "",
        **media_ref(message),
    )


def request_from_job(
    job: ModerationJob, *, member: MemberContext, signals: Signals | None = None, language: str = "en"
) -> ModerationRequest:
    return job.request(member=member, signals=signals, language=language)


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
        self,
        job: ModerationJob,
        settings: GroupSettings,
        member: MemberContext | None = None,
        text: NormalizedText | None = None,
    ) -> bool: ...  # True: removed


# When the member's standing could not be read (no stored record yet is a newcomer, not this):
# judge as a regular member so that only rule hits that are certain for anyone act here.
INLINE_MEMBER = MemberContext(trust=TrustLevel.MEMBER, is_first_message=False, messages_in_group=1)


# The chat's recent-message index and the member's stored standing in one step: one command on
# the intake's round trip instead of five (all keys of one chat: one Redis Cluster slot).
# KEYS: recent index, reputation hash, violation history
# ARGV: message id ("" to write nothing), its date, index cap, index ttl, history length
# Returns {the reputation hash as a flat list, the history as a flat member/score list}.
_NOTE_AND_READ = Script.of("""
if ARGV[1] ~= '' then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[3]) + 1))
  redis.call('EXPIRE', KEYS[1], ARGV[4])
end
return {redis.call('HGETALL', KEYS[2]), redis.call('ZRANGE', KEYS[3], -tonumber(ARGV[5]), -1, 'WITHSCORES')}
""")


def _pairs(flat: list[Any]) -> list[tuple[Any, Any]]:
    return [(flat[i], flat[i + 1]) for i in range(0, len(flat) - 1, 2)]


class StandingRead:
    """The member's stored standing, read inside the intake's round trip (no extra one). With
    `recent` (message id, date) the message also goes into the chat's recent-message index, which
    the assistant's /summary reads and private use "by members" asks about."""

    def __init__(
        self, pipe: Any, keys: Keys, chat_id: int, user_id: int, *, recent: tuple[int, float] | None = None
    ) -> None:
        self._chat_id = chat_id
        self._user_id = user_id
        self._index = len(pipe)
        message_id, date = recent if recent is not None else ("", 0.0)
        _NOTE_AND_READ.queue(
            pipe,
            [keys.recent_messages(chat_id), keys.reputation(chat_id, user_id), keys.violations(chat_id, user_id)],
            [message_id, repr(float(date)), RECENT_MESSAGES_MAX, MESSAGE_TTL, HISTORY_LIMIT],
        )

    def member(self, results: list[Any], policy: LadderPolicy, now: float) -> MemberContext:
        fields, history = results[self._index]
        stats = MemberStats.from_storage(
            self._chat_id,
            self._user_id,
            {text(k): text(v) for k, v in _pairs(fields or [])},
            [(text(m), float(s)) for m, s in _pairs(history or [])],
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
        round_trips: RoundTrips,
    ) -> None:
        self._round_trips = round_trips
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
            user_id=job.user_id,
            name=job.name,
            text=job.text,
            kind=job.kind,
            date=job.date,
            reply_to=reply_to,
            is_bot=False,
            revision=revision,
        )
        chat_id = message.chat.id
        settings = self._group_settings.cached(chat_id)
        read_token = self._group_settings.read_token()
        queued: list[tuple[IntakeSlot, StandingRead]] = []

        def queue_intake(pipe: Any) -> None:
            slot = self._queue.for_chat(chat_id).intake(
                pipe,
                update_id=event.update_id,
                record_key=self._keys.message(chat_id, message.message_id),
                record=record,
                record_ttl=MESSAGE_TTL,
                job=job.to_fields(),
            )
            # The inline tier judges the member by their real standing, read in this round trip,
            # which also indexes the message among the group's recent ones.
            standing = StandingRead(pipe, self._keys, chat_id, job.user_id, recent=(message.message_id, job.date))
            if message.from_user is not None and message.sender_chat is None:
                pipe.set(self._keys.known_member(message.from_user.id), "1", ex=KNOWN_MEMBER_TTL)
            if settings is None:  # at most every few seconds per chat: remember the group, read its settings
                pipe.hset(self._keys.groups, str(chat_id), message.chat.title or "")
                pipe.get(self._keys.group_settings(chat_id))
            queued.append((slot, standing))

        # Every update of the getUpdates batch reaches this point in the same turn of the loop:
        # their intakes go to Redis together, in one round trip (store/round_trips.py).
        results = await self._round_trips.send(queue_intake)
        slot, standing = queued[0]
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
            if await self._fast_tier.check(job, settings, member, data.get(NORMALIZED_TEXT)):
                return None  # removed before any reply: the assistant never sees it
        if event.message is not None and not routers_may_act(message, me):
            mark_taken_in(data)
            return UNHANDLED  # no router acts on it (the lean path): what feed_update would find
        return await _proceed(handler, event, data)
