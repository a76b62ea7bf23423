"""aiogram's FSM storage for a bot that keeps no FSM state in process.

The dispatcher runs with `disable_fsm=True`, so aiogram's FSM middleware does not ask for state
on every update; this storage is what it holds all the same. aiogram's default `MemoryStorage`
answers from a `defaultdict`, so a read alone creates a record for every member of every chat the
bot ever saw, kept forever (~300 bytes each).
Every multi-step flow of this bot (settings edits, captchas, cases) keeps its state in Redis, so
nothing here needs the FSM: reads answer "no state" and store nothing, and a write fails loudly,
because a state kept in process would vanish on a restart and differ between workers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey


class StatelessStorage(BaseStorage):
    async def get_state(self, key: StorageKey) -> str | None:
        return None

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        return {}

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        if state is not None:
            raise NotImplementedError("FSM states are not kept in process: keep a flow's state in Redis")

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        if data:
            raise NotImplementedError("FSM data is not kept in process: keep a flow's state in Redis")

    async def close(self) -> None:
        return None
