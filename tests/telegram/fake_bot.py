"""A Bot whose session never touches the network, for handler tests with `Dispatcher.feed_update`.

Every Bot API call is recorded; answers come from per-method callables (by method class), else a
plain `True`. sendMessage answers with the message as Telegram would, so handlers that read what
they sent keep working. Updates are built from the same dicts Telegram sends.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncGenerator, Callable
from datetime import UTC, datetime
from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.types import Chat, Message, Update, User

BOT = User(id=424242, is_bot=True, first_name="Luka", username="luka_test_bot")

Answer = Callable[[Any], Any]


class FakeSession(BaseSession):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[TelegramMethod[Any]] = []
        self.answers: dict[type, Answer] = {SendMessage: self._sent}
        self._message_ids = itertools.count(10_000)

    def answer(self, method: type, answer: Answer) -> None:
        """Answer every call of `method` (a class from aiogram.methods) with `answer(call)`."""
        self.answers[method] = answer

    def called(self, method: type) -> list[Any]:
        return [c for c in self.calls if isinstance(c, method)]

    async def make_request(self, bot: Bot, method: TelegramMethod[Any], timeout: int | None = None) -> Any:
        self.calls.append(method)
        answer = self.answers.get(type(method))
        return answer(method) if answer is not None else True

    def _sent(self, call: SendMessage) -> Message:
        chat_type = "private" if isinstance(call.chat_id, int) and call.chat_id > 0 else "supergroup"
        return Message(
            message_id=next(self._message_ids),
            date=datetime.now(UTC),
            chat=Chat(id=int(call.chat_id), type=chat_type),
            from_user=BOT,
            text=call.text,
            reply_markup=call.reply_markup,
        )

    async def stream_content(
        self,
        url: str,
        headers: dict[str, Any] | None = None,
        timeout: int = 30,
        chunk_size: int = 65536,
        raise_for_status: bool = True,
    ) -> AsyncGenerator[bytes, None]:
        raise NotImplementedError("no downloads in handler tests")
        yield b""  # pragma: no cover - makes this an async generator

    async def close(self) -> None:
        return None


def fake_bot() -> tuple[Bot, FakeSession]:
    session = FakeSession()
    bot = Bot("424242:fake-token", session=session, default=DefaultBotProperties())
    return bot, session


_update_ids = itertools.count(1)
_message_ids = itertools.count(1)


def group_message(
    text: str,
    *,
    user: dict[str, Any],
    chat_id: int = -1001000000001,
    title: str = "Test group",
    reply_to: dict[str, Any] | None = None,
    update_id: int | None = None,
    **extra: Any,
) -> Update:
    """An update carrying a message in a supergroup, as Telegram sends it (with command entities)."""
    message: dict[str, Any] = {
        "message_id": next(_message_ids),
        "date": int(datetime.now(UTC).timestamp()),
        "chat": {"id": chat_id, "type": "supergroup", "title": title},
        "from": {"is_bot": False, **user},
        "text": text,
        **extra,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    if reply_to is not None:
        message["reply_to_message"] = reply_to
    return Update.model_validate({"update_id": update_id or next(_update_ids), "message": message})


def private_message(text: str, *, user: dict[str, Any]) -> Update:
    message = {
        "message_id": next(_message_ids),
        "date": int(datetime.now(UTC).timestamp()),
        "chat": {"id": user["id"], "type": "private", "first_name": user["first_name"]},
        "from": {"is_bot": False, **user},
        "text": text,
    }
    return Update.model_validate({"update_id": next(_update_ids), "message": message})
