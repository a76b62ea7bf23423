"""Group settings cost no memory per idle group: one shared default, a bounded LRU with a TTL."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from luka_bot.policy.group import GroupSettings, JudgeMode
from luka_bot.store.group_settings import GroupSettingsRepository


async def test_groups_on_defaults_share_one_instance_and_a_change_is_their_own(any_redis, keys) -> None:
    repo = GroupSettingsRepository(any_redis, keys, default_judge="off")
    first, second = await repo.get(-1001), await repo.get(-1002)
    assert first is second and first.llm_judge is JudgeMode.OFF
    changed = await repo.update(-1001, lambda s: s.model_copy(update={"dry_run": True}))
    assert changed.dry_run and (await repo.get(-1001)).dry_run
    assert not (await repo.get(-1002)).dry_run  # the shared default was not touched
    with pytest.raises(ValidationError):
        first.dry_run = True  # type: ignore[misc]  # frozen: nobody can change it for every group


async def test_the_cache_keeps_at_most_its_size_and_still_answers_for_the_rest(any_redis, keys) -> None:
    repo = GroupSettingsRepository(any_redis, keys, cache_size=3)
    await repo.save(-2001, GroupSettings(language="ru"))
    for chat in range(-2002, -2012, -1):
        await repo.get(chat)
    assert sum(repo.cached(chat) is not None for chat in range(-2001, -2012, -1)) <= 3
    assert (await repo.get(-2001)).language.value == "ru"  # evicted, read again from Redis
