"""Settings from the environment and `.env`; the names are the contract in SANDBOX_API.md.

Read once, in the CLI, and passed to `build_app`; nothing else reads the environment.
"""

from __future__ import annotations

import socket
from enum import StrEnum
from pathlib import Path

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from luka_bot.policy.group import JudgeMode


class Role(StrEnum):
    ALL = "all"
    GATEWAY = "gateway"
    WORKER = "worker"


DEFAULT_LLM_BASE_URL = "http://127.0.0.1:11434/v1"  # Ollama's OpenAI-compatible endpoint


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: str = Field(default="", description="bot token from BotFather")
    telegram_api_url: str = "https://api.telegram.org"
    redis_url: str | None = None
    redis_key_prefix: str = Field(default="luka", pattern=r"^[A-Za-z0-9_.-]{1,32}$")
    data_dir: Path = Path("./data")
    llm_base_url: str = DEFAULT_LLM_BASE_URL
    llm_api_key: str = ""
    assistant_model: str = "qwen2.5:7b-instruct"
    moderation_model: str = "qwen2.5:7b-instruct"
    web_port: int = Field(default=8090, ge=0, le=65535)
    dashboard_token: str = ""   # unset: the dashboard is off (it shows members' messages)
    llm_judge: JudgeMode = JudgeMode.UNCERTAIN
    log_format: str = Field(default="json", pattern="^(json|console)$")
    log_level: str = Field(default="INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    # Timeouts and pacing: seconds unless named otherwise.
    llm_timeout: float = Field(default=60.0, gt=0)
    judge_timeout: float = Field(default=20.0, gt=0)
    stream_edit_interval: float = Field(default=1.5, ge=0)
    notice_lifetime: float = Field(default=60.0, gt=0)   # public moderation notices delete themselves
    shutdown_deadline: float = Field(default=10.0, ge=0)
    # Updates handled at once by a gateway (a streaming reply holds one for its whole length);
    # past it, polling waits instead of piling up tasks without bound.
    gateway_concurrency: int = Field(default=512, ge=1, le=100_000)
    worker_concurrency: int = Field(default=16, ge=1, le=256)
    judge_concurrency: int = Field(default=8, ge=1, le=256)   # LLM judge calls at once, per process
    job_max_attempts: int = Field(default=5, ge=1)
    # A worker re-reads its own unfinished jobs at start by this name; give each worker process on
    # one host its own name. Jobs of a consumer silent for `job_reclaim_idle` s go to another.
    worker_name: str = Field(default_factory=socket.gethostname, pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
    job_reclaim_idle: float = Field(default=60.0, gt=0)
    # Newcomer gate: a CAS-compatible ban list (e.g. https://api.cas.chat); unset = off. Its answer
    # is awaited at most `cas_timeout` s (capped at 1 s) so it never holds a join decision up.
    cas_url: str | None = None
    cas_timeout: float = Field(default=1.0, gt=0, le=1.0)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: str) -> str:
        if value and (":" not in value or value.startswith(":") or value.endswith(":")):
            raise ValueError("must look like 123456:ABC-token (digits, a colon, the secret)")
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

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value


class SettingsError(Exception):
    """A setting is missing or wrong; the message is one line a person can act on."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        raise SettingsError(f"setting {name} is invalid: {first['msg']}") from None
