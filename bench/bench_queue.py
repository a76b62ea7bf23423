"""Sustained throughput of the moderation job queue: intake (record + dedupe + XADD in one round
trip) feeding a Worker with a no-op handler, on the embedded Valkey (or REDIS_URL / --redis-url).

    .venv/bin/python bench/bench_queue.py --jobs 20000 --producers 8 --concurrency 32

Prints intake/s, end-to-end jobs/s (from the first intake to the last ack) and the peak RSS of
this process (the bot side; the Valkey server is a separate process and its memory is reported
from INFO). The embedded server fsyncs its append-only file on every write, as in production.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from luka_bot.jobs import Job, JobQueue, Worker
from luka_bot.moderation.job import ModerationJob
from luka_bot.store.keys import MESSAGE_TTL, Keys
from luka_bot.store.redis import fields_to_store, open_redis
from luka_bot.store.round_trips import RoundTrips


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _job(message_id: int) -> ModerationJob:
    return ModerationJob(chat_id=-1001, message_id=message_id, user_id=42, text=f"message number {message_id}")


async def _produce(queue: JobQueue, keys: Keys, trips: RoundTrips, first: int, count: int, step: int) -> None:
    # As the gateway does: the producers' intakes of one loop turn share a round trip.
    for update_id in range(first, first + count * step, step):
        job = _job(update_id)
        await trips.send(
            lambda pipe, update_id=update_id, job=job: queue.intake(
                pipe,
                update_id=update_id,
                record_key=keys.message(job.chat_id, update_id),
                record={"text": job.text, "user_id": str(job.user_id), "revision": "0"},
                record_ttl=MESSAGE_TTL,
                job=job.to_fields(),
            )
        )


async def bench(args: argparse.Namespace) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="bench-queue-"))
    handle = await open_redis(args.redis_url, data_dir)
    redis = handle.client
    keys = Keys(prefix=f"bench{uuid.uuid4().hex[:8]}")
    queue = JobQueue(redis, keys)
    await queue.ensure_group()

    done = 0
    all_done = asyncio.Event()

    async def no_op(job: Job) -> None:
        nonlocal done
        ModerationJob.from_fields(job.fields)  # what every real handler does first
        done += 1
        if done >= args.jobs:
            all_done.set()

    trips = RoundTrips(redis)
    worker = Worker(queue, no_op, consumer="bench", concurrency=args.concurrency, block_ms=100, round_trips=trips)
    runner = asyncio.create_task(worker.run())
    per_producer = args.jobs // args.producers
    total = per_producer * args.producers
    args.jobs = total

    started = time.perf_counter()
    await asyncio.gather(
        *(
            _produce(queue, keys, trips, first=p + 1, count=per_producer, step=args.producers)
            for p in range(args.producers)
        )
    )
    intake_s = time.perf_counter() - started
    backlog_after_intake = await queue.backlog()
    await asyncio.wait_for(all_done.wait(), timeout=600)
    total_s = time.perf_counter() - started
    await worker.stop(10)
    await runner

    # The worker alone: a backlog already in the stream (a restart after an outage), drained.
    async with redis.pipeline(transaction=False) as pipe:
        for n in range(total):
            pipe.xadd(keys.jobs, fields_to_store(_job(n).to_fields()))
        await pipe.execute()
    done = 0
    all_done.clear()
    worker = Worker(queue, no_op, consumer="bench", concurrency=args.concurrency, block_ms=100, round_trips=trips)
    drain_started = time.perf_counter()
    runner = asyncio.create_task(worker.run())
    await asyncio.wait_for(all_done.wait(), timeout=600)
    drain_s = time.perf_counter() - drain_started
    await worker.stop(10)
    await runner

    stats = await queue.backlog()
    server_mem = (await redis.info("memory")).get("used_memory_human", "?")
    print(f"backend            {'REDIS_URL' if args.redis_url else 'embedded Valkey (AOF fsync always)'}")
    print(f"jobs               {total}  (producers {args.producers}, worker concurrency {args.concurrency})")
    print(f"intake             {total / intake_s:,.0f} updates/s  ({intake_s:.2f} s)")
    print(f"end to end         {total / total_s:,.0f} jobs/s  ({total_s:.2f} s, first intake to last ack)")
    print(
        f"backlog at end of intake  undelivered={backlog_after_intake.undelivered} "
        f"pending={backlog_after_intake.pending}"
    )
    print(f"worker drain       {total / drain_s:,.0f} jobs/s  ({drain_s:.2f} s for a backlog of {total})")
    print(f"after drain        length={stats.length} pending={stats.pending} dead={stats.dead_letters}")
    print(f"process peak RSS   {_rss_mib():.1f} MiB")
    print(f"server used_memory {server_mem} (includes the {total} message records kept for 49 h)")

    async for key in redis.scan_iter(match=f"{keys.prefix}:*", count=1000):
        await redis.delete(key)
    await handle.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=20_000)
    parser.add_argument("--producers", type=int, default=8, help="concurrent intake loops (gateways)")
    parser.add_argument("--concurrency", type=int, default=32, help="worker concurrency bound")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL") or None)
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
