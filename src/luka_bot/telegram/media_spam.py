"""Media spam: pictures, stickers, GIFs and videos the admins marked with /spam, and their copies.

- Identical files (same `file_unique_id`) are matched with one Redis read, in the inline tier,
  before any reply exists.
- Near-duplicates (re-encoded, resized, cropped) need the picture: its perceptual hash needs a
  download (a getFile plus an HTTP fetch, 50-500 ms from Telegram), which the gateway must not wait
  for on every photo. The worker does it, and only for groups whose blocklist holds a hash, so a
  copy is removed seconds after it appears (the inline tier has already held it from the
  assistant only if it was an identical file).

Downloads are bounded in size (MEDIA_MAX_BYTES, checked from getFile before fetching) and in time
(MEDIA_DOWNLOAD_TIMEOUT). A transient Telegram fault (429, 5xx, network) raises so the durable job
is retried later; a permanent one (file gone, too big, not a picture) leaves the message to the
other tiers and is logged and counted.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterable

import structlog
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message

from luka_bot.moderation.job import ModerationJob
from luka_bot.moderation.media_hash import (
    DEFAULT_MAX_DISTANCE,
    HashSet,
    NotAnImage,
    perceptual_hash,
)
from luka_bot.moderation.verdict import Action, Category, Tier, Verdict
from luka_bot.store.media_blocklist import MediaBlocklist
from luka_bot.telegram.faults import as_retry
from luka_bot.telegram.intake import media_ref

log = structlog.get_logger(__name__)

MEDIA_MAX_BYTES = 10 * 1024 * 1024
MEDIA_DOWNLOAD_TIMEOUT = 15.0


class MediaTooLarge(Exception):
    pass


class MediaSpamGuard:
    def __init__(
        self,
        bot: Bot,
        blocklist: MediaBlocklist[HashSet],
        *,
        max_distance: int = DEFAULT_MAX_DISTANCE,
        max_bytes: int = MEDIA_MAX_BYTES,
        timeout: float = MEDIA_DOWNLOAD_TIMEOUT,
    ) -> None:
        self._bot = bot
        self.blocklist = blocklist
        self._max_distance = max_distance
        self._max_bytes = max_bytes
        self._timeout = timeout

    @staticmethod
    def _verdict(reason: str, details: tuple[tuple[str, str], ...]) -> Verdict:
        return Verdict(Action.DELETE, Category.SPAM, 1.0, reason, Tier.RULES, details=details)

    async def file_verdict(self, job: ModerationJob) -> Verdict | None:
        """The inline check: the very file an admin marked (one Redis read)."""
        unique = job.media_unique_id
        if not unique or not await self.blocklist.has_file(job.chat_id, unique):
            return None
        return self._verdict("media marked as spam by an admin", (("media.file", unique),))

    async def verdict(self, job: ModerationJob, deferrals: int = 0) -> Verdict | None:
        """The worker's check: the same file, else a near-duplicate picture. May raise `Retry`."""
        found = await self.file_verdict(job)
        if found is not None:
            return found
        file_id = job.media_hash_file
        if not file_id:
            return None
        hashes = await self.blocklist.hashes(job.chat_id)
        if not len(hashes):
            return None  # nothing marked here: no download at all
        try:
            value = await self._hash(file_id, job.media_hash_size)
        except TelegramAPIError as exc:
            retry = as_retry(exc, deferrals)
            if retry is not None:
                raise retry from exc
            log.warning("media.download_refused", chat_id=job.chat_id, error=str(exc)[:200])
            return None
        except (TimeoutError, MediaTooLarge, NotAnImage) as exc:
            log.info("media.not_hashed", chat_id=job.chat_id, reason=f"{type(exc).__name__}: {exc}"[:200])
            return None
        distance = hashes.nearest(value)
        if distance is None or distance > self._max_distance:
            return None
        return self._verdict(
            "a copy of media marked as spam by an admin",
            (("media.phash_distance", str(distance)), ("media.phash", f"{value:016x}")),
        )

    async def _hash(self, file_id: str, known_size: int) -> int:
        if known_size > self._max_bytes:
            raise MediaTooLarge(f"{known_size} bytes")
        async with asyncio.timeout(self._timeout):
            file = await self._bot.get_file(file_id)
            if (file.file_size or 0) > self._max_bytes or not file.file_path:
                raise MediaTooLarge(f"{file.file_size} bytes")
            buffer = io.BytesIO()
            await self._bot.download_file(file.file_path, destination=buffer, timeout=int(self._timeout))
        data = buffer.getvalue()
        if len(data) > self._max_bytes:
            raise MediaTooLarge(f"{len(data)} bytes")
        # Decoding a large picture takes tens of milliseconds: off the event loop.
        return await asyncio.to_thread(perceptual_hash, data)

    async def mark(self, chat_ids: Iterable[int], message: Message) -> tuple[bool, bool]:
        """/spam on a media message: list its file and (when it can be had) its hash in every
        chat given. Returns (listed, hashed)."""
        ref = media_ref(message)
        unique = ref.get("media_unique_id", "")
        if not unique:
            return False, False
        phash: int | None = None
        if ref.get("media_hash_file"):
            try:
                phash = await self._hash(ref["media_hash_file"], int(ref.get("media_hash_size") or 0))
            except (TimeoutError, TelegramAPIError, MediaTooLarge, NotAnImage) as exc:
                # The identical file is still listed; copies of it will not be recognised.
                log.warning("media.mark_unhashed", chat_id=message.chat.id, error=f"{type(exc).__name__}: {exc}"[:200])
        await self.blocklist.add(chat_ids, unique, phash)
        log.info("media.marked_spam", chat_id=message.chat.id, file_unique_id=unique, hashed=phash is not None)
        return True, phash is not None
