"""The Redis client's write timeout holds without redis-py's per-send task (store/redis.py)."""

from __future__ import annotations

import asyncio
import time

import pytest
import redis.asyncio as aioredis
from redis.exceptions import DataError
from redis.exceptions import TimeoutError as RedisTimeoutError

from luka_bot.store.redis import _PackInC, _SendWithoutTask, _without_send_task, open_redis


async def test_a_server_that_stops_reading_gives_a_timeout_not_a_hang() -> None:
    accepted: list[asyncio.StreamWriter] = []

    async def never_read(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)  # keep the socket open and never read: the send buffer fills up

    server = await asyncio.start_server(never_read, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    pool = aioredis.ConnectionPool.from_url(f"redis://127.0.0.1:{port}/0", socket_timeout=0.5)
    _without_send_task(pool)
    client = aioredis.Redis(connection_pool=pool)
    try:
        started = time.monotonic()
        with pytest.raises(RedisTimeoutError):
            await client.set("k", "x" * (64 * 1024 * 1024))  # far beyond any socket buffer
        assert time.monotonic() - started < 10
        # The timed-out connection was dropped, and its class kept the real timeout for the next use.
        connection = pool.make_connection()
        assert isinstance(connection, _SendWithoutTask)
        assert connection.socket_timeout == 0.5
    finally:
        await client.aclose()
        await pool.disconnect()
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_the_app_client_sends_through_the_lean_connection(embedded_redis_url, tmp_path) -> None:
    handle = await open_redis(embedded_redis_url, tmp_path)
    try:
        assert isinstance(handle.client.connection_pool.make_connection(), _SendWithoutTask)
        async with handle.client.pipeline(transaction=True) as pipe:
            pipe.set("luka-test:lean", "1", ex=60)
            pipe.get("luka-test:lean")
            assert await pipe.execute() == [True, "1"]
    finally:
        await handle.close()


@pytest.mark.parametrize("fsync", ["always", "everysec"])
async def test_the_embedded_valkey_runs_with_the_chosen_fsync_and_keeps_data(tmp_path, fsync: str) -> None:
    handle = await open_redis(None, tmp_path, fsync)
    try:
        assert (await handle.client.config_get("appendfsync"))["appendfsync"] == fsync
        await handle.client.set("kept", "yes")
        # A clean stop and a new start on the same DATA_DIR bring the write back from the AOF.
    finally:
        await handle.close()
    handle = await open_redis(None, tmp_path, fsync)
    try:
        assert await handle.client.get("kept") == "yes"
    finally:
        await handle.close()


def test_an_unknown_fsync_mode_is_refused_with_its_name(tmp_path) -> None:
    from luka_bot.store.redis import EmbeddedValkey, StorageError

    with pytest.raises(StorageError, match="REDIS_FSYNC"):
        EmbeddedValkey(tmp_path, "never")


COMMANDS = [
    ("SET", "key", "value"),
    ("HSET", "h", "field", "привет, мир ✅", "n", 42, "neg", -7, "big", 2**70),
    ("EVALSHA", "a" * 40, 2, "k1", "k2", "", "1e6"),
    ("XADD", "stream", "MAXLEN", "~", 1000, "*", "f", b"\x00\xffraw"),
    ("CONFIG GET", "maxmemory"),  # a command name of two words is split, as redis-py does
    (b"CLIENT SETNAME", "luka"),
    ("ZADD", "z", 1.5, "m", 1e20, "n", float("inf"), "o"),  # floats: redis-py's own packer
    ("SET", "k", "x" * 10_000),  # above redis-py's buffer cutoff: it sends chunks, same bytes
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: str(c[0]))
def test_commands_go_out_as_the_same_bytes_redis_py_would_send(command: tuple[object, ...]) -> None:
    pool = aioredis.ConnectionPool.from_url("redis://127.0.0.1:1/0")
    _without_send_task(pool)
    ours = pool.make_connection()
    assert isinstance(ours, _PackInC)
    plain = aioredis.Connection(host="127.0.0.1", port=1)
    assert b"".join(ours.pack_command(*command)) == b"".join(plain.pack_command(*command))
    assert b"".join(ours.pack_commands([command, command])) == b"".join(plain.pack_commands([command, command]))


@pytest.mark.parametrize("bad", [True, None, object()])
def test_arguments_redis_py_refuses_are_still_refused(bad: object) -> None:
    pool = aioredis.ConnectionPool.from_url("redis://127.0.0.1:1/0")
    _without_send_task(pool)
    with pytest.raises(DataError):
        pool.make_connection().pack_command("SET", "k", bad)
