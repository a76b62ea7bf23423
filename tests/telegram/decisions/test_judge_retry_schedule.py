"""When the judge is away, a moderation job is retried until JUDGE_DEADLINE, never dropped early."""

from __future__ import annotations

import pytest

from luka_bot.jobs.queue import DEFERRALS_FIELD, Job
from luka_bot.jobs.worker import Retry
from luka_bot.metrics import Metrics
from luka_bot.moderation.cascade import UNJUDGED, JudgeUnavailable
from luka_bot.moderation.verdict import Tier, Verdict
from luka_bot.telegram.actions.enforcement import Target
from luka_bot.telegram.decisions import moderation_jobs
from luka_bot.telegram.decisions.moderation_jobs import ModerationJobHandler

TARGET = Target(chat_id=-1, chat_title="", message_id=1, revision=0, user_id=2, name="", text="")
OFFLINE = Verdict.allow(Tier.CLASSIFIER, "the classifier leans to ham", 0.6)


def handler(metrics: Metrics, *, deadline: float) -> ModerationJobHandler:
    # Only the retry decision is exercised here; its collaborators are never touched.
    return ModerationJobHandler(  # type: ignore[arg-type]
        decider=None,
        enforcer=None,
        group_settings=None,
        reputation=None,
        admins=None,
        signals=None,
        metrics=metrics,
        judge_deadline=deadline,
    )


@pytest.mark.parametrize("deadline", [600.0, 45.0])
def test_retries_reach_the_deadline_and_then_the_offline_verdict_applies(
    monkeypatch: pytest.MonkeyPatch, deadline: float
) -> None:
    metrics = Metrics()
    subject = handler(metrics, deadline=deadline)
    now = [1000.0]
    monkeypatch.setattr(moderation_jobs.time, "time", lambda: now[0])
    defers = []
    deferrals = 0
    while True:
        job = Job(id="1-0", fields={DEFERRALS_FIELD: str(deferrals)}, attempt=1)
        try:
            verdict = subject._unjudged_or_retry(job, TARGET, JudgeUnavailable("timeout", OFFLINE), first_intake=1000.0)
        except Retry as retry:
            assert retry.counts is False, "waiting for the judge must not use up the job's attempts"
            defers.append(retry.defer)
            now[0] += retry.defer
            deferrals += 1
            continue
        break
    assert verdict.error == UNJUDGED and verdict.tier is Tier.CLASSIFIER
    assert now[0] - 1000.0 == pytest.approx(deadline), "let through at the deadline, not before"
    assert defers[0] == moderation_jobs.JUDGE_RETRY_BASE_S
    assert max(defers) <= moderation_jobs.JUDGE_RETRY_MAX_S
    assert defers[:-1] == sorted(defers[:-1])  # doubling backoff, the last one cut to the deadline
    assert metrics.registry.get_sample_value("luka_moderation_unjudged_total") == 1
    assert metrics.registry.get_sample_value("luka_judge_deferrals_total", {"reason": "timeout"}) == len(defers)
