"""The assistant's `ReplySink` and `ReplyGuard` over the Bot API and the conversation store."""

from __future__ import annotations

from aiogram import Bot
from aiogram.enums import ChatAction
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import ReplyParameters

from luka_bot.assistant.streamer import QuestionRemoved, SinkUnavailable
from luka_bot.store.conversation import ConversationStore
from luka_bot.telegram.actions.rate_limit import OutboundLimiter


class TelegramReplySink:
    def __init__(
        self, bot: Bot, limiter: OutboundLimiter, *, chat_id: int, reply_to: int | None, removed_key: str | None = None
    ) -> None:
        self._bot = bot
        self._limiter = limiter
        self._chat_id = chat_id
        self._reply_to = reply_to
        # The question's verdict key: when set, each send checks it in the limiter's round trip
        # and raises QuestionRemoved instead of sending (the streamer's sink_checks_removal).
        self._removed_key = removed_key

    async def send(self, text: str) -> int:
        if not await self._limiter.take(self._chat_id, unless=self._removed_key):
            raise QuestionRemoved(f"message {self._reply_to} was removed by moderation")
        try:
            sent = await self._bot.send_message(
                self._chat_id,
                text,
                # If the question is deleted before we answer, Telegram still takes the reply.
                reply_parameters=(
                    None
                    if self._reply_to is None
                    else ReplyParameters(message_id=self._reply_to, allow_sending_without_reply=True)
                ),
            )
        except (TelegramRetryAfter, TelegramServerError, TelegramNetworkError) as exc:
            raise _unavailable(exc) from exc
        return sent.message_id

    async def edit(self, message_id: int, text: str, *, final: bool) -> bool:
        if final:
            await self._limiter.take(self._chat_id)
        elif await self._limiter.try_take(self._chat_id) > 0:
            return False  # over the group's budget: this intermediate edit is simply skipped
        try:
            await self._bot.edit_message_text(text=text, chat_id=self._chat_id, message_id=message_id)
        except TelegramBadRequest as exc:
            if "message is not modified" not in exc.message:
                raise
        except (TelegramRetryAfter, TelegramServerError, TelegramNetworkError) as exc:
            raise _unavailable(exc) from exc
        return True

    async def delete(self, message_ids: list[int]) -> None:
        try:
            await self._bot.delete_messages(self._chat_id, message_ids)
        except TelegramAPIError:
            pass  # already gone, or we lost the right to delete: nothing more this reply can do

    async def typing(self) -> None:
        await self._bot.send_chat_action(self._chat_id, ChatAction.TYPING)


def _unavailable(exc: TelegramAPIError) -> SinkUnavailable:
    """Telegram could not take the call now (the session middleware has already waited out the
    429s it could): the streamer decides whether and when to try again."""
    retry_after = float(exc.retry_after) if isinstance(exc, TelegramRetryAfter) else None
    return SinkUnavailable(f"{type(exc).__name__}: {exc.message}", retry_after=retry_after)


class ConversationGuard:
    def __init__(self, store: ConversationStore, *, chat_id: int, message_id: int) -> None:
        self._store = store
        self._chat_id = chat_id
        self._message_id = message_id

    async def is_removed(self) -> bool:
        return await self._store.is_removed(self._chat_id, self._message_id)

    async def track(self, message_id: int) -> bool:
        return await self._store.track(self._chat_id, self._message_id, message_id)
