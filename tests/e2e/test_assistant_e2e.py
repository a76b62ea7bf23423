"""The assistant end to end: bot ↔ Telegram emulator ↔ LLM emulator over real HTTP."""

from __future__ import annotations

import asyncio

import pytest

from luka_bot.policy.group import Language
from luka_bot.texts import render
from luka_bot.texts.assistant import TEXTS

from .harness import ALICE, BOB, BOT_USERNAME, GROUP, wait_for


async def final_reply(control, question_id: int, expected: str, timeout: float = 15.0) -> list[dict]:
    async def done():
        replies = await control.bot_messages(reply_to=question_id)
        return (
            replies
            if replies
            and "".join(m["text"] for m in replies).replace("\n", "").replace(" ", "")
            == expected.replace("\n", "").replace(" ", "")
            else None
        )

    return await wait_for(done, timeout=timeout)


async def test_mention_gets_a_streamed_reply_ending_with_the_models_full_text(stack):
    c = stack.control
    answer = "Paris is the capital of France, and it has been for a very long time indeed."
    await c.llm_script(contains="capital of France", reply=answer)
    await c.llm_config(first_token_delay=0.05, token_delay=0.05)
    question = await c.post(f"@{BOT_USERNAME} what is the capital of France?")
    replies = await final_reply(c, question, answer)
    assert [m["text"] for m in replies] == [answer]
    # It was streamed: a first, shorter message, then edits up to the full text.
    sends = [x for x in await c.calls("sendMessage") if x["ok"]]
    edits = [x for x in await c.calls("editMessageText") if x["ok"]]
    assert len(sends) == 1 and len(edits) >= 1


async def test_replying_to_the_bot_continues_the_conversation_with_the_chain_only(stack):
    c = stack.control
    await c.llm_script(contains="favourite colour", reply="Blue, like the sea.")
    first = await c.post(f"@{BOT_USERNAME} what is your favourite colour?")
    bot_answer = (await final_reply(c, first, "Blue, like the sea."))[0]
    await c.post("I am an unrelated message about football", user=BOB)
    await c.llm_script(contains="why that one", reply="Because it is calm.")
    follow_up = await c.post("why that one?", reply_to=bot_answer["message_id"])
    await final_reply(c, follow_up, "Because it is calm.")
    request = [r for r in await c.llm_requests() if "why that one" in str(r.get("messages"))][-1]
    roles = [(m["role"], m["content"]) for m in request["messages"]]
    assert ("assistant", "Blue, like the sea.") in roles
    assert any(role == "user" and "Alice" in content and "favourite colour" in content for role, content in roles)
    assert "football" not in str(roles)


async def test_ask_command_and_unaddressed_messages(stack):
    c = stack.control
    await c.llm_script(contains="two plus two", reply="Four.")
    ignored = await c.post("just chatting with friends, two plus two")
    asked = await c.post("/ask two plus two?")
    await final_reply(c, asked, "Four.")
    await asyncio.sleep(0.3)
    assert await c.bot_messages(reply_to=ignored) == []


# The emulator counts one word as one token; this answer has about 1900 of them.
@pytest.mark.parametrize("stack", [{"assistant_max_tokens": 4096}], indirect=True)
async def test_answer_over_4096_characters_is_split_in_order(stack):
    c = stack.control
    long_answer = "".join(f"Paragraph {n}: " + "lorem ipsum dolor sit amet " * 12 + "\n\n" for n in range(30))
    assert len(long_answer) > 9000
    await c.llm_script(contains="tell me everything", reply=long_answer)
    await c.llm_config(first_token_delay=0.01, token_delay=0.0)
    question = await c.post(f"@{BOT_USERNAME} tell me everything")
    replies = await final_reply(c, question, long_answer, timeout=30)
    assert len(replies) == 3
    assert [m["message_id"] for m in replies] == sorted(m["message_id"] for m in replies)
    assert all(len(m["text"]) <= 4096 for m in replies)
    assert replies[0]["text"].startswith("Paragraph 0:") and "Paragraph 29:" in replies[-1]["text"]


async def test_a_429_during_streaming_is_waited_out_and_the_reply_completes(stack):
    c = stack.control
    answer = "Streaming survives rate limits when the bot waits as Telegram asks it to."
    await c.llm_script(contains="rate limits", reply=answer)
    await c.llm_config(first_token_delay=0.05, token_delay=0.03)
    await c.fault("editMessageText", 429, times=2, retry_after=1)
    question = await c.post(f"@{BOT_USERNAME} tell me about rate limits")
    replies = await final_reply(c, question, answer, timeout=20)
    assert [m["text"] for m in replies] == [answer]
    edits = await c.calls("editMessageText")
    assert [e["error_code"] for e in edits if not e["ok"]] == [429, 429]


async def test_llm_down_gives_a_short_apology_not_a_traceback(stack):
    c = stack.control
    await c.llm_config(fault="500")
    question = await c.post(f"@{BOT_USERNAME} are you there?")
    apology = render(TEXTS, "llm_failed", "en")
    replies = await wait_for(lambda: c.bot_messages(reply_to=question), timeout=15)
    assert [m["text"] for m in replies] == [apology]


async def test_in_a_private_chat_every_message_is_answered(stack):
    c = stack.control
    # By default private use is for members of a group the bot serves: Alice posted in one.
    await c.post("hello everyone")
    await c._json("POST", f"{c.tg_url}/_emulator/users/{ALICE['id']}/start")
    await c.llm_script(contains="private question", reply="A private answer.")
    await c.post("a private question", chat_id=ALICE["id"])

    async def answered():
        texts = [m["text"] for m in await c._json("GET", f"{c.tg_url}/_emulator/users/{ALICE['id']}/messages")]
        return "A private answer." in texts

    await wait_for(answered, timeout=10)


async def test_shutdown_lets_a_streaming_answer_finish(stack):
    c = stack.control
    answer = " ".join(f"word{n}" for n in range(40))
    await c.llm_script(contains="long story", reply=answer)
    await c.llm_config(first_token_delay=0.05, token_delay=0.05)  # about 2 s of streaming
    question = await c.post(f"@{BOT_USERNAME} tell me a long story")
    await wait_for(lambda: c.bot_messages(reply_to=question), timeout=5)
    stack.app.request_stop()  # SIGTERM in the middle of the answer
    await asyncio.sleep(4)
    replies = await c.bot_messages(reply_to=question)
    assert [m["text"] for m in replies] == [answer]


async def test_an_empty_ask_gets_a_usage_hint_that_is_tracked_like_a_reply(stack):
    c = stack.control
    asked = await c.post("/ask")
    hint = (await wait_for(lambda: c.bot_messages(reply_to=asked), timeout=5))[0]
    assert hint["text"].startswith("Ask me something")
    assert await stack.app.dispatcher["conversation"].replies(GROUP, asked) == [hint["message_id"]]


# --- answers that end early: how the chat shows it ---------------------------------------------


def _sample(stack, name: str, **labels: str) -> float:
    return stack.app.metrics.registry.get_sample_value(name, labels) or 0.0


async def test_a_stream_the_server_cuts_short_is_marked_interrupted_and_counted(stack):
    # What llama-cpp-python's server does when another request arrives: half the answer, then a
    # bare [DONE] with no finish_reason. It must not be shown (or logged) as a finished answer.
    c = stack.control
    answer = " ".join(f"word{n}" for n in range(20))
    await c.llm_script(contains="cut me short", reply=answer)
    await c.llm_config(fault="interrupt", fault_times=1)
    question = await c.post(f"@{BOT_USERNAME} cut me short")
    mark = render(TEXTS, "llm_interrupted", "en")
    replies = await wait_for(lambda: _ending_with(c, question, mark), timeout=15)
    assert replies[0]["text"] == " ".join(f"word{n}" for n in range(10)) + "\n\n" + mark
    assert _sample(stack, "luka_llm_failures_total", purpose="assistant", reason="interrupted") == 1
    assert _sample(stack, "luka_llm_stream_endings_total", ending="interrupted") == 1
    await wait_for(lambda: asyncio.sleep(0, _sample(stack, "luka_assistant_replies_total", outcome="interrupted")))
    assert _sample(stack, "luka_assistant_replies_total", outcome="completed") == 0


@pytest.mark.parametrize("stack", [{"assistant_max_tokens": 16}], indirect=True)
async def test_an_answer_that_reaches_max_tokens_is_marked_truncated_in_russian(stack):
    c = stack.control
    repo = stack.app.dispatcher["group_settings"]
    await repo.save(GROUP, (await repo.get(GROUP)).model_copy(update={"language": Language.RU}))
    await c.llm_script(contains="расскажи", reply=" ".join(f"слово{n}" for n in range(40)))
    question = await c.post(f"@{BOT_USERNAME} расскажи всё")
    mark = render(TEXTS, "llm_truncated", "ru")
    replies = await wait_for(lambda: _ending_with(c, question, mark), timeout=15)
    assert replies[0]["text"] == " ".join(f"слово{n}" for n in range(16)) + "\n\n" + mark
    sent = [r for r in await c.llm_requests() if r.get("stream")]
    assert sent[-1]["max_tokens"] == 16
    assert _sample(stack, "luka_llm_stream_endings_total", ending="truncated") == 1


async def _ending_with(c, question: int, mark: str) -> list[dict] | None:
    replies = await c.bot_messages(reply_to=question)
    return replies if replies and replies[-1]["text"].endswith(mark) else None


# --- Telegram faults while answering (issue 8) --------------------------------------------------


async def test_a_single_502_on_send_message_does_not_lose_the_reply(stack):
    c = stack.control
    answer = "An answer that survives one bad gateway."
    await c.llm_script(contains="bad gateway", reply=answer)
    await c.fault("sendMessage", 502, times=1)
    question = await c.post(f"@{BOT_USERNAME} tell me about a bad gateway")
    replies = await final_reply(c, question, answer, timeout=20)
    assert [m["text"] for m in replies] == [answer]
    sends = await c.calls("sendMessage")
    assert [s["error_code"] for s in sends if not s["ok"]] == [502]


@pytest.mark.parametrize("stack", [{"assistant_delivery_deadline": 1.0}], indirect=True)
async def test_when_telegram_fails_every_send_for_a_while_an_apology_follows_when_it_is_back(stack):
    # 502s outlast the delivery deadline (1 s: two tries of the answer), then Telegram recovers:
    # the member gets the apology rather than silence.
    c = stack.control
    await c.llm_script(contains="long outage", reply="An answer nobody will see.")
    await c.fault("sendMessage", 502, times=5)
    question = await c.post(f"@{BOT_USERNAME} during a long outage")
    apology = render(TEXTS, "llm_failed", "en")
    replies = await wait_for(lambda: c.bot_messages(reply_to=question), timeout=30)
    assert [m["text"] for m in replies] == [apology]
    assert [s["error_code"] for s in await c.calls("sendMessage") if not s["ok"]] == [502] * 5
    await wait_for(lambda: asyncio.sleep(0, _sample(stack, "luka_assistant_failures_total", reason="delivery")))


async def test_a_429_storm_on_edits_is_waited_out_and_the_reply_finished(stack):
    c = stack.control
    answer = " ".join(f"token{n}" for n in range(30))
    await c.llm_script(contains="storm", reply=answer)
    await c.llm_config(first_token_delay=0.05, token_delay=0.05)
    # More 429s than the session waits out inside one call (5): the streamer must carry on.
    await c.fault("editMessageText", 429, times=8, retry_after=1)
    question = await c.post(f"@{BOT_USERNAME} weather the storm")
    replies = await final_reply(c, question, answer, timeout=40)
    assert [m["text"] for m in replies] == [answer]
    edits = await c.calls("editMessageText")
    assert [e["error_code"] for e in edits if not e["ok"]] == [429] * 8


@pytest.mark.parametrize("stack", [{"assistant_delivery_deadline": 2.0}], indirect=True)
async def test_edits_refused_for_good_leave_the_reply_marked_interrupted_not_frozen(stack):
    c = stack.control
    answer = " ".join(f"token{n}" for n in range(30))
    await c.llm_script(contains="endless storm", reply=answer)
    await c.llm_config(first_token_delay=0.05, token_delay=0.02)
    await c.fault("editMessageText", 429, times=1000, retry_after=1)
    question = await c.post(f"@{BOT_USERNAME} an endless storm")
    mark = render(TEXTS, "llm_interrupted", "en")
    replies = await wait_for(lambda: _ending_with(c, question, mark), timeout=40)
    assert len(replies) == 2 and replies[0]["text"].startswith("token0") and replies[1]["text"] == mark
