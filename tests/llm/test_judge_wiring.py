"""The judge's servers from the settings: MODERATION_BASE_URL (default the assistant's), then
LLM_FALLBACK_BASE_URL with LLM_FALLBACK_MODEL."""

from __future__ import annotations

import socket

import pytest

from luka_bot.app import build_judge_llm
from luka_bot.llm import LlmClient
from luka_bot.moderation.judge import LlmJudge
from luka_bot.moderation.verdict import ModerationRequest, Tier
from luka_bot.sandbox.llm_emulator import start_llm_emulator
from luka_bot.settings import SettingsError, load_settings

MESSAGE = ModerationRequest(chat_id=-1, message_id=1, user_id=1, text="free money https://x.example")


@pytest.fixture
async def servers():
    started = [await start_llm_emulator("127.0.0.1", 0) for _ in range(2)]
    yield [(emulator, f"http://127.0.0.1:{port}/v1") for emulator, _, port in started]
    for _, runner, _ in started:
        await runner.cleanup()


def dead_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/v1"


async def judge_once(settings, metrics=None):
    assistant = LlmClient(settings.llm_base_url, settings.llm_api_key, timeout=2.0)
    chain, fallback = build_judge_llm(settings, assistant, metrics)
    try:
        return await LlmJudge(chain, settings.moderation_model, timeout=2.0).judge(MESSAGE), chain
    finally:
        for client in {assistant, chain.primary, fallback}:
            if client is not None:
                await client.aclose()


async def test_by_default_the_judge_uses_the_assistants_server(servers) -> None:
    (assistant, assistant_url), _ = servers
    verdict, chain = await judge_once(load_settings(llm_base_url=assistant_url, moderation_model="emulated-judge"))
    assert verdict.tier is Tier.LLM and len(assistant.requests) == 1 and chain.fallback is None


async def test_moderation_base_url_sends_judging_elsewhere(servers) -> None:
    (assistant, assistant_url), (moderation, moderation_url) = servers
    verdict, _ = await judge_once(
        load_settings(llm_base_url=assistant_url, moderation_base_url=moderation_url, moderation_model="emulated-judge")
    )
    assert verdict.tier is Tier.LLM
    assert assistant.requests == [] and len(moderation.requests) == 1


async def test_the_fallback_takes_over_per_call_with_its_own_model(servers) -> None:
    (backup, backup_url), _ = servers
    verdict, _ = await judge_once(
        load_settings(
            llm_base_url=dead_url(),
            llm_fallback_base_url=backup_url,
            llm_fallback_model="backup-judge",
            moderation_model="emulated-judge",
        )
    )
    assert verdict.tier is Tier.LLM
    (sent,) = backup.requests
    assert sent["model"] == "backup-judge"


def test_empty_optional_settings_mean_unset_and_bad_urls_are_refused() -> None:
    settings = load_settings(moderation_base_url="", llm_fallback_base_url="", llm_fallback_model="")
    assert settings.moderation_base_url is None and settings.llm_fallback_base_url is None
    assert settings.llm_fallback_model is None
    with pytest.raises(SettingsError, match="LLM_FALLBACK_BASE_URL"):
        load_settings(llm_fallback_base_url="ftp://nowhere")
    with pytest.raises(SettingsError, match="JUDGE_BATCH"):
        load_settings(judge_batch=0)
