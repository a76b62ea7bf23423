"""The provider chain: a call the primary server fails goes to the fallback, counted."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest

from luka_bot.llm import LlmClient, LlmTimeout, LlmUnavailable, ProviderChain
from luka_bot.llm.streaming import StreamEnding
from luka_bot.moderation.judge import LlmJudge
from luka_bot.moderation.verdict import Action, ModerationRequest, Tier
from luka_bot.sandbox.llm_emulator import EMULATED_PREFIX, start_llm_emulator

SCHEMA = {"type": "object", "properties": {"action": {"type": "string"}}}
QUESTION = [{"role": "user", "content": "free money https://x.example"}]


@pytest.fixture
async def fallback_server(llm_server) -> AsyncIterator:
    """A second emulator, driven like the first (same handle type, same HTTP session)."""
    emulator, runner, port = await start_llm_emulator("127.0.0.1", 0)
    yield type(llm_server)(emulator, f"http://127.0.0.1:{port}", llm_server.http)
    await runner.cleanup()


def fallbacks(metrics, purpose: str, reason: str) -> float:
    return metrics.registry.get_sample_value("luka_llm_fallbacks_total", {"purpose": purpose, "reason": reason}) or 0.0


def dead_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/v1"


@pytest.fixture
async def chain(llm_server, fallback_server, metrics) -> AsyncIterator[ProviderChain]:
    primary = LlmClient(llm_server.base_url, "", timeout=2.0, metrics=metrics)
    fallback = LlmClient(fallback_server.base_url, "", timeout=2.0, metrics=metrics)
    chain = ProviderChain(primary, fallback, fallback_model="backup-judge", metrics=metrics)
    yield chain
    await chain.aclose()


async def test_a_healthy_primary_answers_alone(llm_server, fallback_server, chain: ProviderChain, metrics) -> None:
    answer = await chain.complete_json("emulated-judge", QUESTION, schema=SCHEMA, schema_name="v", timeout=1.0)
    assert answer["action"] == "delete"
    assert len(await llm_server.requests()) == 1 and await fallback_server.requests() == []
    assert fallbacks(metrics, "judge", "unavailable") == 0


@pytest.mark.parametrize(("fault", "reason"), [("500", "unavailable"), ("timeout", "timeout")])
async def test_a_failing_primary_hands_the_call_to_the_fallback(
    llm_server, fallback_server, chain: ProviderChain, metrics, fault: str, reason: str
) -> None:
    await llm_server.control("/_llm/config", {"fault": fault})
    answer = await chain.complete_json("emulated-judge", QUESTION, schema=SCHEMA, schema_name="v", timeout=0.5)
    assert answer["action"] == "delete"
    (sent,) = await fallback_server.requests()
    assert sent["model"] == "backup-judge"
    assert fallbacks(metrics, "judge", reason) == 1


async def test_when_both_fail_the_fallbacks_error_is_raised(llm_server, fallback_server, chain, metrics) -> None:
    await llm_server.control("/_llm/config", {"fault": "500"})
    await fallback_server.control("/_llm/config", {"fault": "timeout"})
    with pytest.raises(LlmTimeout):
        await chain.complete_json("emulated-judge", QUESTION, schema=SCHEMA, schema_name="v", timeout=0.3)


async def test_without_a_fallback_the_primarys_error_is_raised(metrics) -> None:
    client = LlmClient(dead_url(), "", timeout=1.0, metrics=metrics)
    try:
        with pytest.raises(LlmUnavailable):
            await ProviderChain(client).complete_json("m", QUESTION, schema=SCHEMA, schema_name="v", timeout=1.0)
    finally:
        await client.aclose()


async def test_the_judge_uses_the_fallback_when_its_server_is_down(fallback_server, metrics) -> None:
    primary = LlmClient(dead_url(), "", timeout=1.0, metrics=metrics)
    fallback = LlmClient(fallback_server.base_url, "", timeout=1.0, metrics=metrics)
    judge = LlmJudge(ProviderChain(primary, fallback, metrics=metrics), "emulated-judge", timeout=1.0, metrics=metrics)
    try:
        verdict = await judge.judge(ModerationRequest(chat_id=-1, message_id=1, user_id=1, text=QUESTION[0]["content"]))
    finally:
        await primary.aclose()
        await fallback.aclose()
    assert verdict.tier is Tier.LLM and verdict.action is Action.DELETE
    assert fallbacks(metrics, "judge", "unavailable") == 1


async def test_a_stream_goes_to_the_fallback_only_before_its_first_piece(
    llm_server, fallback_server, chain: ProviderChain, metrics
) -> None:
    await llm_server.control("/_llm/config", {"fault": "500", "fault_times": 1})
    stream = chain.stream_chat("emulated-assistant", QUESTION)
    text = "".join([piece async for piece in stream])
    assert text.startswith(EMULATED_PREFIX)
    assert stream.ending is StreamEnding.COMPLETE  # the fallback's ending reaches the reader
    assert len(await fallback_server.requests()) == 1
    assert fallbacks(metrics, "assistant", "unavailable") == 1
    # A stream that broke after its first piece is not restarted elsewhere (it would repeat itself).
    await llm_server.control("/_llm/config", {"fault": "malformed_json", "fault_times": 1})
    pieces = []
    with pytest.raises(Exception):  # the stream's own typed error
        async for piece in chain.stream_chat("emulated-assistant", QUESTION):
            pieces.append(piece)
    assert pieces and len(await fallback_server.requests()) == 1
