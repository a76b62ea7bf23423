"""Perceptual hashes: copies of a picture land near it, other pictures far; bad bytes are refused."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image, ImageDraw

from luka_bot.moderation.media_hash import (
    DEFAULT_MAX_DISTANCE,
    HashSet,
    NotAnImage,
    perceptual_hash,
)
from luka_bot.store.media_blocklist import from_hex, to_hex


def picture(seed: int) -> Image.Image:
    rng = random.Random(seed)
    image = Image.new("RGB", (640, 360), tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(30):
        x, y = rng.randrange(640), rng.randrange(360)
        draw.rectangle(
            [x, y, x + rng.randrange(20, 200), y + rng.randrange(20, 150)],
            fill=tuple(rng.randrange(256) for _ in range(3)),
        )
    return image


def as_bytes(image: Image.Image, fmt: str = "JPEG", **kw: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **kw)
    return out.getvalue()


def test_copies_are_near_and_other_pictures_far() -> None:
    original = picture(1)
    stored = HashSet([perceptual_hash(as_bytes(original, "PNG"))])
    for copy in (
        as_bytes(original, quality=35),
        as_bytes(original.resize((320, 180))),
        as_bytes(original.crop((12, 8, 640, 360))),
        as_bytes(original, "WEBP"),
    ):
        distance = stored.nearest(perceptual_hash(copy))
        assert distance is not None and distance <= DEFAULT_MAX_DISTANCE
    for seed in range(2, 12):
        distance = stored.nearest(perceptual_hash(as_bytes(picture(seed))))
        assert distance is not None and distance > DEFAULT_MAX_DISTANCE


@pytest.mark.parametrize("data", [b"", b"not a picture", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50, bytes(range(256)) * 40])
def test_bytes_that_are_no_picture_are_refused_not_crashed(data: bytes) -> None:
    with pytest.raises(NotAnImage):
        perceptual_hash(data)


def test_hex_round_trip_and_empty_set() -> None:
    assert from_hex(to_hex(2**64 - 1)) == 2**64 - 1 and from_hex("zz") is None and from_hex("1" * 17) is None
    assert HashSet().nearest(5) is None
