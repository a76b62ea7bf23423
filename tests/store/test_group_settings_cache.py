"""The in-process settings cache never lets an older read overwrite a newer save."""

from __future__ import annotations

from luka_bot.store.group_settings import GroupSettingsRepository

CHAT = -100555


async def test_a_read_begun_before_a_save_does_not_cache_the_old_settings(redis, keys) -> None:
    repo = GroupSettingsRepository(redis, keys)
    await repo.save(CHAT, repo.defaults())
    repo.forget(CHAT)
    # Intake reads the settings inside its Redis round trip; an admin saves while it is in flight.
    token = repo.read_token()
    raw = await redis.get(keys.group_settings(CHAT))
    saved = repo.defaults().model_copy(update={"announce_achievements": False})
    await repo.save(CHAT, saved)
    repo.remember(CHAT, repo.parse(CHAT, raw), read_token=token)
    assert repo.cached(CHAT) == saved
    assert (await repo.get(CHAT)).announce_achievements is False


async def test_a_read_with_no_save_meanwhile_is_cached(redis, keys) -> None:
    repo = GroupSettingsRepository(redis, keys)
    await repo.save(CHAT, repo.defaults().model_copy(update={"announce_achievements": False}))
    repo.forget(CHAT)
    token = repo.read_token()
    read = repo.parse(CHAT, await redis.get(keys.group_settings(CHAT)))
    repo.remember(CHAT, read, read_token=token)
    assert repo.cached(CHAT) == read
