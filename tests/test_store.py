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
