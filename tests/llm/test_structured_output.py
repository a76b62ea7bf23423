"""Structured output against each kind of server the emulator plays, over real HTTP: the client
finds the format a server takes, remembers it, and says when a format was refused."""

from __future__ import annotations

import pytest

from luka_bot.llm import LlmClient, LlmUnavailable
from luka_bot.llm.client import first_json_object, is_format_refusal, parse_json_object
from luka_bot.moderation.judge import VERDICT_SCHEMA, LlmJudge
from luka_bot.moderation.verdict import Action, Category, ModerationRequest, Tier
from luka_bot.sandbox.llm_emulator import LLAMA_CPP_REFUSAL

SPAM = "Buy now: cheap crypto signals https://pump.example"


def refusals(metrics, fmt: str) -> float:
    return (
        metrics.registry.get_sample_value("luka_llm_format_refusals_total", {"purpose": "judge", "format": fmt}) or 0.0
    )


def formats_sent(requests: list[dict]) -> list[str]:
    return [(r.get("response_format") or {}).get("type", "prompt") for r in requests]


async def ask(client: LlmClient) -> dict:
    messages = [
        {"role": "system", "content": "You judge messages."},
        {"role": "user", "content": f'<message_data>\n{{"text": "{SPAM}"}}\n</message_data>'},
    ]
    return await client.complete_json(
        "emulated-judge", messages, schema=VERDICT_SCHEMA, schema_name="moderation_verdict", timeout=2.0, max_tokens=100
    )


# (server kind, formats the first call sends, refusals counted)
SERVERS = [
    ("json_schema", ["json_schema"], []),
    ("json_object", ["json_schema", "json_object"], ["json_schema"]),
    ("prompt", ["json_schema", "json_object", "prompt"], ["json_schema", "json_object"]),
]


@pytest.mark.parametrize(("kind", "first_call", "refused"), SERVERS, ids=[s[0] for s in SERVERS])
async def test_each_server_gets_a_format_it_takes_and_it_is_remembered(
    llm_server, llm_client: LlmClient, metrics, failure_count, kind: str, first_call: list[str], refused: list[str]
) -> None:
    await llm_server.control("/_llm/config", {"structured_output": kind})
    answer = await ask(llm_client)
    assert answer["action"] == "delete" and answer["category"] == "spam"
    assert formats_sent(await llm_server.requests()) == first_call
    assert llm_client.structured_format("emulated-judge") == first_call[-1]
    # The second call goes straight to what worked: no refused request again.
    await ask(llm_client)
    assert formats_sent(await llm_server.requests()) == first_call + [first_call[-1]]
    for fmt in ("json_schema", "json_object"):
        assert refusals(metrics, fmt) == (1 if fmt in refused else 0)
    assert failure_count("judge", "format_refused") == len(refused)
    assert failure_count("judge", "unavailable") == 0


async def test_the_json_object_format_carries_the_schema_and_the_prompt_format_spells_it_out(
    llm_server, llm_client: LlmClient
) -> None:
    await llm_server.control("/_llm/config", {"structured_output": "prompt"})
    await ask(llm_client)
    _, as_object, in_prompt = await llm_server.requests()
    assert as_object["response_format"] == {"type": "json_object", "schema": VERDICT_SCHEMA}
    assert "response_format" not in in_prompt
    system, user = in_prompt["messages"]
    assert "JSON Schema" in system["content"] and '"confidence"' in system["content"]
    assert "JSON Schema" not in user["content"]  # the member's turn is never touched
    assert in_prompt["max_tokens"] == 100


async def test_a_server_error_that_is_not_about_the_format_is_no_refusal(
    llm_server, llm_client: LlmClient, failure_count
) -> None:
    await llm_server.control("/_llm/config", {"fault": "500", "fault_times": 1})
    with pytest.raises(LlmUnavailable) as caught:
        await ask(llm_client)
    assert caught.value.reason == "unavailable"
    assert formats_sent(await llm_server.requests()) == ["json_schema"]  # no downgrade
    assert failure_count("judge", "format_refused") == 0
    assert llm_client.structured_format("emulated-judge") is None


@pytest.mark.parametrize("kind", ["json_schema", "json_object", "prompt"])
async def test_the_judge_works_on_every_kind_of_server(llm_server, metrics, kind: str) -> None:
    await llm_server.control("/_llm/config", {"structured_output": kind})
    client = LlmClient(llm_server.base_url, "", timeout=2.0, metrics=metrics)
    judge = LlmJudge(client, "emulated-judge", timeout=2.0, metrics=metrics)
    try:
        spam = await judge.judge(ModerationRequest(chat_id=-1, message_id=1, user_id=2, text=SPAM))
        ham = await judge.judge(ModerationRequest(chat_id=-1, message_id=2, user_id=2, text="see you at the meetup"))
    finally:
        await client.aclose()
    assert (spam.tier, spam.action, spam.category) == (Tier.LLM, Action.DELETE, Category.SPAM)
    assert (ham.tier, ham.action, ham.category) == (Tier.LLM, Action.ALLOW, Category.NONE)
    for sent in await llm_server.requests():
        assert sent["max_tokens"] > 0, "the judge always bounds its answer"


def test_llama_cpp_pythons_refusal_is_recognised() -> None:
    assert is_format_refusal(500, LLAMA_CPP_REFUSAL)
    assert is_format_refusal(400, "response_format 'json_schema' is not supported by this server")
    assert not is_format_refusal(500, "The server had an error while processing your request.")
    assert not is_format_refusal(401, "response_format needs a key")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            'Sure! Here is my verdict: {"action": "allow", "category": "none"} Hope it helps.',
            {"action": "allow", "category": "none"},
        ),
        (
            'I think {not json} but then {"action": "warn", "nested": {"a": 1}} and {"b": 2}',
            {"action": "warn", "nested": {"a": 1}},
        ),
        ('Verdict:\n```json\n{"action": "delete"}\n```', {"action": "delete"}),
    ],
    ids=["prose-around", "first-object-after-junk", "fence-after-prose"],
)
def test_prose_wrapped_json_is_found(content: str, expected: dict) -> None:
    assert parse_json_object(content) == expected


def test_no_object_in_prose_is_none() -> None:
    assert first_json_object("no braces here, [1, 2] either") is None
    assert first_json_object('a { "broken": ') is None
