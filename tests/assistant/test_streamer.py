"""The streamer's race rules and splitting, with an in-memory chat standing in for Telegram."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from luka_bot.assistant.splitter import TELEGRAM_TEXT_LIMIT, split_message, utf16_len
from luka_bot.assistant.streamer import Outcome, ReplyStreamer


class FakeChat:
    def __init__(self, *, skip_edits: bool = False) -> None:
        self.messages: dict[int, str] = {}
        self.deleted: set[int] = set()
        self.next_id = 100
        self.edits = 0
        self.skip_edits = skip_edits
        self.on_send = None

    async def send(self, text: str) -> int:
        self.next_id += 1
        self.messages[self.next_id] = text
        if self.on_send:
            self.on_send(self.next_id)
        return self.next_id

    async def edit(self, message_id: int, text: str, *, final: bool) -> bool:
        if self.skip_edits and not final:
            return False
        self.edits += 1
        self.messages[message_id] = text
        return True

    async def delete(self, message_ids: list[int]) -> None:
        self.deleted.update(message_ids)

    async def typing(self) -> None:
        pass

    def visible(self) -> list[str]:
        return [t for i, t in sorted(self.messages.items()) if i not in self.deleted]


class FakeGuard:
    def __init__(self) -> None:
        self.removed = False
        self.tracked: list[int] = []

    async def is_removed(self) -> bool:
        return self.removed

    async def track(self, message_id: int) -> bool:
        self.tracked.append(message_id)
        return self.removed


async def tokens(*pieces: str, fail_after: int | None = None) -> AsyncIterator[str]:
    for index, piece in enumerate(pieces):
        if fail_after is not None and index == fail_after:
            raise ConnectionError("model went away")
        yield piece


def streamer(chat: FakeChat, guard: FakeGuard) -> ReplyStreamer:
    return ReplyStreamer(chat, guard, edit_interval=0.0)


async def test_reply_ends_with_the_full_text_and_every_message_is_tracked():
    chat, guard = FakeChat(), FakeGuard()
    result = await streamer(chat, guard).run(tokens("Hello", ", ", "world", "!"), apology="sorry", interrupted="cut")
    assert result.outcome is Outcome.COMPLETED
    assert chat.visible() == ["Hello, world!"]
    assert guard.tracked == result.message_ids == [101]


async def test_skipped_intermediate_edits_still_end_with_the_full_text():
    chat, guard = FakeChat(skip_edits=True), FakeGuard()
    await streamer(chat, guard).run(tokens("a", "b", "c"), apology="sorry", interrupted="cut")
    assert chat.visible() == ["abc"]


async def test_verdict_before_the_first_send_means_nothing_is_posted():
    chat, guard = FakeChat(), FakeGuard()
    guard.removed = True
    result = await streamer(chat, guard).run(tokens("spam answer"), apology="sorry", interrupted="cut")
    assert result.outcome is Outcome.REMOVED
    assert chat.messages == {}


async def test_verdict_landing_right_after_a_send_deletes_that_message():
    chat, guard = FakeChat(), FakeGuard()
    chat.on_send = lambda _id: setattr(guard, "removed", True)
    result = await streamer(chat, guard).run(tokens("one", " two"), apology="sorry", interrupted="cut")
    assert result.outcome is Outcome.REMOVED
    assert chat.visible() == []


async def test_verdict_during_streaming_deletes_every_part_of_a_long_answer():
    chat, guard = FakeChat(), FakeGuard()
    long = ["word " * 300] * 4  # about 6000 characters: two messages

    async def stream() -> AsyncIterator[str]:
        for index, piece in enumerate(long):
            if index == 3:
                guard.removed = True
            yield piece

    result = await streamer(chat, guard).run(stream(), apology="sorry", interrupted="cut")
    assert result.outcome is Outcome.REMOVED
    assert len(chat.messages) == 2 and chat.visible() == []


async def test_long_answer_is_split_in_order_within_telegram_limits():
    chat, guard = FakeChat(), FakeGuard()
    text = "".join(f"line {n} " + "x" * 50 + "\n" for n in range(200))  # ~12k chars
    pieces = [text[i:i + 37] for i in range(0, len(text), 37)]
    result = await streamer(chat, guard).run(tokens(*pieces), apology="sorry", interrupted="cut")
    shown = chat.visible()
    assert len(shown) == 3 and all(utf16_len(part) <= TELEGRAM_TEXT_LIMIT for part in shown)
    assert "\n".join(shown).replace("\n", "") == text.replace("\n", "")
    assert guard.tracked == result.message_ids


async def test_model_failure_before_any_token_posts_the_apology():
    chat, guard = FakeChat(), FakeGuard()
    result = await streamer(chat, guard).run(tokens("x", fail_after=0), apology="sorry", interrupted="cut")
    assert result.outcome is Outcome.FAILED
    assert chat.visible() == ["sorry"] and guard.tracked == [101]


async def test_model_failure_mid_answer_keeps_the_text_and_says_it_was_cut():
    chat, guard = FakeChat(), FakeGuard()
    result = await streamer(chat, guard).run(tokens("partial", " answer", "!", fail_after=2),
                                             apology="sorry", interrupted="cut")
    assert result.outcome is Outcome.FAILED
    assert chat.visible() == ["partial answer\n\ncut"]


async def test_empty_answer_is_an_apology_not_an_empty_message():
    chat, guard = FakeChat(), FakeGuard()
    result = await streamer(chat, guard).run(tokens("", "  "), apology="sorry", interrupted="cut")
    assert result.outcome is Outcome.FAILED and chat.visible() == ["sorry"]


@pytest.mark.parametrize(
    "text",
    ["", "short", "a" * 4096, "a" * 4097, ("слово " * 2000), ("😀" * 3000), ("x\n" * 5000)],
    ids=["empty", "short", "exact", "one-over", "cyrillic", "astral-emoji", "many-lines"],
)
def test_split_keeps_all_text_and_respects_the_limit(text):
    parts = split_message(text)
    assert all(utf16_len(p) <= TELEGRAM_TEXT_LIMIT for p in parts)
    assert "".join(parts).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")


def test_split_of_a_prefix_is_stable_as_text_grows():
    text = ("paragraph " * 100 + "\n\n") * 20
    final = split_message(text)
    grown = split_message(text[: len(final[0]) + 5000])
    assert grown[0] == final[0]


async def test_verdict_while_waiting_for_the_first_token_means_nothing_is_sent():
    chat, guard = FakeChat(), FakeGuard()

    async def slow_model() -> AsyncIterator[str]:
        guard.removed = True  # the moderator decided while the model was thinking
        yield "an answer to spam"

    result = await streamer(chat, guard).run(slow_model(), apology="sorry", interrupted="cut")
    assert result.outcome is Outcome.REMOVED and chat.messages == {}


class EditRefusingChat(FakeChat):
    """Telegram answers "message to edit not found" once our reply has been deleted."""

    async def edit(self, message_id: int, text: str, *, final: bool) -> bool:
        if message_id in self.deleted or self.refuse:
            raise RuntimeError("Bad Request: message to edit not found")
        return await super().edit(message_id, text, final=final)

    refuse = False


async def test_our_reply_deleted_under_us_ends_as_removed_not_as_a_crash():
    chat, guard = EditRefusingChat(), FakeGuard()

    async def stream() -> AsyncIterator[str]:
        yield "first words"
        guard.removed = True
        chat.deleted.update(chat.messages)  # the moderator deleted our reply between two checks
        yield " and more"

    s = ReplyStreamer(chat, guard, edit_interval=3600)  # no edit check before the final one
    result = await s.run(stream(), apology="sorry", interrupted="cut")
    assert result.outcome is Outcome.REMOVED and chat.visible() == []


async def test_telegram_refusing_an_edit_is_a_delivery_failure_not_a_model_failure():
    chat, guard = EditRefusingChat(), FakeGuard()
    chat.refuse = True
    result = await streamer(chat, guard).run(tokens("one", " two"), apology="sorry", interrupted="cut")
    assert result.outcome is Outcome.FAILED and result.error == "delivery"
    assert chat.visible() == ["one"], "no apology is stacked on a Telegram refusal"
