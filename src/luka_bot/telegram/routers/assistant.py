"""The assistant router: answers mentions, replies to the bot and /ask, streaming into the chat."""

from __future__ import annotations

import time

import structlog
from aiogram import Bot, Router
from aiogram.filters import Filter
from aiogram.types import Message, User

from luka_bot.assistant.prompt import MAX_CHAIN, ChainMessage, build_messages
from luka_bot.assistant.streamer import Outcome, ReplyStreamer
from luka_bot.llm.providers import ProviderChain
from luka_bot.metrics import Metrics
from luka_bot.settings import Settings
from luka_bot.store.conversation import ConversationStore, message_record
from luka_bot.store.group_settings import GroupSettingsRepository
from luka_bot.telegram.addressing import is_addressed_to_bot, message_text, question_text
from luka_bot.telegram.rate_limit import OutboundLimiter
from luka_bot.telegram.reply_sink import ConversationGuard, TelegramReplySink
from luka_bot.texts import render
from luka_bot.texts.assistant import TEXTS

log = structlog.get_logger(__name__)


class AddressedToBot(Filter):
    async def __call__(self, message: Message, me: User) -> bool:
        return is_addressed_to_bot(message, me)


def speaker_name(user: User | None) -> str:
    if user is None:
        return "someone"
    return user.full_name or user.username or str(user.id)


async def _chain(message: Message, me: User, conversation: ConversationStore) -> list[ChainMessage]:
    stored = await conversation.chain(message.chat.id, message.message_id, MAX_CHAIN)
    if stored:
        chain = [ChainMessage(s.name, s.text, s.is_bot) for s in stored]
        chain[-1] = ChainMessage(chain[-1].speaker, question_text(message, me), False)
        return chain
    # Not recorded (e.g. older than our memory): use what the update itself carries.
    chain = []
    reply = message.reply_to_message
    if reply is not None and message_text(reply):
        chain.append(ChainMessage(speaker_name(reply.from_user), message_text(reply),
                                  reply.from_user is not None and reply.from_user.id == me.id))
    chain.append(ChainMessage(speaker_name(message.from_user), question_text(message, me), False))
    return chain


async def answer(
    message: Message,
    bot: Bot,
    me: User,
    app_settings: Settings,
    llm: ProviderChain,
    conversation: ConversationStore,
    group_settings: GroupSettingsRepository,
    limiter: OutboundLimiter,
    metrics: Metrics,
    received_at: float,
) -> None:
    chat_id = message.chat.id
    group = await group_settings.get(chat_id)
    if not group.assistant_enabled:
        return
    language = group.language.value
    if not question_text(message, me) and message.reply_to_message is None:
        hint = await bot.send_message(chat_id, render(TEXTS, "ask_usage", language),
                                      reply_to_message_id=message.message_id)
        # Tracked like any reply: if the message is removed, the hint goes with it.
        if await conversation.track(chat_id, message.message_id, hint.message_id):
            await bot.delete_messages(chat_id, [hint.message_id])
        return
    chain = await _chain(message, me, conversation)
    prompt = build_messages(chain, bot_name=me.first_name, chat_title=message.chat.title or "",
                            persona=group.persona_prompt)
    # In a group each send checks the question's verdict in the rate limiter's round trip.
    removed_key = conversation.verdict_key(chat_id, message.message_id) if chat_id < 0 else None
    sink = TelegramReplySink(bot, limiter, chat_id=chat_id, reply_to=message.message_id, removed_key=removed_key)
    guard = ConversationGuard(conversation, chat_id=chat_id, message_id=message.message_id)
    streamer = ReplyStreamer(sink, guard, edit_interval=app_settings.stream_edit_interval,
                             delivery_deadline=app_settings.assistant_delivery_deadline,
                             sink_checks_removal=removed_key is not None)
    stream = llm.stream_chat(app_settings.assistant_model, prompt, max_tokens=app_settings.assistant_max_tokens)
    result = await streamer.run(
        stream,
        apology=render(TEXTS, "llm_failed", language),
        interrupted=render(TEXTS, "llm_interrupted", language),
        truncated=render(TEXTS, "llm_truncated", language),
    )
    if result.first_message_at is not None:
        metrics.first_reply_latency.observe(max(0.0, result.first_message_at - received_at))
    metrics.assistant_replies.labels(result.outcome.value).inc()
    if result.outcome is Outcome.FAILED:
        metrics.assistant_failures.labels(result.error or "unknown").inc()
    if result.outcome in _SHOWN:
        # Remember what we said (a cut-off answer too: "go on" must carry the conversation on).
        for message_id, part in result.parts:
            await conversation.record(chat_id, message_id, message_record(
                user_id=me.id, name=me.first_name, text=part, kind="text", date=time.time(),
                reply_to=message.message_id, is_bot=True))
    log.info("assistant.replied", chat_id=chat_id, message_id=message.message_id, outcome=result.outcome.value,
             stream_ending=stream.ending.value if stream.ending else None, finish_reason=stream.finish_reason,
             error=result.error, parts=len(result.message_ids),
             first_reply_s=round((result.first_message_at or received_at) - received_at, 3))


_SHOWN = frozenset({Outcome.COMPLETED, Outcome.TRUNCATED, Outcome.INTERRUPTED})


def create_router() -> Router:
    """A fresh router per app (aiogram attaches a router to one dispatcher only)."""
    router = Router(name="assistant")
    router.message.register(answer, AddressedToBot())
    return router
