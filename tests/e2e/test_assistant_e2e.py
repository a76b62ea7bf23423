"""The assistant end to end: bot ↔ Telegram emulator ↔ LLM emulator over real HTTP."""

from __future__ import annotations

import asyncio

from luka_bot.texts import render
from luka_bot.texts.assistant import TEXTS

from .harness import ALICE, BOB, BOT_USERNAME, wait_for


async def final_reply(control, question_id: int, expected: str, timeout: float = 15.0) -> list[dict]:
    async def done():
        replies = await control.bot_messages(reply_to=question_id)
        return replies if replies and "".join(m["text"] for m in replies).replace("\n", "").replace(" ", "") == expected.replace("\n", "").replace(" ", "") else None
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
    from .harness import GROUP

    assert await stack.app.dispatcher["conversation"].replies(GROUP, asked) == [hint["message_id"]]
