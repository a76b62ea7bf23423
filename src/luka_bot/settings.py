"""Settings from the environment and `.env`; the names are the contract in SANDBOX_API.md.

Read once, in the CLI, and passed to `build_app`; nothing else reads the environment.
"""

from __future__ import annotations

import errno
import re
import socket
from enum import StrEnum
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from luka_bot.policy.group import JudgeMode


class Role(StrEnum):
    ALL = "all"
    GATEWAY = "gateway"
    WORKER = "worker"


_TOKEN = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{1,200}")

DEFAULT_LLM_BASE_URL = "http://127.0.0.1:11434/v1"  # Ollama's OpenAI-compatible endpoint


class PrivateAccess(StrEnum):
    """Who may talk to the assistant in a private chat."""

    ANYONE = "anyone"
    MEMBERS = "members"  # someone the bot saw post in a group it serves (last 30 days)
    NOBODY = "nobody"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: str = Field(default="", description="bot token from BotFather")
    telegram_api_url: str = "https://api.telegram.org"
    redis_url: str | None = None
    redis_key_prefix: str = Field(default="luka", pattern=r"^[A-Za-z0-9_.-]{1,32}$")
    data_dir: Path = Path("./data")
    # The embedded Valkey's append-only file: fsync on every write ("always": a write Redis
    # acknowledged survives a power loss), or once a second ("everysec": up to ~1 s of
    # acknowledged writes can be lost on a power loss or OS crash, never on a bot crash or
    # kill -9; less CPU and latency per write). Has no effect with REDIS_URL.
    redis_fsync: Literal["always", "everysec"] = "always"
    # REDIS_URL names one node of a Redis Cluster (the same as writing redis+cluster://).
    redis_cluster: bool = False
    llm_base_url: str = DEFAULT_LLM_BASE_URL
    llm_api_key: str = ""
    # The judge's own server; unset: the assistant's (LLM_BASE_URL, LLM_API_KEY).
    moderation_base_url: str | None = None
    moderation_api_key: str | None = None
    # Tried per call when the primary server fails or times out; unset: no fallback.
    llm_fallback_base_url: str | None = None
    llm_fallback_api_key: str = ""
    llm_fallback_model: str | None = None  # unset: the same model name as the primary call
    assistant_model: str = "qwen2.5:7b-instruct"
    moderation_model: str = "qwen2.5:7b-instruct"
    # Loopback by default: /metrics and the dashboard are not for the open internet. The container
    # image sets 0.0.0.0 so the orchestrator's probes reach /healthz.
    web_host: str = Field(default="127.0.0.1", min_length=1)
    # Longest assistant answer, sent as max_tokens: without it one reply can run until the
    # server's context is full. 1024 tokens is about one Telegram message of text.
    assistant_max_tokens: int = Field(default=1024, ge=1, le=131_072)
    web_port: int = Field(default=8090, ge=0, le=65535)
    dashboard_token: str = ""  # unset: the dashboard is off (it shows members' messages)
    # The admin console's public address (where /console links point), e.g. https://bot.example.org;
    # empty: http://WEB_HOST:WEB_PORT, which suits a console reached on this host or a tunnel.
    console_url: str = ""
    # /metrics names groups' traffic; where WEB_HOST is reachable from outside, ask for the token.
    metrics_require_token: bool = False
    # Webhook mode (`run --webhook URL` or WEBHOOK_URL): Telegram POSTs updates to this public URL,
    # which a reverse proxy forwards to WEB_HOST:WEB_PORT at the URL's path. Unset: long polling.
    webhook_url: str = ""
    # Telegram sends it with every update; a request without it is refused. Empty: a random one per
    # start (set it when several gateways share one webhook behind a load balancer).
    webhook_secret: str = Field(default="", pattern=r"^[A-Za-z0-9_-]{0,256}$")
    llm_judge: JudgeMode = JudgeMode.UNCERTAIN
    # Assistant budgets (tokens per UTC day, as the server reports them or estimated at 4
    # characters a token; 0: unlimited). Groups can override them with /budget.
    assistant_member_daily_tokens: int = Field(default=20_000, ge=0)
    assistant_group_daily_tokens: int = Field(default=200_000, ge=0)
    # Seconds a member waits between two questions (0: no cooldown).
    assistant_cooldown: float = Field(default=5.0, ge=0, le=86_400)
    assistant_private_access: PrivateAccess = PrivateAccess.MEMBERS
    log_format: str = Field(default="json", pattern="^(json|console)$")
    log_level: str = Field(default="INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    # Timeouts and pacing: seconds unless named otherwise.
    llm_timeout: float = Field(default=60.0, gt=0)
    judge_timeout: float = Field(default=20.0, gt=0)
    stream_edit_interval: float = Field(default=1.5, ge=0)
    # How long one send or final edit of an answer retries while Telegram answers 429/5xx; past
    # it the answer is marked interrupted (or, when nothing was sent, an apology follows).
    assistant_delivery_deadline: float = Field(default=60.0, gt=0)
    notice_lifetime: float = Field(default=60.0, gt=0)  # public moderation notices delete themselves
    shutdown_deadline: float = Field(default=10.0, ge=0)
    # Updates handled at once by a gateway (a streaming reply holds one for its whole length);
    # past it, polling waits instead of piling up tasks without bound.
    gateway_concurrency: int = Field(default=512, ge=1, le=100_000)
    # Jobs in flight share their Redis round trips (store/round_trips.py): more of them, fewer
    # round trips per job (16 -> 64: about a fifth less CPU per message in the throughput bench).
    # The LLM judge bounds its own calls (judge_concurrency).
    worker_concurrency: int = Field(default=64, ge=1, le=256)
    # The moderation job stream is split into this many partitions by chat (jobs/partitions.py):
    # on a Redis Cluster they spread over the nodes; each worker process serves all of them.
    job_partitions: int = Field(default=4, ge=1, le=256)
    judge_concurrency: int = Field(default=8, ge=1, le=256)  # most LLM judge calls at once, per process
    judge_batch: int = Field(default=8, ge=1, le=64)  # most messages judged in one LLM call
    judge_max_tokens: int = Field(default=160, ge=16, le=4096)  # answer tokens per judged message
    # A message the offline tiers could not settle waits this long (from its intake) for the judge.
    judge_deadline: float = Field(default=600.0, gt=0)
    # Media spam: a picture within this many bits (of 64) of one marked /spam is its copy.
    media_hash_distance: int = Field(default=10, ge=0, le=32)
    # Largest file downloaded to hash it (getFile's size, checked before fetching).
    media_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=20 * 1024 * 1024)
    # Reaction spam: a newcomer reacting to more than REACTION_SPREE_COUNT messages within
    # REACTION_SPREE_WINDOW seconds is held from reacting for REACTION_RESTRICT seconds.
    reaction_spree_count: int = Field(default=8, ge=2, le=1000)
    reaction_spree_window: float = Field(default=60.0, gt=0, le=86400)
    reaction_restrict: int = Field(default=3600, ge=30, le=366 * 86400)
    job_max_attempts: int = Field(default=5, ge=1)
    # A worker re-reads its own unfinished jobs at start by this name; give each worker process on
    # one host its own name. Jobs of a consumer silent for `job_reclaim_idle` s go to another.
    worker_name: str = Field(default_factory=socket.gethostname, pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    job_reclaim_idle: float = Field(default=60.0, gt=0)
    # Deferrals that are not failures (Telegram retry_after and 5xx, a busy claim) do not use up
    # JOB_MAX_ATTEMPTS; a job first enqueued longer ago than this is dead-lettered instead.
    job_defer_max_age: float = Field(default=6 * 3600.0, gt=0)
    # Lease of the claim on one message's enforcement: a process killed between claim and act
    # delays that message's action by at most this much.
    action_claim_lease: float = Field(default=15.0, gt=0, le=300)
    # Newcomer gate: a CAS-compatible ban list (e.g. https://api.cas.chat); unset = off. Its answer
    # is awaited at most `cas_timeout` s (capped at 1 s) so it never holds a join decision up.
    cas_url: str | None = None
    cas_timeout: float = Field(default=1.0, gt=0, le=1.0)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: str) -> str:
        # The bot's id before the colon is digits; aiogram refuses anything else with a traceback.
        if value and not _TOKEN.fullmatch(value):
            raise ValueError(
                "must look like 123456:ABC-token (the bot's numeric id, a colon, the secret) as @BotFather gives it"
            )
        return value

    @field_validator("console_url")
    @classmethod
    def _console_url(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be the console's address starting with https:// or http://")
        return value.rstrip("/")

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("must be the public https:// address Telegram posts updates to")
        return value

    @field_validator("telegram_api_url", "llm_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("cas_url")
    @classmethod
    def _cas_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("moderation_base_url", "llm_fallback_base_url", "llm_fallback_model", "moderation_api_key")
    @classmethod
    def _optional(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or value == "":
            return None  # an empty variable means "unset", as for the other optional settings
        if (info.field_name or "").endswith("_base_url"):
            if not value.startswith(("http://", "https://")):
                raise ValueError("must start with http:// or https://")
            return value.rstrip("/")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("redis://", "rediss://", "unix://", "redis+cluster://", "rediss+cluster://")):
            raise ValueError("must start with redis://, rediss://, unix://, redis+cluster:// or rediss+cluster://")
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 - raises on a port that is not a number
        except ValueError:
            raise ValueError("has a port that is not a number; write redis://host:6379/0") from None
        if value.startswith("redis") and not parts.hostname:
            raise ValueError("has no host; write redis://host:6379/0") from None
        return value

    @model_validator(mode="after")
    def _metrics_token(self) -> Settings:
        if self.metrics_require_token and not self.dashboard_token:
            raise ValueError(
                "METRICS_REQUIRE_TOKEN is on but DASHBOARD_TOKEN is empty; set DASHBOARD_TOKEN "
                "(Prometheus sends it as a bearer token)"
            )
        return self


class SettingsError(Exception):
    """A setting is missing or wrong; the message is one line a person can act on."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        if not first["loc"]:  # a check across settings names them itself
            raise SettingsError(str(first["msg"]).removeprefix("Value error, ")) from None
        name = str(first["loc"][0]).upper()
        message = str(first["msg"]).removeprefix("Value error, ")
        raise SettingsError(f"setting {name} is invalid: {message}") from None


class StartupError(SettingsError):
    """The environment refused a start (a port in use, Telegram unreachable); one actionable line."""


def web_bind_error(host: str, port: int, exc: OSError) -> str:
    """The one line for a WEB_HOST/WEB_PORT that cannot be bound."""
    if exc.errno == errno.EADDRINUSE:
        return (
            f"WEB_PORT {port} on {host} is already in use by another program: stop it, "
            f"or set WEB_PORT to a free port (0 picks one)"
        )
    return (
        f"cannot listen on WEB_HOST {host} port {port} ({exc.strerror or exc}): set WEB_HOST to an address of this host"
    )
