"""Shared fixtures: real Redis-protocol servers, isolated per test by a key prefix.

`redis` is the embedded Valkey (always available). `any_redis` runs a test once against the
embedded Valkey and once more against the server at REDIS_URL when one is set (CI does that
where a Redis runs), so storage code is checked on both backends with the same assertions.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import cast

import pytest
import redis.asyncio as aioredis

from luka_bot.store.keys import Keys
from luka_bot.store.local_cluster import LocalCluster
from luka_bot.store.redis import EmbeddedValkey, cluster_client, cluster_url


@pytest.fixture(scope="session")
def embedded_redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("LUKA_TEST_CROSSSLOT_CHECK"):
        # A one-node Redis Cluster reached through the cluster client: any script or MULTI whose
        # keys span slots fails with CROSSSLOT, as on a real cluster of many nodes
        # (`LUKA_TEST_CROSSSLOT_CHECK=1 pytest tests/e2e` audits the key layout).
        cluster = LocalCluster(Path(tmp_path_factory.mktemp("valkey")), nodes=1)
        cluster.start()
        yield cluster.url
        cluster.stop()
        return
    server = EmbeddedValkey(Path(tmp_path_factory.mktemp("valkey")))
    server.start()
    yield server.url
    server.stop()


@pytest.fixture
def keys() -> Keys:
    return Keys(prefix=f"t{uuid.uuid4().hex[:10]}")


async def _client(url: str, keys: Keys) -> AsyncIterator[aioredis.Redis]:
    seed = cluster_url(url)
    client = cast(aioredis.Redis, cluster_client(seed)) if seed else aioredis.from_url(url, decode_responses=True)
    try:
        yield client
    finally:
        async for key in client.scan_iter(match=f"{keys.prefix}:*", count=500):
            await client.delete(key)
        await client.aclose()


@pytest.fixture
async def redis(embedded_redis_url: str, keys: Keys) -> AsyncIterator[aioredis.Redis]:
    async for client in _client(embedded_redis_url, keys):
        yield client


@pytest.fixture(params=["embedded", "external"])
async def any_redis(
    request: pytest.FixtureRequest, embedded_redis_url: str, keys: Keys
) -> AsyncIterator[aioredis.Redis]:
    if request.param == "external":
        url = os.environ.get("REDIS_URL")
        if not url:
            pytest.skip("REDIS_URL not set: no external Redis to test against")
    else:
        url = embedded_redis_url
    async for client in _client(url, keys):
        yield client


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The real LLM server is one CPU-bound process with one slot: its tests run on one xdist
    # worker (`--dist loadgroup` in pyproject), one after the other, never two servers at once.
    for item in items:
        if item.get_closest_marker("real_llm") is not None:
            item.add_marker(pytest.mark.xdist_group("real_llm"))
