"""Prometheus metrics, built once per app on its own registry (no global default registry),
and passed to whoever records them."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60)


@dataclass(frozen=True)
class QueueMeters:
    """What a worker records about its queue; one set per queue (moderation jobs, notices)."""

    in_flight: Gauge
    done: Counter  # by outcome: done, retry, deferred, dead_letter, interrupted
    backlog: Gauge
    pending: Gauge
    dead_letters: Gauge
    delayed: Gauge


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        # intake and jobs
        self.updates = Counter("luka_updates_total", "Updates received, by type", ["type"], registry=r)
        self.jobs_enqueued = Counter("luka_jobs_enqueued_total", "Moderation jobs enqueued", registry=r)
        self.jobs_in_flight = Gauge("luka_jobs_in_flight", "Moderation jobs being processed", registry=r)
        self.jobs_done = Counter("luka_jobs_done_total", "Jobs finished, by outcome", ["outcome"], registry=r)
        self.jobs_backlog = Gauge("luka_jobs_backlog", "Entries in the job stream not yet delivered", registry=r)
        self.jobs_pending = Gauge("luka_jobs_pending", "Delivered but unacknowledged jobs", registry=r)
        self.dead_letters = Gauge("luka_jobs_dead_letter", "Jobs in the dead-letter stream", registry=r)
        self.jobs_delayed = Gauge(
            "luka_jobs_delayed", "Jobs deferred (Telegram retry_after, 5xx, a busy claim) and waiting", registry=r
        )
        self.jobs = QueueMeters(
            self.jobs_in_flight,
            self.jobs_done,
            self.jobs_backlog,
            self.jobs_pending,
            self.dead_letters,
            self.jobs_delayed,
        )
        # notices and log-chat posts: their own queue and sender
        self.notices = QueueMeters(
            Gauge("luka_notices_in_flight", "Notices being sent", registry=r),
            Counter("luka_notice_jobs_done_total", "Notice jobs finished, by outcome", ["outcome"], registry=r),
            Gauge("luka_notices_backlog", "Notices in their stream not yet delivered", registry=r),
            Gauge("luka_notices_pending", "Notices delivered to a sender, not yet acknowledged", registry=r),
            Gauge("luka_notices_dead_letter", "Notices in the notice dead-letter stream", registry=r),
            Gauge("luka_notices_delayed", "Notices waiting for their group's pacing or a retry_after", registry=r),
        )
        self.notices_sent = Counter(
            "luka_notices_sent_total", "Notices and log posts sent, by kind and how", ["kind", "outcome"], registry=r
        )
        self.enforcement_claims = Counter(
            "luka_enforcement_claims_total",
            "Enforcement claims: taken, busy (another holder acts), done already",
            ["outcome"],
            registry=r,
        )
        self.delete_outcomes = Counter(
            "luka_delete_outcomes_total",
            "Deletes of judged messages: deleted, gone, no_rights, expired",
            ["outcome"],
            registry=r,
        )
        self.job_age_at_verdict = Histogram(
            "luka_job_age_at_verdict_seconds",
            "Message age when its verdict was reached",
            registry=r,
            buckets=_LATENCY_BUCKETS,
        )
        self.job_age_at_action = Histogram(
            "luka_job_age_at_action_seconds",
            "Message age when its actions were done",
            registry=r,
            buckets=_LATENCY_BUCKETS,
        )
        # verdicts
        self.verdicts = Counter(
            "luka_verdicts_total", "Verdicts by tier, category and action", ["tier", "category", "action"], registry=r
        )
        self.llm_latency = Histogram(
            "luka_llm_latency_seconds", "LLM call latency by purpose", ["purpose"], registry=r, buckets=_LATENCY_BUCKETS
        )
        self.llm_failures = Counter(
            "luka_llm_failures_total", "LLM calls that failed, by purpose and reason", ["purpose", "reason"], registry=r
        )
        self.llm_stream_endings = Counter(
            "luka_llm_stream_endings_total",
            "Streamed LLM replies by how they ended: complete, truncated (max_tokens), interrupted "
            "(no finish_reason, e.g. a bare [DONE]), failed (an error)",
            ["ending"],
            registry=r,
        )
        self.llm_format_refusals = Counter(
            "luka_llm_format_refusals_total",
            "Structured-output formats a server refused (the client then tries the next one), by purpose and format",
            ["purpose", "format"],
            registry=r,
        )
        self.llm_fallbacks = Counter(
            "luka_llm_fallbacks_total",
            "Calls handed to the fallback provider after the primary failed, "
            "by purpose and the primary's failure reason",
            ["purpose", "reason"],
            registry=r,
        )
        self.judge_concurrency_limit = Gauge(
            "luka_judge_concurrency_limit",
            "Judge calls allowed at once now (lowered on timeouts, raised on success)",
            registry=r,
        )
        self.judge_batch_size = Histogram(
            "luka_judge_batch_size", "Messages judged per LLM call", registry=r, buckets=(1, 2, 4, 8, 16, 32, 64)
        )
        self.judge_deferrals = Counter(
            "luka_judge_deferrals_total",
            "Moderation jobs put back in the queue because the judge failed, by reason",
            ["reason"],
            registry=r,
        )
        self.unjudged = Counter(
            "luka_moderation_unjudged_total",
            "Messages the offline tiers could not settle and the judge did not judge before the deadline",
            registry=r,
        )
        # telegram
        self.telegram_calls = Counter(
            "luka_telegram_calls_total", "Bot API calls by method and status", ["method", "status"], registry=r
        )
        self.telegram_429 = Counter("luka_telegram_429_total", "Bot API 429 answers, by method", ["method"], registry=r)
        # health: what /healthz and /readyz decide on, refreshed every second and on each scrape
        self.storage_up = Gauge("luka_storage_up", "1 while Redis answers PING", registry=r)
        self.polling_ok = Gauge(
            "luka_polling_ok", "1 while getUpdates succeeds and updates are being taken in", registry=r
        )
        self.worker_alive = Gauge("luka_worker_alive", "1 while the worker loop runs and is not stuck", registry=r)
        self.storage_restarts = Counter(
            "luka_storage_restarts_total", "Restarts of the embedded Valkey after its process died", registry=r
        )
        self.polling_failures = Counter("luka_polling_failures_total", "getUpdates calls that failed", registry=r)
        self.redis_round_trips = Counter(
            "luka_redis_round_trips_total", "Requests sent to Redis (a pipeline counts once)", registry=r
        )
        self.updates_held = Counter(
            "luka_updates_held_total",
            "Updates left unconfirmed at Telegram because storage was down (delivered again later)",
            registry=r,
        )
        self.poison_updates = Counter(
            "luka_updates_poison_total", "Updates skipped because they could not be parsed", registry=r
        )
        self.migrations = Counter(
            "luka_chat_migrations_total", "Groups moved to a new chat id (supergroup)", registry=r
        )
        # assistant
        self.first_reply_latency = Histogram(
            "luka_assistant_first_reply_seconds",
            "From update receipt to the first reply message",
            registry=r,
            buckets=_LATENCY_BUCKETS,
        )
        self.assistant_failures = Counter(
            "luka_assistant_failures_total", "Replies that ended in an apology, by reason", ["reason"], registry=r
        )
        self.assistant_replies = Counter(
            "luka_assistant_replies_total",
            "Assistant replies by outcome: completed, truncated, interrupted, removed, failed",
            ["outcome"],
            registry=r,
        )
        self.assistant_tokens = Counter(
            "luka_assistant_tokens_total",
            'Tokens the assistant spent, by group (chat id; "private" for private chats), purpose '
            "(answer, summary) and source (reported by the server, or estimated)",
            ["chat", "purpose", "source"],
            registry=r,
        )
        self.assistant_refusals = Counter(
            "luka_assistant_refusals_total",
            "Questions not sent to the model, by reason: cooldown, member_budget, group_budget, private, sanctioned",
            ["reason"],
            registry=r,
        )
        self.assistant_summaries = Counter(
            "luka_assistant_summaries_total",
            "/summary requests by outcome (completed, failed, empty, ...)",
            ["outcome"],
            registry=r,
        )
