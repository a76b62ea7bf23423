"""The assistant router: answers mentions, replies to the bot and /ask, streaming into the chat;
/summary catches a member up on the conversation; /usage and /budget show and set what it may spend.

Before any model call a question is admitted: the assistant is on, the asker is not muted or
banned here, may use it in private (ASSISTANT_PRIVATE_ACCESS), is past their cooldown and within
the member's and the group's daily token budget. A refusal is said once per period in the asker's
language, never at every question, and never costs a model call."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncGenerator

import structlog
from aiogram import Bot, Router
from aiogram.enums import ChatType
from aiogram.filters import Command, CommandObject, Filter
from aiogram.types import Message, User

from luka_bot.assistant.knowledge import KnowledgeIndex
from luka_bot.assistant.prompt import (
    MAX_CHAIN,
    ChainMessage,
    LogLine,
    build_messages,
    build_summary_messages,
    reply_language,
)
from luka_bot.assistant.streamer import Outcome, ReplyGuard, ReplyStreamer, StreamResult
from luka_bot.community.sanctions import SanctionStore
from luka_bot.llm.providers import ProviderChain
from luka_bot.llm.streaming import ChatStream, StreamEnding
from luka_bot.metrics import Metrics
from luka_bot.policy.group import GroupSettings
from luka_bot.settings import PrivateAccess, Settings
from luka_bot.store.conversation import ConversationStore, message_record
from luka_bot.store.group_settings import GroupSettingsRepository
from luka_bot.store.notes import NotesStore
from luka_bot.store.private_chats import PrivateChats
from luka_bot.store.usage import Refusal, UsageStore, day_of, seconds_to_day_end
from luka_bot.telegram.addressing import (
    is_addressed_to_bot,
    message_text,
    question_text,
)
from luka_bot.telegram.admins import AdminCache
from luka_bot.telegram.rate_limit import OutboundLimiter
from luka_bot.telegram.reply_sink import ConversationGuard, TelegramReplySink
from luka_bot.telegram.routers.calls import GROUP_CHATS, display_name
from luka_bot.texts import language_of, render
from luka_bot.texts.assistant import TEXTS

log = structlog.get_logger(__name__)


class AddressedToBot(Filter):
    async def __call__(self, message: Message, me: User) -> bool:
        return is_addressed_to_bot(message, me)


def speaker_name(user: User | None) -> str:
    if user is None:
        return "someone"
    return display_name(user)


async def _chain(message: Message, me: User, conversation: ConversationStore) -> list[ChainMessage]:
    chat_id = message.chat.id
    stored = await conversation.chain(chat_id, message.message_id, MAX_CHAIN)
    if stored:
        # The chain is read from this chat's keys only: nothing said elsewhere can be in it.
        chain = [ChainMessage(s.name, s.text, s.is_bot, chat_id) for s in stored]
        chain[-1] = ChainMessage(chain[-1].speaker, question_text(message, me), False, chat_id)
        return chain
    # Not recorded (e.g. older than our memory): use what the update itself carries.
    chain = []
    reply = message.reply_to_message
    if reply is not None and message_text(reply):
        chain.append(
            ChainMessage(
                speaker_name(reply.from_user),
                message_text(reply),
                reply.from_user is not None and reply.from_user.id == me.id,
            )
        )
    chain.append(ChainMessage(speaker_name(message.from_user), question_text(message, me), False))
    return chain


ANSWER, SUMMARY = "answer", "summary"


def asker_language(user: User | None, group: GroupSettings) -> str:
    """Our texts' language for this asker: their Telegram language, else the group's."""
    if user is not None and user.language_code:
        return language_of(user.language_code)
    return group.language.value


def _limits(app_settings: Settings, group: GroupSettings, *, private: bool) -> tuple[int, int, float]:
    member = group.assistant_member_daily_tokens
    whole = group.assistant_group_daily_tokens
    cooldown = group.assistant_cooldown
    return (
        app_settings.assistant_member_daily_tokens if member is None else member,
        # A private chat has one member: only the member's budget applies there.
        0 if private else (app_settings.assistant_group_daily_tokens if whole is None else whole),
        app_settings.assistant_cooldown if cooldown is None else float(cooldown),
    )


async def _admitted(
    message: Message,
    bot: Bot,
    *,
    app_settings: Settings,
    group: GroupSettings,
    usage: UsageStore,
    sanctions: SanctionStore,
    metrics: Metrics,
    lang: str,
) -> bool:
    """May this question reach the model? Says why not, once per period, when it may not."""
    user = message.from_user
    chat_id = message.chat.id
    if user is None or message.sender_chat is not None:
        return False  # a channel or anonymous post: nobody to budget, nobody to answer
    private = message.chat.type == ChatType.PRIVATE
    now = time.time()
    if private:
        access = app_settings.assistant_private_access
        refused = None
        if access is PrivateAccess.NOBODY:
            refused = "refused.private_nobody"
        elif access is PrivateAccess.MEMBERS and not await usage.is_known_member(user.id):
            refused = "refused.private_members"
        if refused is not None:
            metrics.assistant_refusals.labels(reason="private").inc()
            # Their own chat: say it every time, it is the whole answer they get.
            await bot.send_message(chat_id, render(TEXTS, refused, lang), reply_to_message_id=message.message_id)
            return False
    elif await sanctions.active_sanction(chat_id, user.id) is not None:
        # Muted or banned here (a message slipped through before the restriction): not answered.
        metrics.assistant_refusals.labels(reason="sanctioned").inc()
        log.info("assistant.sanctioned_asker", chat_id=chat_id, user_id=user.id)
        return False
    member_limit, group_limit, cooldown = _limits(app_settings, group, private=private)
    admission = await usage.admit(
        chat_id, user.id, member_limit=member_limit, group_limit=group_limit, cooldown=cooldown, now=now
    )
    if admission.admitted:
        return True
    refusal = admission.refusal
    assert refusal is not None
    metrics.assistant_refusals.labels(reason=refusal.value).inc()
    if refusal is Refusal.COOLDOWN:
        period, ttl = "cooldown", max(1, admission.value // 1000)
        text = render(TEXTS, "refused.cooldown", lang, seconds=max(1, round(admission.value / 1000)))
    else:
        period, ttl = day_of(now), seconds_to_day_end(now)
        text = render(TEXTS, f"refused.{refusal.value}", lang)
    if await usage.claim_notice(chat_id, user.id, refusal, period=period, ttl=ttl):
        log.info("assistant.refused", chat_id=chat_id, user_id=user.id, reason=refusal.value, value=admission.value)
        await bot.send_message(chat_id, text, reply_to_message_id=message.message_id)
    return False


def _with_footer(inner: ChatStream, footer: str) -> ChatStream:
    """`inner`, and `footer` after it when the answer was complete (named notes, for instance)."""
    out = ChatStream()

    async def pieces() -> AsyncGenerator[str, None]:
        async for piece in out.relay(inner):
            yield piece
        if footer and out.ending is StreamEnding.COMPLETE:
            yield "\n\n" + footer

    return out.bind(pieces())


def _tokens_spent(stream: ChatStream, prompt: list[dict[str, str]], answer: str) -> tuple[int, str]:
    """Tokens the call cost: the server's own count when it gave one, else 4 characters a token."""
    if stream.usage is not None:
        return sum(stream.usage), "reported"
    chars = sum(len(m.get("content") or "") for m in prompt) + len(answer)
    return max(1, chars // 4), "estimated"


async def _account(
    usage: UsageStore,
    metrics: Metrics,
    stream: ChatStream,
    prompt: list[dict[str, str]],
    result: StreamResult,
    *,
    chat_id: int,
    user: User,
    private: bool,
    purpose: str,
) -> int:
    if stream.usage is None and not result.text:
        return 0  # the server failed before answering: nothing was spent
    tokens, source = _tokens_spent(stream, prompt, result.text)
    await usage.record(chat_id, user.id, speaker_name(user), tokens, purpose=purpose)
    metrics.assistant_tokens.labels(chat="private" if private else str(chat_id), purpose=purpose, source=source).inc(
        tokens
    )
    return tokens


async def _stream_reply(
    sink: TelegramReplySink,
    guard: ReplyGuard,
    app_settings: Settings,
    llm: ProviderChain,
    prompt: list[dict[str, str]],
    lang: str,
    *,
    footer: str | None = None,
    sink_checks_removal: bool = False,
) -> tuple[ChatStream, StreamResult]:
    """The model's answer to `prompt` streamed into `sink`, paced and marked in `lang` as every
    reply is (/ask, a mention, /summary); the stream is returned too, for its usage and ending."""
    streamer = ReplyStreamer(
        sink,
        guard,
        edit_interval=app_settings.stream_edit_interval,
        delivery_deadline=app_settings.assistant_delivery_deadline,
        sink_checks_removal=sink_checks_removal,
    )
    stream = llm.stream_chat(app_settings.assistant_model, prompt, max_tokens=app_settings.assistant_max_tokens)
    if footer is not None:  # /ask: a footer after a complete answer (named notes), if any
        stream = _with_footer(stream, footer)
    result = await streamer.run(
        stream,
        apology=render(TEXTS, "llm_failed", lang),
        interrupted=render(TEXTS, "llm_interrupted", lang),
        truncated=render(TEXTS, "llm_truncated", lang),
    )
    return stream, result


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
    usage: UsageStore,
    sanctions: SanctionStore,
    notes: NotesStore,
    knowledge: KnowledgeIndex,
) -> None:
    chat_id = message.chat.id
    private = message.chat.type == ChatType.PRIVATE
    group = await group_settings.get(chat_id)
    if not group.assistant_enabled:
        return
    lang = asker_language(message.from_user, group)
    if not question_text(message, me) and message.reply_to_message is None:
        hint = await bot.send_message(chat_id, render(TEXTS, "ask_usage", lang), reply_to_message_id=message.message_id)
        # Tracked like any reply: if the message is removed, the hint goes with it.
        if await conversation.track(chat_id, message.message_id, hint.message_id):
            await bot.delete_messages(chat_id, [hint.message_id])
        return
    if not await _admitted(
        message,
        bot,
        app_settings=app_settings,
        group=group,
        usage=usage,
        sanctions=sanctions,
        metrics=metrics,
        lang=lang,
    ):
        return
    user = message.from_user
    assert user is not None  # _admitted refuses anonymous posts
    chain = await _chain(message, me, conversation)
    found = []
    if not private:
        # The group's own knowledge: notes and rules that share words with the question.
        found = knowledge.match(chat_id, chain[-1].text, await notes.all(chat_id), group.rules_text)
    prompt = build_messages(
        chain,
        bot_name=me.first_name,
        chat_title=message.chat.title or "",
        persona=group.persona_prompt,
        chat_id=chat_id,
        private=private,
        language=reply_language(user.language_code, group.language.value),
        knowledge=found,
    )
    used_notes = [f"#{item.name}" for item in found if not item.is_rules]
    footer = render(TEXTS, "from_notes", lang, names=", ".join(used_notes)) if used_notes else ""
    # In a group each send checks the question's verdict in the rate limiter's round trip.
    removed_key = conversation.verdict_key(chat_id, message.message_id) if chat_id < 0 else None
    sink = TelegramReplySink(bot, limiter, chat_id=chat_id, reply_to=message.message_id, removed_key=removed_key)
    guard = ConversationGuard(conversation, chat_id=chat_id, message_id=message.message_id)
    stream, result = await _stream_reply(
        sink, guard, app_settings, llm, prompt, lang, footer=footer, sink_checks_removal=removed_key is not None
    )
    spent = await _account(
        usage, metrics, stream, prompt, result, chat_id=chat_id, user=user, private=private, purpose=ANSWER
    )
    if result.first_message_at is not None:
        metrics.first_reply_latency.observe(max(0.0, result.first_message_at - received_at))
    metrics.assistant_replies.labels(result.outcome.value).inc()
    if result.outcome is Outcome.FAILED:
        metrics.assistant_failures.labels(result.error or "unknown").inc()
    if result.outcome in _SHOWN:
        # Remember what we said (a cut-off answer too: "go on" must carry the conversation on).
        for message_id, part in result.parts:
            await conversation.record(
                chat_id,
                message_id,
                message_record(
                    user_id=me.id,
                    name=me.first_name,
                    text=part,
                    kind="text",
                    date=time.time(),
                    reply_to=message.message_id,
                    is_bot=True,
                ),
            )
    log.info(
        "assistant.replied",
        chat_id=chat_id,
        message_id=message.message_id,
        outcome=result.outcome.value,
        stream_ending=stream.ending.value if stream.ending else None,
        finish_reason=stream.finish_reason,
        error=result.error,
        parts=len(result.message_ids),
        tokens=spent,
        notes=used_notes,
        first_reply_s=round((result.first_message_at or received_at) - received_at, 3),
    )


_SHOWN = frozenset({Outcome.COMPLETED, Outcome.TRUNCATED, Outcome.INTERRUPTED})


SUMMARY_DEFAULT_MESSAGES = 50
SUMMARY_MAX_MESSAGES = 300
SUMMARY_MAX_WINDOW = 48 * 3600  # Telegram's own deletion window; the texts live about as long
_WINDOW = re.compile(r"(\d{1,4})\s*(m|min|h|ч|м|мин)", re.IGNORECASE)


def summary_window(argument: str | None, now: float) -> tuple[float | None, int] | None:
    """(since, message limit) for `/summary [N | 30m | 2h]`; None when the argument is not one."""
    arg = (argument or "").strip().lower()
    if not arg:
        return None, SUMMARY_DEFAULT_MESSAGES
    if arg.isdigit():
        return None, max(1, min(int(arg), SUMMARY_MAX_MESSAGES))
    match = _WINDOW.fullmatch(arg)
    if match is None:
        return None
    amount = int(match.group(1)) * (3600 if match.group(2) in ("h", "ч") else 60)
    return now - min(max(amount, 60), SUMMARY_MAX_WINDOW), SUMMARY_MAX_MESSAGES


class _NoGuard:
    """A summary sent in private answers no group message a verdict could remove; its inputs
    were filtered already."""

    async def is_removed(self) -> bool:
        return False

    async def track(self, message_id: int) -> bool:
        return False


async def summary(
    message: Message,
    command: CommandObject,
    bot: Bot,
    me: User,
    app_settings: Settings,
    llm: ProviderChain,
    conversation: ConversationStore,
    group_settings: GroupSettingsRepository,
    limiter: OutboundLimiter,
    metrics: Metrics,
    usage: UsageStore,
    sanctions: SanctionStore,
    private_chats: PrivateChats,
) -> None:
    group = await group_settings.get(message.chat.id)
    lang = asker_language(message.from_user, group)
    if message.chat.type not in GROUP_CHATS:
        await message.answer(render(TEXTS, "groups_only", lang))
        return
    if not group.assistant_enabled:
        return
    chat_id = message.chat.id
    window = summary_window(command.args, time.time())
    if window is None:
        await message.reply(render(TEXTS, "summary.usage", lang))
        return
    since, limit = window
    recorded = await conversation.recent(chat_id, since=since, limit=limit + 1)
    # The command itself is the newest recorded message: it is not part of the conversation.
    lines = [LogLine(m.name, m.text, m.date, m.message_id) for m in recorded if m.message_id != message.message_id][
        -limit:
    ]
    if not lines:
        metrics.assistant_summaries.labels(outcome="empty").inc()
        await message.reply(render(TEXTS, "summary.empty", lang))
        return
    if not await _admitted(
        message,
        bot,
        app_settings=app_settings,
        group=group,
        usage=usage,
        sanctions=sanctions,
        metrics=metrics,
        lang=lang,
    ):
        return
    user = message.from_user
    assert user is not None
    prompt = build_summary_messages(
        lines,
        bot_name=me.first_name,
        chat_title=message.chat.title or "",
        language=reply_language(user.language_code, group.language.value),
    )
    in_private = await private_chats.has_started(user.id)
    if in_private:
        sink = TelegramReplySink(bot, limiter, chat_id=user.id, reply_to=None)
        guard: ReplyGuard = _NoGuard()
    else:
        sink = TelegramReplySink(bot, limiter, chat_id=chat_id, reply_to=message.message_id)
        guard = ConversationGuard(conversation, chat_id=chat_id, message_id=message.message_id)
    stream, result = await _stream_reply(sink, guard, app_settings, llm, prompt, lang)
    spent = await _account(
        usage, metrics, stream, prompt, result, chat_id=chat_id, user=user, private=False, purpose=SUMMARY
    )
    metrics.assistant_summaries.labels(outcome=result.outcome.value).inc()
    if in_private and result.outcome in _SHOWN:
        await message.reply(render(TEXTS, "summary.sent_private", lang))
    log.info(
        "assistant.summary",
        chat_id=chat_id,
        user_id=user.id,
        messages=len(lines),
        private=in_private,
        outcome=result.outcome.value,
        tokens=spent,
    )


USAGE_DAYS = 7
USAGE_TOP = 5


async def usage_command(
    message: Message,
    group_settings: GroupSettingsRepository,
    admins: AdminCache,
    usage: UsageStore,
    app_settings: Settings,
) -> None:
    group = await group_settings.get(message.chat.id)
    lang = asker_language(message.from_user, group)
    if message.chat.type not in GROUP_CHATS:
        await message.answer(render(TEXTS, "groups_only", lang))
        return
    if not await admins.sent_by_admin(message):
        await message.reply(render(TEXTS, "not_admin", lang))
        return
    chat_id = message.chat.id
    days = await usage.days(chat_id, USAGE_DAYS)
    top = await usage.top_users(chat_id, USAGE_DAYS, USAGE_TOP)
    member, whole, cooldown = _limits(app_settings, group, private=False)
    unlimited = render(TEXTS, "unlimited", lang)
    lines = [render(TEXTS, "usage.title", lang)]
    if not top:
        lines.append(render(TEXTS, "usage.none", lang))
    else:
        for day in days:
            purposes = ", ".join(f"{name} {tokens}" for name, tokens in sorted(day.by_purpose.items()))
            lines.append(
                render(
                    TEXTS,
                    "usage.day",
                    lang,
                    day=day.day,
                    total=day.total,
                    purposes=f" ({purposes})" if purposes else "",
                )
            )
        lines.append("")
        lines.append(render(TEXTS, "usage.top", lang))
        for rank, (_, name, tokens) in enumerate(top, 1):
            lines.append(render(TEXTS, "usage.user", lang, rank=rank, name=name, tokens=tokens))
    lines.append("")
    lines.append(
        render(
            TEXTS, "usage.limits", lang, member=member or unlimited, group=whole or unlimited, cooldown=f"{cooldown:g}"
        )
    )
    await message.reply("\n".join(lines), parse_mode="HTML")


_BUDGET_FIELDS = {
    "member": ("assistant_member_daily_tokens", 100_000_000),
    "group": ("assistant_group_daily_tokens", 1_000_000_000),
    "cooldown": ("assistant_cooldown", 86_400),
}


async def budget_command(
    message: Message,
    command: CommandObject,
    group_settings: GroupSettingsRepository,
    admins: AdminCache,
    usage: UsageStore,
    app_settings: Settings,
) -> None:
    group = await group_settings.get(message.chat.id)
    lang = asker_language(message.from_user, group)
    if message.chat.type not in GROUP_CHATS:
        await message.answer(render(TEXTS, "groups_only", lang))
        return
    if not await admins.sent_by_admin(message):
        await message.reply(render(TEXTS, "not_admin", lang))
        return
    parts = (command.args or "").split()
    which = _BUDGET_FIELDS.get(parts[0].lower()) if len(parts) == 2 else None
    value: int | None = None
    if which is not None and parts[1].lower() != "default":
        value = int(parts[1]) if parts[1].isdigit() and int(parts[1]) <= which[1] else -1
    if which is None or value == -1:
        await message.reply(render(TEXTS, "budget.usage", lang))
        return
    field = which[0]  # from the closed table above, never from the message
    await group_settings.update(message.chat.id, lambda s: s.model_copy(update={field: value}))
    await message.reply(render(TEXTS, "budget.saved", lang))


def create_router() -> Router:
    """A fresh router per app (aiogram attaches a router to one dispatcher only)."""
    router = Router(name="assistant")
    router.message.register(summary, Command("summary"))
    router.message.register(usage_command, Command("usage"))
    router.message.register(budget_command, Command("budget"))
    router.message.register(answer, AddressedToBot())
    return router
