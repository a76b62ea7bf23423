async def test_embedded_and_external_redis_round_trip(any_redis, keys):
    await any_redis.set(keys.message(1, 2), "x")
    assert await any_redis.get(keys.message(1, 2)) == "x"
