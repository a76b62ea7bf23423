"""The judge fails safe, end to end: an LLM that is down never lets through what the offline tiers
are sure of, an unsettled message waits in the queue for the judge, and only past its deadline is
it let through, audited "unjudged"."""

from __future__ import annotations

import pytest

from .harness import ALICE, GROUP, wait_for

CERTAIN_SPAM = "Earn money from home, message me for details"  # classifier p ~ 0.999, no rule
UNSETTLED = "Hello everyone, I offer remote job with good pay"  # classifier p ~ 0.35: uncertain
SPAM_VERDICT = {"action": "delete", "category": "spam", "confidence": 0.95, "reason": "job scam"}


async def audit_of(stack, message_id: int) -> dict | None:
    for entry in await stack.app.audit.recent(GROUP, count=100):
        if entry.fields["message_id"] == str(message_id):
            return entry.fields
    return None


async def is_deleted(stack, message_id: int) -> bool:
    return any(m["message_id"] == message_id and m["deleted_at"] is not None for m in await stack.control.messages())


def metric(stack, name: str, labels: dict | None = None) -> float:
    return stack.app.metrics.registry.get_sample_value(name, labels or {}) or 0.0


@pytest.mark.parametrize("stack", [{"llm_judge": "all"}], indirect=True)
async def test_judge_down_certain_spam_is_still_deleted(stack):
    c = stack.control
    await c.llm_config(fault="500")
    spam = await c.post(CERTAIN_SPAM, user=ALICE)
    entry = await wait_for(lambda: audit_of(stack, spam), timeout=15)
    assert await is_deleted(stack, spam)
    assert entry["tier"] == "classifier" and entry["action"] == "delete" and "llm.error=unavailable" in entry["details"]
    assert await c.llm_requests(), "the judge was asked (all mode) and failed"


@pytest.mark.parametrize("stack", [{"judge_deadline": 30.0}], indirect=True)
async def test_an_unsettled_message_waits_for_the_judge_and_is_judged_when_it_is_back(stack):
    c = stack.control
    await c.llm_script(contains="remote job", verdict=SPAM_VERDICT)
    await c.llm_config(fault="500", fault_times=1)
    message = await c.post(UNSETTLED, user=ALICE)
    entry = await wait_for(lambda: audit_of(stack, message), timeout=30)
    assert entry["tier"] == "llm" and entry["action"] == "delete" and entry["verdict_error"] == ""
    assert await is_deleted(stack, message)
    assert len(await c.llm_requests()) == 2, "one failed call, then one after the retry"
    assert metric(stack, "luka_judge_deferrals_total", {"reason": "unavailable"}) == 1
    assert metric(stack, "luka_moderation_unjudged_total") == 0


@pytest.mark.parametrize("stack", [{"judge_deadline": 2.0}], indirect=True)
async def test_past_the_deadline_an_unsettled_message_is_let_through_audited_unjudged(stack):
    c = stack.control
    await c.llm_config(fault="500")
    message = await c.post(UNSETTLED, user=ALICE)
    entry = await wait_for(lambda: audit_of(stack, message), timeout=30)
    assert entry["verdict_error"] == "unjudged" and entry["action"] == "allow"
    assert entry["tier"] == "classifier" and "llm.error=unavailable" in entry["details"]
    assert not await is_deleted(stack, message)
    assert metric(stack, "luka_moderation_unjudged_total") == 1
    # It waited first: at least one retry before the deadline, and the judge was asked each time.
    deferrals = metric(stack, "luka_judge_deferrals_total", {"reason": "unavailable"})
    assert deferrals >= 1 and len(await c.llm_requests()) == deferrals + 1
