"""What the bot keeps in process per chat is bounded: idle chats and members cost nothing for good.

A bot in 100,000 groups must not hold a record for each group or member it ever saw; each
structure keyed by chat either forgets idle chats, is capped, or keeps nothing at all.
"""

from __future__ import annotations

import asyncio
import gc

import pytest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey

from luka_bot.moderation.learning import GroupLearning, InMemorySampleStore, SampleLabel
from luka_bot.moderation.media_hash import HashSet
from luka_bot.store.media_blocklist import MediaBlocklist
from luka_bot.telegram.chat_locks import ChatLocks
from luka_bot.telegram.fsm_storage import StatelessStorage


class CountingStore(InMemorySampleStore):
    def __init__(self) -> None:
        super().__init__()
        self.loads: list[int] = []

    async def load(self, chat_id: int):  # type: ignore[no-untyped-def]
        self.loads.append(chat_id)
        return await super().load(chat_id)


async def test_learned_models_are_kept_for_at_most_max_groups_and_the_oldest_is_rebuilt() -> None:
    store = CountingStore()
    await GroupLearning(store).add_sample(1, "buy followers cheap", SampleLabel.SPAM)
    learning = GroupLearning(store, max_groups=100)
    for chat in range(1, 151):  # 50 more groups than the cap
        await learning.model_for(chat)
    assert learning.cached_groups == 100
    store.loads.clear()
    assert len(await learning.model_for(150)) == 0 and store.loads == [], "a recent group is served from memory"
    assert len(await learning.model_for(1)) == 1 and store.loads == [1], "an evicted group is rebuilt, not lost"


async def test_an_idle_groups_model_leaves_after_the_refresh_time() -> None:
    now = [0.0]
    learning = GroupLearning(InMemorySampleStore(), refresh_s=30, clock=lambda: now[0])
    for chat in range(1, 11):
        await learning.model_for(chat)
    assert learning.cached_groups == 10
    now[0] = 31.0
    await learning.model_for(11)
    assert learning.cached_groups == 1, "ten idle groups held nothing after their refresh time"


async def test_media_hashes_are_cached_for_at_most_cache_size_groups(any_redis, keys) -> None:
    blocklist = MediaBlocklist(any_redis, keys, HashSet, cache_size=5)
    await blocklist.add([-3001], "file-a", 0x0F0F0F0F0F0F0F0F)
    for chat in range(-3001, -3021, -1):
        await blocklist.hashes(chat)
    assert blocklist.cached_groups == 5
    assert (await blocklist.hashes(-3001)).nearest(0x0F0F0F0F0F0F0F0F) == 0, "an evicted group is read again"


async def test_a_chat_lock_lives_only_while_held_or_awaited_and_still_serialises() -> None:
    locks = ChatLocks()
    for chat in range(1000):
        async with locks[chat]:
            pass
    gc.collect()
    assert len(locks) == 0, "no lock is kept for a chat nobody is working in"

    inside = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with locks[7]:
            inside.set()
            await release.wait()

    task = asyncio.create_task(holder())
    await inside.wait()
    assert locks[7].locked() and len(locks) == 1, "a second lookup while it is held finds the same lock"
    release.set()
    await task
    gc.collect()
    assert len(locks) == 0


async def test_the_fsm_storage_keeps_nothing_per_member_and_refuses_a_state() -> None:
    storage = StatelessStorage()
    for user in range(1000):
        context = FSMContext(storage, StorageKey(bot_id=1, chat_id=-100, user_id=user))
        assert await context.get_state() is None and await context.get_data() == {}
        await context.clear()  # what a handler ending a flow calls: allowed, stores nothing
    del context
    gc.collect()
    assert not [o for o in gc.get_objects() if isinstance(o, StorageKey)], "no record outlives the read"
    with pytest.raises(NotImplementedError):
        await FSMContext(storage, StorageKey(bot_id=1, chat_id=-100, user_id=1)).set_state("editing")
