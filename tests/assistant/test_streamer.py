"""The streamer's race rules and splitting, with an in-memory chat standing in for Telegram."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from luka_bot.assistant.splitter import TELEGRAM_TEXT_LIMIT, split_message, utf16_len
from luka_bot.assistant.streamer import Outcome, ReplyStreamer, SinkUnavailable
from luka_bot.llm.streaming import StreamEnding


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
    pieces = [text[i : i + 37] for i in range(0, len(text), 37)]
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
    result = await streamer(chat, guard).run(
        tokens("partial", " answer", "!", fail_after=2), apology="sorry", interrupted="cut"
    )
    assert result.outcome is Outcome.INTERRUPTED and result.error == "ConnectionError"
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


# --- how the model's stream ended ---------------------------------------------------------------


class EndingStream:
    """Pieces, then an `ending` as `llm.ChatStream` reports it."""

    def __init__(self, *pieces: str, ending: StreamEnding) -> None:
        self._pieces = list(pieces)
        self._final = ending
        self.ending: StreamEnding | None = None

    def __aiter__(self) -> EndingStream:
        return self

    async def __anext__(self) -> str:
        if self._pieces:
            return self._pieces.pop(0)
        self.ending = self._final
        raise StopAsyncIteration


async def test_a_stream_cut_without_finish_reason_is_marked_interrupted_not_completed():
    chat, guard = FakeChat(), FakeGuard()
    result = await streamer(chat, guard).run(
        EndingStream("half an ", "answer", ending=StreamEnding.INTERRUPTED),
        apology="sorry",
        interrupted="cut",
        truncated="too long",
    )
    assert result.outcome is Outcome.INTERRUPTED and result.error == "interrupted"
    assert chat.visible() == ["half an answer\n\ncut"]


async def test_a_stream_that_reached_max_tokens_is_marked_truncated():
    chat, guard = FakeChat(), FakeGuard()
    result = await streamer(chat, guard).run(
        EndingStream("a long ", "answer", ending=StreamEnding.TRUNCATED),
        apology="sorry",
        interrupted="cut",
        truncated="too long",
    )
    assert result.outcome is Outcome.TRUNCATED
    assert chat.visible() == ["a long answer\n\ntoo long"]


async def test_a_stream_interrupted_before_any_text_gets_the_apology():
    chat, guard = FakeChat(), FakeGuard()
    result = await streamer(chat, guard).run(
        EndingStream(ending=StreamEnding.INTERRUPTED), apology="sorry", interrupted="cut"
    )
    assert result.outcome is Outcome.FAILED and result.error == "interrupted"
    assert chat.visible() == ["sorry"]


async def test_a_complete_stream_has_no_mark():
    chat, guard = FakeChat(), FakeGuard()
    result = await streamer(chat, guard).run(
        EndingStream("all ", "of it", ending=StreamEnding.COMPLETE),
        apology="sorry",
        interrupted="cut",
        truncated="too long",
    )
    assert result.outcome is Outcome.COMPLETED and chat.visible() == ["all of it"]


# --- Telegram unavailable (429 / 5xx / network) -------------------------------------------------


class FlakyChat(FakeChat):
    """Answers `SinkUnavailable` to the next `send_failures` sends and `edit_failures` edits
    (-1: every one), as Telegram does during a 502 or a 429 storm."""

    def __init__(self, *, send_failures: int = 0, edit_failures: int = 0, retry_after: float | None = None) -> None:
        super().__init__()
        self.send_failures = send_failures
        self.edit_failures = edit_failures
        self.retry_after = retry_after
        self.refused: list[str] = []

    def _refuse(self, what: str) -> None:
        self.refused.append(what)
        raise SinkUnavailable(f"{what}: Telegram server says - Bad Gateway", retry_after=self.retry_after)

    async def send(self, text: str) -> int:
        if self.send_failures:
            self.send_failures -= 1
            self._refuse("send")
        return await super().send(text)

    async def edit(self, message_id: int, text: str, *, final: bool) -> bool:
        if self.edit_failures:
            self.edit_failures -= 1
            self._refuse("edit")
        return await super().edit(message_id, text, final=final)


def patient(chat: FakeChat, guard: FakeGuard, *, deadline: float = 5.0, patience: float = 5.0) -> ReplyStreamer:
    return ReplyStreamer(
        chat, guard, edit_interval=0.0, delivery_deadline=deadline, apology_patience=patience, backoff=0.01
    )


async def test_one_failed_send_is_retried_and_the_answer_arrives_whole():
    chat, guard = FlakyChat(send_failures=1), FakeGuard()
    result = await patient(chat, guard).run(tokens("Hello", ", world"), apology="sorry", interrupted="cut")
    assert result.outcome is Outcome.COMPLETED
    assert chat.refused == ["send"] and chat.visible() == ["Hello, world"]


async def test_when_nothing_could_be_sent_in_time_the_apology_follows_once_telegram_answers():
    # Every send fails for longer than the delivery deadline (0.05 s: 0.01 + 0.02 + 0.04 s of
    # backoff), then Telegram answers again: the member gets the apology, not silence.
    chat, guard = FlakyChat(send_failures=6), FakeGuard()
    result = await patient(chat, guard, deadline=0.05).run(tokens("an answer"), apology="sorry", interrupted="cut")
    assert result.outcome is Outcome.FAILED and result.error == "delivery"
    assert chat.visible() == ["sorry"] and guard.tracked == result.message_ids
    assert chat.refused == ["send"] * 6


async def test_a_429_storm_on_edits_is_waited_out_and_the_text_finished():
    chat, guard = FlakyChat(edit_failures=4, retry_after=0.02), FakeGuard()
    result = await patient(chat, guard).run(tokens("first", " second", " third"), apology="sorry", interrupted="cut")
    assert result.outcome is Outcome.COMPLETED
    assert chat.visible() == ["first second third"] and chat.refused.count("edit") == 4


async def test_edits_refused_past_the_deadline_leave_a_visible_interrupted_mark():
    chat, guard = FlakyChat(edit_failures=-1, retry_after=0.02), FakeGuard()
    result = await patient(chat, guard, deadline=0.1).run(
        tokens("first", " second", " third"), apology="sorry", interrupted="cut"
    )
    assert result.outcome is Outcome.INTERRUPTED and result.error == "delivery"
    # The first word stays (it cannot be edited), and a message of its own says the answer stopped.
    assert chat.visible() == ["first", "cut"]
    assert guard.tracked == result.message_ids


async def test_a_retry_after_longer_than_the_deadline_is_not_hammered():
    chat, guard = FlakyChat(edit_failures=-1, retry_after=30.0), FakeGuard()
    result = await patient(chat, guard, deadline=1.0).run(
        tokens("first", " second"), apology="sorry", interrupted="cut"
    )
    assert result.outcome is Outcome.INTERRUPTED
    # One intermediate edit was refused with retry_after=30: no other edit was tried before the
    # final one, and the final one gave up at once rather than retrying inside the 30 s.
    assert chat.refused.count("edit") == 2


async def test_a_question_removed_while_waiting_for_telegram_takes_the_reply_with_it():
    guard = FakeGuard()

    class RemovedDuringStorm(FlakyChat):
        def _refuse(self, what: str) -> None:
            if len(self.refused) == 3:  # the moderator removes the question while we wait
                guard.removed = True
            super()._refuse(what)

    chat = RemovedDuringStorm(edit_failures=-1, retry_after=0.02)
    result = await patient(chat, guard).run(tokens("first", " second"), apology="sorry", interrupted="cut")
    assert result.outcome is Outcome.REMOVED and chat.visible() == []
    assert len(chat.refused) == 4, "no retry after the question was removed"


class CheckingChat(FakeChat):
    """A sink that checks the question's verdict itself, as TelegramReplySink does in its limiter call."""

    def __init__(self, guard: FakeGuard) -> None:
        super().__init__()
        self.guard = guard

    async def send(self, text: str) -> int:
        from luka_bot.assistant.streamer import QuestionRemoved

        if self.guard.removed:
            raise QuestionRemoved("removed")
        return await super().send(text)


class CountingGuard(FakeGuard):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    async def is_removed(self) -> bool:
        self.reads += 1
        return self.removed


async def test_a_sink_that_checks_the_verdict_saves_the_read_and_a_removed_question_gets_nothing():
    guard = CountingGuard()
    chat = CheckingChat(guard)

    async def removed_before_first_token() -> AsyncIterator[str]:
        guard.removed = True  # the verdict lands while the model thinks
        yield "Hello"

    result = await ReplyStreamer(chat, guard, edit_interval=0.0, sink_checks_removal=True).run(
        removed_before_first_token(), apology="sorry", interrupted="cut"
    )
    assert result.outcome is Outcome.REMOVED
    assert chat.visible() == []
    assert guard.reads == 1  # only the check before the model is asked, none before the send
