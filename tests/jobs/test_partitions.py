"""The moderation queue split by chat: routing, the summed backlog, and jobs an older version left."""

from __future__ import annotations

import json

from luka_bot.jobs.partitions import PartitionedQueue, adopt_legacy_queues, partition_of
from luka_bot.jobs.queue import JobQueue


async def test_a_chat_always_goes_to_the_same_partition_and_chats_spread(redis, keys):
    queue = PartitionedQueue(redis, keys, 4)
    chats = [-1001000000000 - n for n in range(40)]
    for chat in chats:
        await queue.for_chat(chat).enqueue({"chat_id": str(chat), "message_id": "1"})
        await queue.for_chat(chat).enqueue({"chat_id": str(chat), "message_id": "2"})
    lengths = [await redis.xlen(partition.names.stream) for partition in queue.partitions]
    assert sum(lengths) == 80 and all(length > 0 for length in lengths)
    assert (await queue.backlog()).length == 80
    for partition in queue.partitions:
        await partition.ensure_group()
    # A chat's jobs are in one stream, in the order they were taken in.
    jobs = await queue.for_chat(chats[0]).read("c", 100, 0)
    mine = [job.fields["message_id"] for job in jobs if job.fields["chat_id"] == str(chats[0])]
    assert mine == ["1", "2"]
    assert partition_of(chats[0], 4) == partition_of(chats[0], 4)


async def test_jobs_left_in_the_single_stream_of_an_older_version_move_to_their_partitions(redis, keys):
    old_jobs, old_notices = keys.legacy_queues
    await redis.xadd(old_jobs.stream, {"chat_id": "-1001", "message_id": "7", "revision": "0"})
    await redis.xgroup_create(old_jobs.stream, old_jobs.group, id="0")
    # One of them was delivered to a consumer of the old process and never acknowledged.
    await redis.xadd(old_jobs.stream, {"chat_id": "-1002", "message_id": "8", "revision": "0"})
    await redis.xreadgroup(old_jobs.group, "old-worker", {old_jobs.stream: ">"}, count=1)
    await redis.zadd(old_jobs.delayed, {json.dumps({"chat_id": "-1003", "message_id": "9"}): 123.0})
    await redis.xadd(old_notices.stream, {"kind": "member", "chat_id": "-1001"})
    jobs = PartitionedQueue(redis, keys, 4)
    notices = JobQueue(redis, keys, names=keys.notice_queue)

    assert await adopt_legacy_queues(redis, keys, jobs, notices) == 4
    for chat, message in ((-1001, "7"), (-1002, "8")):
        entries = await redis.xrange(jobs.for_chat(chat).names.stream)
        assert [fields["message_id"] for _, fields in entries if fields["chat_id"] == str(chat)] == [message]
    assert await redis.zrange(jobs.for_chat(-1003).names.delayed, 0, -1, withscores=True) == [
        (json.dumps({"chat_id": "-1003", "message_id": "9"}), 123.0)
    ]
    assert [fields["kind"] for _, fields in await redis.xrange(notices.names.stream)] == ["member"]
    assert not await redis.exists(old_jobs.stream, old_jobs.delayed, old_notices.stream)
    assert await adopt_legacy_queues(redis, keys, jobs, notices) == 0
