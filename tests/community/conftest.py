from __future__ import annotations

import pytest
from redis.asyncio import BlockingConnectionPool, Redis

from luka_bot.community.reputation import ReputationStore
from luka_bot.community.sanctions import SanctionStore

START = 1_700_000_000.0


class FakeClock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def reputation(redis, keys, clock) -> ReputationStore:
    return ReputationStore(redis, keys, clock=clock)


@pytest.fixture
def sanctions(redis, keys, clock) -> SanctionStore:
    return SanctionStore(redis, keys, clock=clock)


@pytest.fixture
async def burst_redis(any_redis):
    """A client that queues commands beyond its pool instead of failing, as a busy worker's should.

    redis-py's default pool raises MaxConnectionsError past 100 commands in flight; the bursts
    below send 200-600 at once over 64 connections, interleaving on the server as real workers do.
    """
    source = any_redis.connection_pool
    pool = BlockingConnectionPool(
        connection_class=source.connection_class, max_connections=64, timeout=30, **source.connection_kwargs
    )
    client = Redis(connection_pool=pool)
    yield client
    await client.aclose()
    await pool.aclose()


@pytest.fixture
def any_reputation(burst_redis, keys, clock) -> ReputationStore:
    return ReputationStore(burst_redis, keys, clock=clock)
