async def test_embedded_and_external_redis_round_trip(any_redis, keys):
    await any_redis.set(keys.message(1, 2), "x")
    assert await any_redis.get(keys.message(1, 2)) == "x"


async def test_concurrent_settings_changes_are_all_kept(any_redis, keys):
    import asyncio

    from luka_bot.store.group_settings import GroupSettingsRepository

    repo = GroupSettingsRepository(any_redis, keys)
    other = GroupSettingsRepository(any_redis, keys)  # another process, its own cache
    await asyncio.gather(
        repo.update(-1, lambda s: s.model_copy(update={"rules_text": "no spam"})),
        other.update(-1, lambda s: s.model_copy(update={"persona_prompt": "a pirate"})),
        repo.update(-1, lambda s: s.model_copy(update={"dry_run": True})),
    )
    stored = await GroupSettingsRepository(any_redis, keys).get(-1)
    assert (stored.rules_text, stored.persona_prompt, stored.dry_run) == ("no spam", "a pirate", True)


async def test_llm_budget_is_shared_and_stops_at_the_limit(any_redis, keys):
    from luka_bot.store.moderation_state import RedisLlmBudget

    first, second = RedisLlmBudget(any_redis, keys), RedisLlmBudget(any_redis, keys)
    spent = [await (first if n % 2 else second).try_spend(-5, daily_limit=3) for n in range(5)]
    assert spent == [True, True, True, False, False]
    assert await first.try_spend(-6, daily_limit=3), "each group has its own budget"


async def test_verdict_cache_round_trip_and_garbage_is_a_miss(any_redis, keys):
    from luka_bot.moderation.verdict import Action, Category, Tier, Verdict
    from luka_bot.store.moderation_state import RedisVerdictCache

    cache = RedisVerdictCache(any_redis, keys)
    verdict = Verdict(Action.DELETE, Category.SCAM, 0.9, "fake giveaway", Tier.LLM, details=(("rule", "x"),))
    await cache.put("h1", verdict)
    assert await cache.get("h1") == verdict
    await any_redis.set(keys.verdict_cache("h2"), "{not json")
    assert await cache.get("h2") is None and await cache.get("missing") is None


async def test_taught_samples_keep_the_newest_up_to_the_cap(any_redis, keys):
    from luka_bot.moderation.learning import LabeledSample, SampleLabel
    from luka_bot.store.moderation_state import RedisSampleStore

    store = RedisSampleStore(any_redis, keys, limit=3)
    for n in range(5):
        await store.add(-7, LabeledSample(f"text {n}", SampleLabel.SPAM if n % 2 else SampleLabel.HAM))
    assert [s.text for s in await store.load(-7)] == ["text 2", "text 3", "text 4"]
    assert (await store.load(-7))[1].label is SampleLabel.SPAM


def test_a_second_bot_on_the_same_data_dir_is_refused_and_the_first_keeps_its_storage(tmp_path):
    import subprocess
    import sys

    import pytest

    from luka_bot.store.redis import EmbeddedValkey, StorageError

    # The first owner is another process, as a second `luka-bot run` would find it.
    owner = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, time; from pathlib import Path; from luka_bot.store.redis import EmbeddedValkey;"
                f"s = EmbeddedValkey(Path({str(tmp_path)!r})); s.start(); print('PORT', s.port, flush=True); time.sleep(60)"
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = next(int(line.split()[1]) for line in owner.stdout if line.startswith("PORT "))
        with pytest.raises(StorageError, match="in use by another running luka-bot"):
            EmbeddedValkey(tmp_path).start()
        import socket

        with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            assert sock.recv(16).startswith(b"+PONG"), "the first bot's Valkey still runs"
    finally:
        owner.kill()
        owner.wait()
