"""The judge through the whole bot: batched calls when messages wait, and a server that refuses
the json_schema format (as llama-cpp-python does) still judges."""

from __future__ import annotations

import json
import re

import pytest

from .harness import GROUP, wait_for

BLOCK = re.compile(r"<message_data>(.*?)</message_data>", re.DOTALL)
SPAM = "zorblax tokens best deal, write me"  # uncertain offline; the emulator is told it is spam


async def audits(stack) -> dict[str, dict]:
    return {e.fields["message_id"]: e.fields for e in await stack.app.audit.recent(GROUP, count=200)}


@pytest.mark.parametrize("stack", [{"llm_judge": "all", "judge_batch": 8}], indirect=True)
async def test_messages_waiting_for_a_slow_judge_are_judged_together(stack):
    c = stack.control
    await c.llm_config(judge_delay=1.0, slots=1)
    await c.llm_script(
        contains="zorblax", verdict={"action": "delete", "category": "spam", "confidence": 0.9, "reason": "token pitch"}
    )
    texts = [f"Does anyone have notes from lecture {i} about rivers?" for i in range(9)] + [SPAM]
    posted = [await c.post(text, user={"id": 3000 + i, "first_name": f"M{i}"}) for i, text in enumerate(texts)]

    async def all_judged():
        seen = await audits(stack)
        return seen if all(str(m) in seen for m in posted) else None

    seen = await wait_for(all_judged, timeout=30)
    assert all(seen[str(m)]["tier"] == "llm" for m in posted)
    assert seen[str(posted[-1])]["action"] == "delete" and seen[str(posted[0])]["action"] == "allow"
    sizes = [len(BLOCK.findall(r["messages"][1]["content"])) for r in await c.llm_requests()]
    assert sum(sizes) == len(texts) and max(sizes) > 1 and len(sizes) < len(texts)
    for request in await c.llm_requests():
        ids = [json.loads(b).get("id") for b in BLOCK.findall(request["messages"][1]["content"])]
        assert ids == [None] or ids == list(range(1, len(ids) + 1))


@pytest.mark.parametrize("stack", [{"llm_judge": "all"}], indirect=True)
async def test_a_server_that_refuses_json_schema_still_judges(stack):
    c = stack.control
    await c.llm_config(structured_output="json_object")
    await c.llm_script(
        contains="zorblax", verdict={"action": "delete", "category": "spam", "confidence": 0.9, "reason": "token pitch"}
    )
    message = await c.post(SPAM)
    entry = await wait_for(lambda: _audit_of(stack, message), timeout=15)
    assert entry["tier"] == "llm" and entry["action"] == "delete"
    formats = [r["response_format"]["type"] for r in await c.llm_requests()]
    assert formats == ["json_schema", "json_object"]
    registry = stack.app.metrics.registry
    assert registry.get_sample_value("luka_llm_failures_total", {"purpose": "judge", "reason": "format_refused"}) == 1
    assert registry.get_sample_value("luka_llm_failures_total", {"purpose": "judge", "reason": "unavailable"}) is None


async def _audit_of(stack, message_id: int) -> dict | None:
    return (await audits(stack)).get(str(message_id))
