"""Helpers every test folder may use."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, cast

import redis.asyncio as aioredis

from luka_bot.store.redis import cluster_client, cluster_url


async def wait_for(check: Callable[[], Awaitable[Any] | Any], *, timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll `check` (sync or async) until it returns something truthy and return that; fail with
    the last value seen. The one way tests wait for an event they cannot subscribe to: a fixed
    sleep either wastes time or, under load, passes before the event happened."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        last = check()
        if inspect.isawaitable(last):
            last = await last
        if last:
            return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"condition not met within {timeout} s; last value: {last!r}")
        await asyncio.sleep(interval)


def redis_client(url: str) -> aioredis.Redis:
    """A client for `url`, a plain server or (redis+cluster://, the cross-slot audit) a cluster."""
    seed = cluster_url(url)
    return cast(aioredis.Redis, cluster_client(seed)) if seed else aioredis.from_url(url, decode_responses=True)
