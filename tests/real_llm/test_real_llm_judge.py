"""The judge's structured output against the real llama-cpp-python server.

This server refuses `response_format: {"type": "json_schema"}` (HTTP 500, "Input should be 'text'
or 'json_object'") and takes `{"type": "json_object", "schema": ...}`, which it enforces with a
grammar. The negotiation itself (try json_schema, then json_object with the schema, then the
schema in the prompt; remember what worked) is `LlmClient.complete_json`'s; these tests run only
where that negotiation is present (`llm.client.FORMATS`) and are skipped with that reason before.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from luka_bot.llm import LlmBadOutput, LlmClient
from luka_bot.llm import client as client_module
from luka_bot.metrics import Metrics
from luka_bot.moderation.judge import VERDICT_SCHEMA

from .conftest import MODEL, RealServer

pytestmark = [
    pytest.mark.real_llm,
    pytest.mark.skipif(
        not hasattr(client_module, "FORMATS"),
        reason="needs the judge's structured-output negotiation (llm.client.FORMATS)",
    ),
]

MESSAGES = [
    {"role": "system", "content": "You are a moderator. Judge the message in <message_data>."},
    {
        "role": "user",
        "content": '<message_data>\n{"text": "Buy cheap crypto now https://pump.example"}\n</message_data>',
    },
]
SCHEMA_KEYS = set(VERDICT_SCHEMA.get("required") or VERDICT_SCHEMA.get("properties") or ())


@pytest.fixture
async def client(real_server: RealServer) -> AsyncIterator[tuple[LlmClient, Metrics]]:
    metrics = Metrics()
    llm = LlmClient(real_server.base_url, "", timeout=120, metrics=metrics)
    yield llm, metrics
    await llm.aclose()


async def _ask(llm: LlmClient) -> dict:
    return await llm.complete_json(
        MODEL, MESSAGES, schema=VERDICT_SCHEMA, schema_name="moderation_verdict", timeout=120, max_tokens=160
    )


async def test_the_judge_finds_the_format_this_server_takes_and_gets_schema_shaped_json(client):
    llm, metrics = client
    answer = await _ask(llm)
    assert llm.structured_format(MODEL) == "json_object"
    assert (
        metrics.registry.get_sample_value(
            "luka_llm_format_refusals_total", {"purpose": "judge", "format": "json_schema"}
        )
        == 1
    )
    # Grammar-constrained by the schema: the shape is right whatever the 135M model thinks.
    assert set(answer) >= SCHEMA_KEYS
    # Remembered: the second call sends no refused request.
    await _ask(llm)
    assert (
        metrics.registry.get_sample_value(
            "luka_llm_format_refusals_total", {"purpose": "judge", "format": "json_schema"}
        )
        == 1
    )


async def test_the_prompt_format_gives_json_or_a_typed_bad_output_never_a_crash(client):
    llm, _ = client
    # Start from the last format, as the client would for a server that refused both others.
    llm._formats[MODEL] = "prompt"  # no public way to pick a format, by design
    try:
        answer = await _ask(llm)
    except LlmBadOutput:
        return  # a 135M model asked in prose may not write JSON: a clear, typed outcome
    assert isinstance(answer, dict)
