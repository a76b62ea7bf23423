"""The LLM emulator speaks OpenAI's protocol well enough for the official SDK, and its control API
scripts, slows, breaks and records calls the way the bot's tests need."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import openai
import pytest

from luka_bot.sandbox.llm_emulator import EMULATED_PREFIX, split_tokens

JSON_FORMAT = {"type": "json_schema", "json_schema": {"name": "verdict", "schema": {"type": "object"}}}


@pytest.fixture
async def sdk(llm_server):
    client = openai.AsyncOpenAI(base_url=llm_server.base_url, api_key="anything", max_retries=0, timeout=5)
    yield client
    await client.close()


async def test_sdk_streams_an_emulated_answer_that_echoes_the_question(sdk: openai.AsyncOpenAI) -> None:
    stream = await sdk.chat.completions.create(
        model="emulated-assistant",
        stream=True,
        messages=[{"role": "system", "content": "be nice"}, {"role": "user", "content": "What is Redis?"}],
    )
    pieces, finish_reasons = [], []
    async for chunk in stream:
        assert chunk.object == "chat.completion.chunk"
        for choice in chunk.choices:
            if choice.delta.content:
                pieces.append(choice.delta.content)
            finish_reasons.append(choice.finish_reason)
    text = "".join(pieces)
    assert text.startswith(EMULATED_PREFIX)
    assert "What is Redis?" in text
    assert len(pieces) > 5  # streamed word by word, not in one piece
    assert finish_reasons[-1] == "stop"


async def test_streamed_and_plain_answers_are_the_same_text(sdk: openai.AsyncOpenAI) -> None:
    messages = [{"role": "user", "content": "tell me a joke"}]
    plain = await sdk.chat.completions.create(model="any-model-name", messages=messages)
    stream = await sdk.chat.completions.create(model="any-model-name", messages=messages, stream=True)
    streamed = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    assert plain.object == "chat.completion"
    assert plain.model == "any-model-name"
    assert plain.choices[0].message.content == streamed


async def test_models_lists_the_played_models(sdk: openai.AsyncOpenAI) -> None:
    names = [model.id async for model in sdk.models.list()]
    assert {"emulated-assistant", "emulated-judge"} <= set(names)


async def test_reply_length_makes_a_long_answer_of_that_size(llm_server, sdk: openai.AsyncOpenAI) -> None:
    await llm_server.control("/_llm/config", {"reply_length": 9000})
    stream = await sdk.chat.completions.create(
        model="emulated-assistant", stream=True, messages=[{"role": "user", "content": "write a lot"}]
    )
    text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    assert len(text) == 9000
    assert text.startswith(EMULATED_PREFIX)


@pytest.mark.parametrize(
    "text", ["one", "  leading and trailing  ", "a\n\nb  c", ""], ids=["word", "outer-spaces", "newlines", "empty"]
)
def test_token_pieces_rebuild_the_text_exactly(text: str) -> None:
    assert "".join(split_tokens(text)) == text


@pytest.mark.parametrize(
    ("text", "action", "category"),
    [
        ("Hi all, how do I configure the bot?", "allow", "none"),
        ("BUY NOW cheap crypto https://spam.example", "delete", "spam"),
        ("send me your seed phrase to verify your wallet", "delete", "scam"),
        ("you are an idiot", "delete", "abuse"),
    ],
    ids=["ham", "spam", "scam", "abuse"],
)
async def test_json_calls_get_a_heuristic_verdict(
    sdk: openai.AsyncOpenAI, text: str, action: str, category: str
) -> None:
    answer = await sdk.chat.completions.create(
        model="emulated-judge",
        response_format=JSON_FORMAT,  # type: ignore[arg-type]
        messages=[{"role": "system", "content": "no spam, no abuse"}, {"role": "user", "content": text}],
    )
    verdict = json.loads(answer.choices[0].message.content or "")
    assert (verdict["action"], verdict["category"]) == (action, category)
    assert 0 <= verdict["confidence"] <= 1 and verdict["reason"]


async def test_scripts_override_verdicts_and_replies(llm_server, sdk: openai.AsyncOpenAI) -> None:
    await llm_server.control(
        "/_llm/script",
        {
            "contains": "pineapple",
            "verdict": {"action": "ban", "category": "other", "confidence": 0.5, "reason": "fruit"},
        },
    )
    await llm_server.control("/_llm/script", {"contains": "weather", "reply": "It is <b>sunny</b>."})
    judged = await sdk.chat.completions.create(
        model="m",
        response_format=JSON_FORMAT,  # type: ignore[arg-type]
        messages=[{"role": "user", "content": "I like Pineapple pizza"}],
    )
    replied = await sdk.chat.completions.create(model="m", messages=[{"role": "user", "content": "weather today?"}])
    assert json.loads(judged.choices[0].message.content or "")["action"] == "ban"
    assert replied.choices[0].message.content == "It is <b>sunny</b>."


async def test_requests_are_recorded_and_reset_forgets_everything(llm_server, sdk: openai.AsyncOpenAI) -> None:
    await llm_server.control("/_llm/config", {"reply_length": 500})
    await sdk.chat.completions.create(model="m1", messages=[{"role": "user", "content": "first"}])
    await sdk.chat.completions.create(model="m2", messages=[{"role": "user", "content": "second"}], temperature=0.1)
    recorded = await llm_server.requests()
    assert [r["model"] for r in recorded] == ["m1", "m2"]
    assert recorded[1]["messages"][0]["content"] == "second" and recorded[1]["temperature"] == 0.1

    await llm_server.control("/_llm/reset", {})
    assert await llm_server.requests() == []
    assert (await llm_server.control("/_llm/config"))["reply_length"] is None


async def test_fault_times_limits_how_many_calls_fail(llm_server, sdk: openai.AsyncOpenAI) -> None:
    await llm_server.control("/_llm/config", {"fault": "500", "fault_times": 2})
    messages = [{"role": "user", "content": "hello"}]
    for _ in range(2):
        with pytest.raises(openai.InternalServerError):
            await sdk.chat.completions.create(model="m", messages=messages)
    answer = await sdk.chat.completions.create(model="m", messages=messages)
    assert (answer.choices[0].message.content or "").startswith(EMULATED_PREFIX)
    assert (await llm_server.control("/_llm/config"))["fault"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"fault": "explode"},
        {"token_delay": -1},
        {"reply_length": "long"},
        {"colour": "blue"},
    ],
    ids=["unknown-fault", "negative-delay", "non-integer-length", "unknown-key"],
)
async def test_config_rejects_bad_values(llm_server, body: dict) -> None:
    async with llm_server.http.post(f"{llm_server.root}/_llm/config", json=body) as response:
        assert response.status == 400
    assert (await llm_server.control("/_llm/config"))["fault"] is None


async def test_a_held_request_ends_when_the_emulator_is_reset(llm_server) -> None:
    await llm_server.control("/_llm/config", {"fault": "timeout"})
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        held = http.post(
            f"{llm_server.base_url}/chat/completions",
            json={"model": "m", "messages": [{"role": "user", "content": "hi"}]},
        )
        task = asyncio.ensure_future(held)
        while not llm_server.emulator.requests:
            await asyncio.sleep(0.01)
        assert not task.done()
        await llm_server.control("/_llm/reset", {})
        response = await task
        assert response.status == 504
        response.release()
