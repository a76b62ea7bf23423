"""Callers of one event-loop turn share one round trip, and each sees only its own replies."""

from __future__ import annotations

import asyncio

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from luka_bot.store.round_trips import RoundTrips, Script

INCR_BY = Script.of("return redis.call('INCRBY', KEYS[1], ARGV[1])")


async def test_callers_of_one_turn_share_one_round_trip_and_get_their_own_replies(redis, keys) -> None:
    sizes: list[int] = []
    trips = RoundTrips(redis, on_round_trip=sizes.append)

    async def caller(n: int) -> list[object]:
        key = f"{keys.prefix}:rt:{n}"
        return await trips.send(lambda pipe: (pipe.set(key, n), pipe.incr(key), pipe.get(key)))

    replies = await asyncio.gather(*(caller(n) for n in range(20)))

    assert replies == [[True, n + 1, str(n + 1)] for n in range(20)]
    assert sizes == [60]  # twenty callers, three commands each, one pipeline


async def test_an_error_reaches_only_the_caller_whose_command_failed(redis, keys) -> None:
    trips = RoundTrips(redis)
    text_key = f"{keys.prefix}:rt:text"
    await redis.set(text_key, "not a number")

    good, bad = await asyncio.gather(
        trips.send(lambda pipe: pipe.incr(f"{keys.prefix}:rt:n")),
        trips.send(lambda pipe: pipe.incr(text_key)),
        return_exceptions=True,
    )

    assert good == [1]
    assert isinstance(bad, ResponseError)


async def test_a_script_the_server_lost_is_loaded_and_run_exactly_once(redis, keys) -> None:
    trips = RoundTrips(redis)
    key = f"{keys.prefix}:rt:script"
    await redis.script_flush()

    first, second = await asyncio.gather(
        trips.call(INCR_BY, [key], [5]), trips.send(lambda pipe: INCR_BY.queue(pipe, [key], [7]))
    )

    assert first == 5 and second == [12]  # both ran once, in order, after one NOSCRIPT each
    assert int(await redis.get(key)) == 12
    assert await trips.call(INCR_BY, [key], [1]) == 13  # loaded now: EVALSHA goes straight through


async def test_a_connection_fault_fails_every_caller_of_the_batch(keys) -> None:
    import redis.asyncio as aioredis

    dead = aioredis.Redis(host="127.0.0.1", port=1, decode_responses=True, socket_connect_timeout=0.5)
    trips = RoundTrips(dead)
    try:
        results = await asyncio.gather(
            *(trips.send(lambda pipe: pipe.get(f"{keys.prefix}:x")) for _ in range(3)), return_exceptions=True
        )
    finally:
        await dead.aclose()
    assert all(isinstance(r, RedisConnectionError | OSError) for r in results), results


async def test_a_script_on_a_plain_transaction_is_sent_with_its_body(redis, keys) -> None:
    key = f"{keys.prefix}:rt:plain"
    await redis.script_flush()
    async with redis.pipeline(transaction=True) as pipe:
        INCR_BY.queue(pipe, [key], [3])
        assert (await pipe.execute()) == [3]


@pytest.mark.parametrize("commands", [0, 1])
async def test_a_caller_with_nothing_or_one_command_is_answered(redis, keys, commands: int) -> None:
    trips = RoundTrips(redis)
    replies = await trips.send(lambda pipe: [pipe.ping() for _ in range(commands)])
    assert replies == [True] * commands
