"""In-memory verdict cache and LLM budget for tests and `eval`; Redis-backed ones live in store/."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from luka_bot.moderation.verdict import Verdict


class InMemoryVerdictCache:
    def __init__(
        self, max_items: int = 10_000, ttl_s: float = 24 * 3600, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._items: OrderedDict[str, tuple[float, Verdict]] = OrderedDict()
        self._max_items = max_items
        self._ttl_s = ttl_s
        self._clock = clock

    async def get(self, key: str) -> Verdict | None:
        item = self._items.get(key)
        if item is None:
            return None
        stored_at, verdict = item
        if self._clock() - stored_at > self._ttl_s:
            del self._items[key]
            return None
        return verdict

    async def put(self, key: str, verdict: Verdict) -> None:
        self._items[key] = (self._clock(), verdict)
        self._items.move_to_end(key)
        while len(self._items) > self._max_items:
            self._items.popitem(last=False)


class InMemoryLlmBudget:
    """Counts LLM calls per group per UTC day."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._spent: dict[tuple[int, int], int] = {}
        self._clock = clock

    async def try_spend(self, chat_id: int, daily_limit: int) -> bool:
        key = (chat_id, int(self._clock() // 86400))
        spent = self._spent.get(key, 0)
        if spent >= daily_limit:
            return False
        self._spent[key] = spent + 1
        return True
