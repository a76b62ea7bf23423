"""Media spam end to end: an admin's /spam on a picture removes its copies, re-encoded or not."""

from __future__ import annotations

import base64
import io
import random

from PIL import Image, ImageDraw

from .harness import ALICE, GROUP, OWNER, wait_for
from .test_locks_e2e import is_deleted, judged, verdicts_total


def picture(seed: int, size: tuple[int, int] = (1280, 720)) -> Image.Image:
    """A busy synthetic picture (shapes and text-like blocks), different for each seed."""
    rng = random.Random(seed)
    image = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        w, h = rng.randrange(40, 400), rng.randrange(40, 300)
        box = [x, y, x + w, y + h]
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    return image


def encoded(image: Image.Image, quality: int = 90) -> str:
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=quality)
    return base64.b64encode(out.getvalue()).decode()


async def spam_audit(stack, message_id: int) -> dict | None:
    for entry in await stack.app.audit.recent(GROUP, count=500):
        if entry.fields.get("message_id") == str(message_id) and entry.fields.get("category") == "spam":
            return entry.fields
    return None


async def test_a_picture_marked_spam_takes_its_copies_with_it_and_spares_other_pictures(stack):
    c = stack.control
    original = picture(1)
    first = await c.post("", user=ALICE, media={"kind": "photo", "content_base64": encoded(original)})
    await c.post("/spam", user=OWNER, reply_to=first)
    await wait_for(lambda: is_deleted(c, first), timeout=10)

    async def hashed() -> bool:
        return (await stack.app.dispatcher["media_spam"].blocklist.count(GROUP))[1] == 1

    await wait_for(hashed, timeout=10)

    # The identical file (same file_unique_id), re-encoded, resized and slightly cropped copies.
    w, h = original.size
    copies = {
        "identical": encoded(original),
        "jpeg_q40": encoded(original, quality=40),
        "resized": encoded(original.resize((800, 450))),
        "cropped": encoded(original.crop((int(w * 0.03), int(h * 0.03), w, h))),
    }
    posted = {}
    for number, (name, content) in enumerate(copies.items()):
        posted[name] = await c.post(
            "",
            user={"id": 3000 + number, "first_name": f"S{number}"},
            media={"kind": "photo", "content_base64": content},
        )
    for name, message_id in posted.items():
        audit = await wait_for(lambda m=message_id: spam_audit(stack, m), timeout=15)
        assert await is_deleted(c, message_id), name
        assert "media" in audit.get("reason", "") or "media" in str(audit), (name, audit)

    before = verdicts_total(stack)
    other = await c.post(
        "", user={"id": 3100, "first_name": "Kept"}, media={"kind": "photo", "content_base64": encoded(picture(2))}
    )
    await judged(stack, before)
    assert not await is_deleted(c, other)
    assert await spam_audit(stack, other) is None


async def test_a_copy_is_still_removed_when_telegram_fails_the_download_for_a_while(stack):
    c = stack.control
    original = picture(5)
    first = await c.post("", user=ALICE, media={"kind": "photo", "content_base64": encoded(original)})
    await c.post("/spam", user=OWNER, reply_to=first)

    async def hashed() -> bool:
        return (await stack.app.dispatcher["media_spam"].blocklist.count(GROUP))[1] == 1

    await wait_for(hashed, timeout=10)
    await c.fault("getFile", 502, times=2)  # the worker's download fails twice: the job waits, not drops
    copy = await c.post(
        "",
        user={"id": 3200, "first_name": "Again"},
        media={"kind": "photo", "content_base64": encoded(original, quality=50)},
    )
    await wait_for(lambda: spam_audit(stack, copy), timeout=20)
    assert await is_deleted(c, copy)
    assert len([x for x in await c.calls("getFile") if not x["ok"]]) == 2


async def test_a_file_that_cannot_be_downloaded_is_still_matched_by_its_identity(stack):
    c = stack.control
    # No content: getFile answers 400, so no hash; the same file re-sent is still removed inline.
    first = await c.post("", user=ALICE, media={"kind": "sticker", "file_unique_id": "AgADsticker1"})
    await c.post("/spam", user=OWNER, reply_to=first)

    async def listed() -> bool:
        return (await stack.app.dispatcher["media_spam"].blocklist.count(GROUP))[0] == 1

    await wait_for(listed, timeout=10)
    again = await c.post(
        "", user={"id": 3300, "first_name": "Same"}, media={"kind": "sticker", "file_unique_id": "AgADsticker1"}
    )
    audit = await wait_for(lambda: spam_audit(stack, again), timeout=10)
    assert await is_deleted(c, again) and "media.file" in str(audit)


async def test_a_mark_spreads_to_linked_groups(stack):
    c = stack.control
    other = -1001000000777
    # The gate's /linkgroup stores the link both ways; here only this group's side matters.
    await stack.app.redis.client.sadd(stack.app.keys.linked_groups(GROUP), str(other))
    first = await c.post("", user=ALICE, media={"kind": "photo", "content_base64": encoded(picture(9))})
    await c.post("/spam", user=OWNER, reply_to=first)
    blocklist = stack.app.dispatcher["media_spam"].blocklist

    async def spread() -> bool:
        return await blocklist.count(other) == (1, 1)

    await wait_for(spread, timeout=10)
    assert await blocklist.count(GROUP) == (1, 1)
