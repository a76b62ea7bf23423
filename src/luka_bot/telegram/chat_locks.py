"""One asyncio lock per chat, kept only while someone holds or waits for it.

A `defaultdict(asyncio.Lock)` keeps a lock for every chat that ever needed one; here the table
holds its locks weakly: `async with locks[chat_id]` keeps the lock alive while it is held or
awaited, and an idle chat costs nothing. Two tasks asking at once still get the same lock.
"""

from __future__ import annotations

import asyncio
import weakref


class ChatLocks:
    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    def __getitem__(self, chat_id: int) -> asyncio.Lock:
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[chat_id] = lock
        return lock

    def __len__(self) -> int:
        return len(self._locks)
