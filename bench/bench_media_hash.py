"""Media tier figures: pHash time for a 1280 px photo, memory for 100,000 stored hashes, lookup time.

    .venv/bin/python bench/bench_media_hash.py            # ~20 s
    .venv/bin/python bench/bench_media_hash.py --redis-url redis://127.0.0.1:6379/5   # + Redis memory

CPU only, no network: it hashes synthetic JPEGs (shapes, 1280x720, quality 85) the way the worker
does after a download, and scans a HashSet of random 64-bit hashes as a group's blocklist lookup.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from PIL import Image, ImageDraw

from luka_bot.moderation.media_hash import HashSet, perceptual_hash


def photo(seed: int) -> bytes:
    rng = random.Random(seed)
    image = Image.new("RGB", (1280, 720), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x, y = rng.randrange(1280), rng.randrange(720)
        draw.ellipse(
            [x, y, x + rng.randrange(20, 400), y + rng.randrange(20, 300)],
            fill=tuple(rng.randrange(256) for _ in range(3)),
        )
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=60)
    parser.add_argument("--hashes", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=2_000)
    parser.add_argument("--redis-url", default="", help="also measure the Redis sorted set (key deleted after)")
    args = parser.parse_args()

    photos = [photo(seed) for seed in range(args.photos)]
    perceptual_hash(photos[0])  # warm-up: imports, first decode
    times = []
    for data in photos:
        started = time.perf_counter()
        perceptual_hash(data)
        times.append((time.perf_counter() - started) * 1000)
    size_kb = statistics.mean(len(p) for p in photos) / 1024
    print(
        f"pHash of a 1280x720 JPEG (~{size_kb:.0f} KiB), n={len(times)}: "
        f"p50 {pct(times, 50):.2f} ms, p99 {pct(times, 99):.2f} ms, max {max(times):.2f} ms"
    )

    rng = random.Random(7)
    values = [rng.getrandbits(64) for _ in range(args.hashes)]
    tracemalloc.start()
    stored = HashSet(values)
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{len(stored):,} stored hashes in process: array {stored.nbytes / 1024:.0f} KiB "
        f"(traced {current / 1024:.0f} KiB, peak while building {peak / 1024:.0f} KiB)"
    )
    if args.redis_url:
        import redis

        client = redis.Redis.from_url(args.redis_url)
        key = f"bench:mediahash:{rng.getrandbits(32)}"
        try:
            for start in range(0, len(values), 10_000):
                client.zadd(key, {f"{v:016x}": i for i, v in enumerate(values[start : start + 10_000], start)})
            print(
                f"{client.zcard(key):,} hashes in Redis (sorted set, 16-hex members): "
                f"MEMORY USAGE {client.memory_usage(key, samples=0) / 1024 / 1024:.1f} MiB"
            )
        finally:
            client.delete(key)

    probes = [rng.getrandbits(64) for _ in range(args.lookups)]
    lookups = []
    for probe in probes:
        started = time.perf_counter()
        stored.nearest(probe)
        lookups.append((time.perf_counter() - started) * 1e6)
    print(
        f"nearest-distance lookup over {len(stored):,} hashes, n={len(lookups)}: "
        f"p50 {pct(lookups, 50):.0f} µs, p99 {pct(lookups, 99):.0f} µs"
    )
    small = HashSet(values[:5_000])
    lookups = []
    for probe in probes:
        started = time.perf_counter()
        small.nearest(probe)
        lookups.append((time.perf_counter() - started) * 1e6)
    print(
        f"nearest-distance lookup over 5,000 hashes (one group's cap), n={len(lookups)}: "
        f"p50 {pct(lookups, 50):.0f} µs, p99 {pct(lookups, 99):.0f} µs"
    )


if __name__ == "__main__":
    main()
