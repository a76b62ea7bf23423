"""Perceptual hashes of images: near-duplicates of media the admins marked as spam.

pHash (DCT of a 32x32 greyscale, 64 bits, via `imagehash`) survives re-encoding, resizing and
small crops far better than a file hash; the Hamming distance between two hashes says how alike
the pictures are. No Telegram here: bytes in, hash out; a set of hashes in, nearest distance out.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable

import numpy as np

# 64-bit pHash: copies re-encoded, resized or cropped by a few percent land within ~0-8 bits;
# unrelated pictures sit around 32. 10 leaves room without matching other pictures.
DEFAULT_MAX_DISTANCE = 10
MAX_PIXELS = 40_000_000  # a decompression bomb is refused, never decoded


class NotAnImage(ValueError):
    """The bytes are no picture PIL can read (animated stickers in TGS, videos, garbage)."""


def perceptual_hash(data: bytes) -> int:
    """The 64-bit pHash of the picture in `data` (the first frame of an animation)."""
    import imagehash  # imported here: a bot without media spam never pays for it
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise NotAnImage("picture too large")
                image.seek(0)
                value = imagehash.phash(image.convert("RGB"))
    except NotAnImage:
        raise
    except Exception as exc:  # PIL raises many kinds for bad input; all mean "not an image"
        raise NotAnImage(f"{type(exc).__name__}: {exc}"[:200]) from exc
    return int(str(value), 16)


class HashSet:
    """Hashes of one blocklist as a numpy array: nearest distance to all of them in one pass."""

    def __init__(self, hashes: Iterable[int] = ()) -> None:
        self._values = np.fromiter(hashes, dtype=np.uint64)

    def __len__(self) -> int:
        return int(self._values.size)

    @property
    def nbytes(self) -> int:
        return int(self._values.nbytes)

    def nearest(self, value: int) -> int | None:
        """The smallest Hamming distance from `value` to any stored hash; None when empty."""
        if not self._values.size:
            return None
        xor = np.bitwise_xor(self._values, np.uint64(value))
        return int(np.bitwise_count(xor).min())
