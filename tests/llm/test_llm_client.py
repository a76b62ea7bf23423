"""LlmClient against the emulator: replies stream through, and every way a provider fails comes
out as one typed error, promptly, counted in the metrics."""

from __future__ import annotations

import socket

import pytest

from luka_bot.llm import LlmBadOutput, LlmClient, LlmError, LlmTimeout, LlmUnavailable
from luka_bot.llm.client import parse_json_object
from luka_bot.llm.streaming import ChatStream, StreamEnding
from luka_bot.sandbox.llm_emulator import EMULATED_PREFIX

QUESTION = [{"role": "user", "content": "How do I add the bot to a group?"}]
SCHEMA = {"type": "object", "properties": {"action": {"type": "string"}}}


async def _collect(client: LlmClient, **kw) -> str:
    return "".join([piece async for piece in client.stream_chat("emulated-assistant", QUESTION, **kw)])


async def test_stream_chat_yields_the_whole_reply(llm_server, llm_client: LlmClient, metrics) -> None:
    await llm_server.control("/_llm/config", {"reply_length": 9000})
    text = await _collect(llm_client)
    assert len(text) == 9000 and text.startswith(EMULATED_PREFIX)
    sent = (await llm_server.requests())[0]
    assert sent["stream"] is True and sent["messages"] == QUESTION
    assert metrics.registry.get_sample_value("luka_llm_latency_seconds_count", {"purpose": "assistant"}) == 1


async def test_stream_chat_passes_max_tokens(llm_server, llm_client: LlmClient) -> None:
    text = await _collect(llm_client, max_tokens=3)
    assert text.startswith(EMULATED_PREFIX) and len(text.split()) == 3
    assert (await llm_server.requests())[0]["max_tokens"] == 3


async def test_a_reader_that_stops_early_is_not_a_failure(llm_client: LlmClient, failure_count) -> None:
    stream = llm_client.stream_chat("emulated-assistant", QUESTION)
    first = await anext(stream)
    await stream.aclose()
    assert first
    assert failure_count("assistant", "unavailable") == 0


async def test_complete_json_sends_a_strict_schema_and_parses_the_answer(llm_server, llm_client: LlmClient) -> None:
    answer = await llm_client.complete_json(
        "emulated-judge",
        [{"role": "user", "content": "free money https://x.example"}],
        schema=SCHEMA,
        schema_name="verdict",
        timeout=2.0,
    )
    assert answer["action"] == "delete" and answer["category"] == "spam"
    sent = (await llm_server.requests())[0]
    assert sent["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "verdict", "schema": SCHEMA, "strict": True},
    }
    assert sent["temperature"] == 0.0 and not sent.get("stream")


FAULTS = [
    ("timeout", LlmTimeout, "timeout"),
    ("500", LlmUnavailable, "unavailable"),
    ("malformed_json", LlmBadOutput, "invalid_output"),
]


@pytest.mark.parametrize(("fault", "error", "reason"), FAULTS, ids=[f[0] for f in FAULTS])
async def test_stream_faults_raise_typed_errors(
    llm_server, metrics, failure_count, fault: str, error: type[LlmError], reason: str
) -> None:
    await llm_server.control("/_llm/config", {"fault": fault})
    client = LlmClient(llm_server.base_url, "", timeout=0.3, metrics=metrics)
    try:
        with pytest.raises(error) as caught:
            await _collect(client)
    finally:
        await client.aclose()
    assert caught.value.__cause__ is not None  # the SDK's exception is kept for the logs
    assert failure_count("assistant", reason) == 1


@pytest.mark.parametrize(("fault", "error", "reason"), FAULTS, ids=[f[0] for f in FAULTS])
async def test_json_faults_raise_typed_errors(
    llm_server, metrics, failure_count, fault: str, error: type[LlmError], reason: str
) -> None:
    await llm_server.control("/_llm/config", {"fault": fault})
    client = LlmClient(llm_server.base_url, "", timeout=5.0, metrics=metrics)
    try:
        with pytest.raises(error) as caught:
            # The per-call timeout, not the client's, bounds a JSON call.
            await client.complete_json("emulated-judge", QUESTION, schema=SCHEMA, schema_name="v", timeout=0.3)
    finally:
        await client.aclose()
    assert caught.value.recorded_in_metrics
    assert failure_count("judge", reason) == 1


async def test_a_slow_first_token_is_a_timeout(llm_server, metrics) -> None:
    await llm_server.control("/_llm/config", {"first_token_delay": 5})
    client = LlmClient(llm_server.base_url, "", timeout=0.3, metrics=metrics)
    try:
        with pytest.raises(LlmTimeout):
            await _collect(client)
    finally:
        await client.aclose()


async def test_an_error_status_keeps_its_code(llm_server, llm_client: LlmClient) -> None:
    await llm_server.control("/_llm/config", {"fault": "500", "fault_times": 1})
    with pytest.raises(LlmUnavailable) as caught:
        await _collect(llm_client)
    assert caught.value.status_code == 500
    assert (await _collect(llm_client)).startswith(EMULATED_PREFIX)  # fault_times used up


async def test_nobody_listening_is_unavailable(failure_count, metrics) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = LlmClient(f"http://127.0.0.1:{port}/v1", "", timeout=2.0, metrics=metrics)
    try:
        with pytest.raises(LlmUnavailable):
            await _collect(client)
        with pytest.raises(LlmUnavailable):
            await client.complete_json("m", QUESTION, schema=SCHEMA, schema_name="v", timeout=2.0)
    finally:
        await client.aclose()
    assert failure_count("assistant", "unavailable") == 1
    assert failure_count("judge", "unavailable") == 1


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"action": "allow"}', {"action": "allow"}),
        ('```json\n{"action": "warn"}\n```', {"action": "warn"}),
    ],
    ids=["bare", "fenced"],
)
def test_parse_json_object_accepts_plain_and_fenced_json(content: str, expected: dict) -> None:
    assert parse_json_object(content) == expected


@pytest.mark.parametrize(
    "content", ["", None, "allow", "[1, 2]", '{"action": '], ids=["empty", "none", "word", "array", "cut-off"]
)
def test_parse_json_object_rejects_other_answers(content: str | None) -> None:
    with pytest.raises(LlmBadOutput):
        parse_json_object(content)


# --- how a stream ended (finish_reason) --------------------------------------------------------


def _endings(metrics, ending: str) -> float:
    return metrics.registry.get_sample_value("luka_llm_stream_endings_total", {"ending": ending}) or 0.0


async def test_a_stream_that_ends_with_stop_is_complete(llm_client: LlmClient, metrics, failure_count) -> None:
    stream = llm_client.stream_chat("emulated-assistant", QUESTION)
    text = "".join([piece async for piece in stream])
    assert text.startswith(EMULATED_PREFIX)
    assert stream.ending is StreamEnding.COMPLETE and stream.finish_reason == "stop"
    assert _endings(metrics, "complete") == 1 and failure_count("assistant", "interrupted") == 0


async def test_a_stream_cut_by_max_tokens_is_truncated_not_complete(llm_client: LlmClient, metrics) -> None:
    stream = llm_client.stream_chat("emulated-assistant", QUESTION, max_tokens=4)
    text = "".join([piece async for piece in stream])
    assert len(text.split()) == 4
    assert stream.ending is StreamEnding.TRUNCATED and stream.finish_reason == "length"
    assert _endings(metrics, "truncated") == 1 and _endings(metrics, "complete") == 0


async def test_a_bare_done_without_finish_reason_is_interrupted_and_counted(
    llm_server, llm_client: LlmClient, metrics, failure_count
) -> None:
    await llm_server.control("/_llm/config", {"fault": "interrupt", "reply_length": 400})
    stream = llm_client.stream_chat("emulated-assistant", QUESTION)
    text = "".join([piece async for piece in stream])  # no exception: the half answer is real text
    assert text.startswith(EMULATED_PREFIX) and len(text) < 400
    assert stream.ending is StreamEnding.INTERRUPTED and stream.finish_reason is None
    assert failure_count("assistant", "interrupted") == 1
    assert _endings(metrics, "interrupted") == 1 and _endings(metrics, "complete") == 0


async def test_a_dropped_connection_mid_stream_is_a_typed_failure(
    llm_server, llm_client: LlmClient, metrics, failure_count
) -> None:
    await llm_server.control("/_llm/config", {"fault": "disconnect", "reply_length": 400})
    stream = llm_client.stream_chat("emulated-assistant", QUESTION)
    received: list[str] = []
    with pytest.raises(LlmError):
        async for piece in stream:
            received.append(piece)
    assert received, "the first half arrived before the drop"
    assert stream.ending is StreamEnding.FAILED
    assert _endings(metrics, "failed") == 1 and _endings(metrics, "complete") == 0
    assert failure_count("assistant", "unavailable") + failure_count("assistant", "invalid_output") == 1


async def test_a_reader_that_stops_early_leaves_the_ending_unknown(llm_client: LlmClient, metrics) -> None:
    stream = llm_client.stream_chat("emulated-assistant", QUESTION)
    await anext(stream)
    await stream.aclose()
    assert stream.ending is None and _endings(metrics, "complete") == 0


async def test_a_relaying_stream_keeps_the_ending_of_the_stream_it_relays(llm_server, llm_client: LlmClient) -> None:
    # What a provider chain does: hand the reader one of its clients' streams.
    await llm_server.control("/_llm/config", {"fault": "interrupt", "fault_times": 1})
    outer = ChatStream()
    outer.bind(outer.relay(llm_client.stream_chat("emulated-assistant", QUESTION)))
    assert "".join([piece async for piece in outer])
    assert outer.ending is StreamEnding.INTERRUPTED and outer.finish_reason is None


async def test_a_stream_reports_the_servers_token_count(llm_server, llm_client: LlmClient) -> None:
    stream = llm_client.stream_chat("emulated-assistant", QUESTION)
    text = "".join([piece async for piece in stream])
    sent = (await llm_server.requests())[0]
    assert sent["stream_options"] == {"include_usage": True}
    assert stream.usage is not None
    prompt, completion = stream.usage
    assert prompt == len(QUESTION[0]["content"]) // 4 and completion == len(text) // 4


async def test_a_server_that_rejects_stream_options_is_asked_again_without_and_never_again(
    llm_server, llm_client: LlmClient
) -> None:
    await llm_server.control("/_llm/config", {"reject_stream_options": True})
    first = llm_client.stream_chat("emulated-assistant", QUESTION)
    assert (await _drain(first)).startswith(EMULATED_PREFIX) and first.usage is None
    assert first.ending is StreamEnding.COMPLETE
    await _collect(llm_client)
    asked = [("stream_options" in r) for r in await llm_server.requests()]
    assert asked == [True, False, False]


async def _drain(stream: ChatStream) -> str:
    return "".join([piece async for piece in stream])
