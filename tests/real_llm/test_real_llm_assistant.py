"""The assistant against a real OpenAI-compatible server nobody here wrote: llama-cpp-python with
SmolLM2-135M-Instruct (see conftest.py and scripts/real-llm-server).

A 135M model's answers are poor and vary, so these tests assert on protocol and outcome (streamed,
complete or marked, counted, recovered), never on what the answer says.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import openai
import pytest

from luka_bot.policy.group import Language
from luka_bot.texts import render
from luka_bot.texts.assistant import TEXTS
from tests.e2e.harness import BOT_USERNAME, GROUP, Stack, wait_for

from .conftest import MODEL, RealServer, real_stack

pytestmark = pytest.mark.real_llm

REPLY_TIMEOUT = 120.0  # a loaded 2-core machine; the model itself answers in a second or two
LONG_STORY = "Please write a very long story about a dragon, a knight and a village, with many details."


@pytest.fixture
async def stack(
    real_server: RealServer,
    embedded_redis_url: str,
    request: pytest.FixtureRequest,
) -> AsyncIterator[Stack]:
    async with real_stack(real_server, embedded_redis_url, **(getattr(request, "param", {}) or {})) as s:
        yield s


def sample(stack: Stack, name: str, **labels: str) -> float:
    return stack.app.metrics.registry.get_sample_value(name, labels) or 0.0


def replies_ended(stack: Stack) -> float:
    return sum(
        sample(stack, "luka_assistant_replies_total", outcome=o)
        for o in ("completed", "truncated", "interrupted", "removed", "failed")
    )


async def settled(stack: Stack, count: int = 1) -> None:
    """Wait until the bot has finished `count` replies (the metric is written after the last edit)."""
    await wait_for(lambda: asyncio.sleep(0, replies_ended(stack) >= count), timeout=REPLY_TIMEOUT, interval=0.2)


async def reply_text(stack: Stack, question: int) -> str:
    return "\n".join(m["text"] for m in await stack.control.bot_messages(reply_to=question))


@pytest.mark.parametrize("stack", [{"assistant_max_tokens": 48}], indirect=True)
async def test_a_mention_is_answered_by_a_reply_streamed_from_the_real_server(stack):
    c = stack.control
    question = await c.post(f"@{BOT_USERNAME} Hello! What is the capital of France?")
    await settled(stack)
    text = await reply_text(stack, question)
    completed = sample(stack, "luka_assistant_replies_total", outcome="completed")
    truncated = sample(stack, "luka_assistant_replies_total", outcome="truncated")
    assert completed + truncated == 1, "the server answered: the reply is complete, or marked as cut at max_tokens"
    assert text.strip() and "\ufffd" not in text
    assert text.endswith(render(TEXTS, "llm_truncated", "en")) == (truncated == 1)
    # The same ending as the server reported it, read from finish_reason.
    assert sample(stack, "luka_llm_stream_endings_total", ending="complete") == completed
    assert sample(stack, "luka_llm_stream_endings_total", ending="truncated") == truncated
    assert sample(stack, "luka_assistant_first_reply_seconds_count") == 1
    sends = [x for x in await c.calls("sendMessage") if x["ok"] and x["chat_id"] == GROUP]
    assert len(sends) == 1, "one message, edited as the stream went on"


@pytest.mark.parametrize("stack", [{"assistant_max_tokens": 12}], indirect=True)
async def test_a_russian_question_streams_cyrillic_intact_and_marks_in_russian(stack):
    repo = stack.app.dispatcher["group_settings"]
    await repo.save(GROUP, (await repo.get(GROUP)).model_copy(update={"language": Language.RU}))
    c = stack.control
    question = await c.post(f"@{BOT_USERNAME} Привет! Расскажи, пожалуйста, подробно о Москве и её истории.")
    await settled(stack)
    text = await reply_text(stack, question)
    assert text.strip()
    # Multi-byte UTF-8 split across tokens and SSE chunks arrives whole: no replacement characters.
    assert "\ufffd" not in text
    if sample(stack, "luka_assistant_replies_total", outcome="truncated"):
        assert text.endswith(render(TEXTS, "llm_truncated", "ru"))
    else:
        assert sample(stack, "luka_assistant_replies_total", outcome="completed") == 1


@pytest.mark.parametrize("stack", [{"assistant_max_tokens": 400}], indirect=True)
async def test_a_stream_the_server_interrupts_is_marked_interrupted_in_the_chat(stack, real_server):
    """This server (interrupt_requests on, its default) ends a running stream with a bare [DONE]
    when a second request arrives. The half answer must be marked, counted and logged as such."""
    c = stack.control
    other = openai.AsyncOpenAI(base_url=real_server.base_url, api_key="x", max_retries=0, timeout=120)
    mark = render(TEXTS, "llm_interrupted", "en")
    try:
        for attempt in range(3):
            before = replies_ended(stack)
            question = await c.post(f"@{BOT_USERNAME} {LONG_STORY} (take {attempt})")
            await wait_for(lambda q=question: c.bot_messages(reply_to=q), timeout=REPLY_TIMEOUT, interval=0.1)
            # The first words are in the chat: the stream is running. Another request now.
            await other.chat.completions.create(
                model=MODEL, messages=[{"role": "user", "content": "Say hi."}], max_tokens=4
            )
            await settled(stack, int(before) + 1)
            if sample(stack, "luka_assistant_replies_total", outcome="interrupted"):
                break
            # The story ended (stop or length) before our request arrived; a legitimate ending
            # the server reported, not a masked interruption. Try again.
            assert sample(stack, "luka_llm_stream_endings_total", ending="interrupted") == 0
        else:
            pytest.fail("the server never interrupted a running stream in 3 tries")
    finally:
        await other.close()
    text = await reply_text(stack, question)
    assert text.endswith(mark) and len(text) > len(mark)
    assert sample(stack, "luka_llm_stream_endings_total", ending="interrupted") == 1
    assert sample(stack, "luka_llm_failures_total", purpose="assistant", reason="interrupted") == 1
    assert (
        sample(stack, "luka_assistant_replies_total", outcome="completed")
        + sample(stack, "luka_assistant_replies_total", outcome="truncated")
        == attempt
    )


async def test_the_assistant_recovers_when_the_server_is_killed_and_restarted(own_real_server, embedded_redis_url):
    server = own_real_server
    mark = render(TEXTS, "llm_interrupted", "en")
    apology = render(TEXTS, "llm_failed", "en")
    async with real_stack(server, embedded_redis_url, assistant_max_tokens=400) as stack:
        c = stack.control
        # 1. Killed in the middle of an answer: the words shown stay, marked interrupted.
        question = await c.post(f"@{BOT_USERNAME} {LONG_STORY}")
        await wait_for(lambda: c.bot_messages(reply_to=question), timeout=REPLY_TIMEOUT, interval=0.1)
        server.kill()
        await settled(stack, 1)
        text = await reply_text(stack, question)
        outcome_completed = sample(stack, "luka_assistant_replies_total", outcome="completed") + sample(
            stack, "luka_assistant_replies_total", outcome="truncated"
        )
        if not outcome_completed:  # (unless the story had already ended)
            assert text.endswith(mark) and sample(stack, "luka_assistant_replies_total", outcome="interrupted") == 1

        # 2. Down: a short apology, not silence and not a traceback.
        question = await c.post(f"@{BOT_USERNAME} are you there?")
        await settled(stack, 2)
        assert await reply_text(stack, question) == apology
        assert sample(stack, "luka_llm_failures_total", purpose="assistant", reason="unavailable") >= 1

        # 3. Back on the same address: answered again, with no restart of the bot.
        server.start()
        question = await c.post(f"@{BOT_USERNAME} Hello again, what is two plus two?")
        await settled(stack, 3)
        text = await reply_text(stack, question)
        assert text.strip() and text != apology
        assert (
            sample(stack, "luka_llm_stream_endings_total", ending="complete")
            + sample(stack, "luka_llm_stream_endings_total", ending="truncated")
            >= 1
        )
