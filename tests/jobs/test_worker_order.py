"""A worker with an order key runs the jobs of one key one after another, in stream order, while
jobs of other keys run beside them; batched acks still acknowledge every job once."""

from __future__ import annotations

import asyncio

from luka_bot.jobs import Job, JobQueue, Worker
from luka_bot.store.round_trips import RoundTrips
from tests.helpers import wait_for


async def test_one_keys_jobs_run_in_order_while_other_keys_run_beside_them(redis, keys) -> None:
    queue = JobQueue(redis, keys)
    await queue.ensure_group()
    release_first = asyncio.Event()
    started: list[str] = []
    finished: list[str] = []

    async def handler(job: Job) -> None:
        name = job.fields["name"]
        started.append(name)
        if name == "ann-1":
            await release_first.wait()  # ann's first message is slow (the judge, say)
        finished.append(name)

    for name, member in (("ann-1", "ann"), ("ann-2", "ann"), ("bob-1", "bob"), ("ann-3", "ann")):
        await queue.enqueue({"name": name, "member": member})
    worker = Worker(
        queue,
        handler,
        consumer="w1",
        concurrency=8,
        block_ms=50,
        order_key=lambda job: job.fields["member"],
        round_trips=RoundTrips(redis),
    )
    runner = asyncio.create_task(worker.run())
    try:
        await wait_for(lambda: "bob-1" in finished, timeout=10)
        # bob went on; ann's later messages wait for her first one, however long it takes.
        assert started == ["ann-1", "bob-1"] and finished == ["bob-1"]
        release_first.set()
        await wait_for(lambda: len(finished) == 4, timeout=10)
        assert [name for name in finished if name.startswith("ann")] == ["ann-1", "ann-2", "ann-3"]
        await wait_for(lambda: worker.in_flight == 0, timeout=10)
        stats = await queue.backlog()
        assert (stats.length, stats.pending) == (0, 0)  # every job acknowledged and deleted
    finally:
        await worker.stop(5)
        await runner
