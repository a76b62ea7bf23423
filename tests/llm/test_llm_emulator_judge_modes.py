"""The LLM emulator plays the servers the judge meets: llama-cpp-python's refusal of json_schema,
a server that takes no response_format and wraps its JSON in prose, one slot, batched prompts."""

from __future__ import annotations

import asyncio
import json
import time

import openai
import pytest

from luka_bot.sandbox.llm_emulator import LLAMA_CPP_REFUSAL, PROSE_PREFIX

SCHEMA_FORMAT = {"type": "json_schema", "json_schema": {"name": "verdict", "schema": {"type": "object"}}}
OBJECT_FORMAT = {"type": "json_object", "schema": {"type": "object"}}
ONE = [{"role": "user", "content": '<message_data>\n{"text": "free crypto airdrop"}\n</message_data>'}]
BATCH = [
    {
        "role": "user",
        "content": "\n".join(
            f"<message_data>\n{json.dumps({'id': i, 'text': text})}\n</message_data>"
            for i, text in enumerate(["hello all", "free crypto airdrop, click here"], start=1)
        ),
    }
]


@pytest.fixture
async def sdk(llm_server):
    client = openai.AsyncOpenAI(base_url=llm_server.base_url, api_key="x", max_retries=0, timeout=5)
    yield client
    await client.close()


async def answer(sdk: openai.AsyncOpenAI, messages: list, response_format: dict | None = None) -> str:
    extra = {} if response_format is None else {"response_format": response_format}
    response = await sdk.chat.completions.create(model="emulated-judge", messages=messages, **extra)
    return response.choices[0].message.content or ""


async def test_json_object_mode_refuses_json_schema_like_llama_cpp_python(llm_server, sdk) -> None:
    await llm_server.control("/_llm/config", {"structured_output": "json_object"})
    with pytest.raises(openai.InternalServerError) as caught:
        await answer(sdk, ONE, SCHEMA_FORMAT)
    assert caught.value.status_code == 500 and "Input should be 'text' or 'json_object'" in str(caught.value)
    assert "Input should be 'text' or 'json_object'" in LLAMA_CPP_REFUSAL
    assert json.loads(await answer(sdk, ONE, OBJECT_FORMAT))["category"] == "spam"


async def test_prompt_mode_refuses_every_format_and_wraps_its_json_in_prose(llm_server, sdk) -> None:
    await llm_server.control("/_llm/config", {"structured_output": "prompt"})
    for response_format in (SCHEMA_FORMAT, OBJECT_FORMAT):
        with pytest.raises(openai.BadRequestError):
            await answer(sdk, ONE, response_format)
    content = await answer(sdk, ONE)
    assert content.startswith(PROSE_PREFIX)
    with pytest.raises(ValueError):
        json.loads(content)
    verdict, _ = json.JSONDecoder().raw_decode(content, content.index("{"))
    assert verdict["action"] == "delete"


async def test_a_batched_prompt_gets_a_verdict_per_id(llm_server, sdk) -> None:
    data = json.loads(await answer(sdk, BATCH, SCHEMA_FORMAT))
    assert [(v["id"], v["action"]) for v in data["verdicts"]] == [(1, "allow"), (2, "delete")]
    await llm_server.control("/_llm/config", {"fault": "partial_batch", "fault_times": 1})
    assert [v["id"] for v in json.loads(await answer(sdk, BATCH, SCHEMA_FORMAT))["verdicts"]] == [1]


async def test_one_slot_serves_calls_one_after_another(llm_server, sdk) -> None:
    await llm_server.control("/_llm/config", {"judge_delay": 0.3, "slots": 1})
    started = time.monotonic()
    await asyncio.gather(*(answer(sdk, ONE, SCHEMA_FORMAT) for _ in range(3)))
    # Three calls of 0.3 s in line, not side by side (a lower bound: load cannot make it fail).
    assert time.monotonic() - started >= 0.85


@pytest.mark.parametrize("body", [{"structured_output": "xml"}, {"slots": -1}, {"slots": True}, {"fault": "partial"}])
async def test_bad_config_is_refused(llm_server, body: dict) -> None:
    async with llm_server.http.post(f"{llm_server.root}/_llm/config", json=body) as response:
        assert response.status == 400
