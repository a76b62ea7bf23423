"""Content locks end to end: /lock, /unlock, /locks through the emulator, everyone vs newcomers."""

from __future__ import annotations

from prometheus_client import generate_latest

from .harness import ALICE, BOB, GROUP, OWNER, wait_for


def verdicts_total(stack) -> float:
    total = 0.0
    for line in generate_latest(stack.app.metrics.registry).decode().splitlines():
        if line.startswith("luka_verdicts_total{"):
            total += float(line.rsplit(" ", 1)[1])
    return total


async def is_deleted(c, message_id: int) -> bool:
    return any(m["message_id"] == message_id and m["deleted_at"] is not None for m in await c.messages())


async def bot_said(c, needle: str) -> bool:
    return any(needle in (m["text"] or "") for m in await c.bot_messages())


async def lock_audit(stack, message_id: int) -> dict | None:
    for entry in await stack.app.audit.recent(GROUP, count=500):
        if entry.fields.get("message_id") == str(message_id) and entry.fields.get("category") == "locked":
            return entry.fields
    return None


async def judged(stack, before: float, count: int = 1) -> None:
    """Wait until the worker has judged `count` more messages (allowed ones leave no audit entry)."""

    async def check() -> bool:
        return verdicts_total(stack) >= before + count

    await wait_for(check, timeout=15)


async def test_a_locked_kind_is_removed_for_everyone_and_unlock_lets_it_through(stack):
    c = stack.control
    await c.post("/lock sticker", user=OWNER)
    await wait_for(lambda: bot_said(c, "sticker"), timeout=10)
    sticker = await c.post("", user=ALICE, media="sticker")
    await wait_for(lambda: is_deleted(c, sticker), timeout=10)
    audit = await wait_for(lambda: lock_audit(stack, sticker), timeout=10)
    assert "delete" in audit["actions"]
    # Another kind is not locked: a dice stays.
    before = verdicts_total(stack)
    dice = await c.post("", user=BOB, media="dice")
    await judged(stack, before)
    assert not await is_deleted(c, dice)
    # /locks lists it; /unlock lifts it.
    await c.post("/locks", user=OWNER)
    await wait_for(lambda: bot_said(c, "sticker: everyone"), timeout=10)
    await c.post("/unlock sticker", user=OWNER)
    await wait_for(lambda: bot_said(c, "Unlocked: sticker"), timeout=10)
    stack.app.group_settings.forget(GROUP)
    before = verdicts_total(stack)
    kept = await c.post("", user=BOB, media="sticker")
    await judged(stack, before)
    assert not await is_deleted(c, kept)


async def test_a_newcomer_lock_spares_regular_members_admins_and_approved_members(stack):
    c = stack.control
    await stack.app.group_settings.update(
        GROUP,
        lambda s: s.model_copy(
            update={
                "rules": s.rules.model_copy(
                    update={"newcomers": s.rules.newcomers.model_copy(update={"first_messages": 2})}
                )
            }
        ),
    )
    await c.post("/lock forward newcomers", user=OWNER)
    await wait_for(lambda: bot_said(c, "Locked for newcomers: forward"), timeout=10)
    stack.app.group_settings.forget(GROUP)
    # A newcomer's forward is removed (inline or by the worker, either way audited as locked).
    fwd = await c.post("look at this", user=ALICE, forward_origin={"type": "hidden_user", "sender_user_name": "X"})
    await wait_for(lambda: is_deleted(c, fwd), timeout=10)
    await wait_for(lambda: lock_audit(stack, fwd), timeout=10)
    # Bob becomes a regular member after two messages; then his forward stays.
    before = verdicts_total(stack)
    await c.post("hello all", user=BOB)
    await c.post("how are you doing today", user=BOB)
    await judged(stack, before, 2)
    before = verdicts_total(stack)
    bob_fwd = await c.post("look at this", user=BOB, forward_origin={"type": "hidden_user", "sender_user_name": "X"})
    await judged(stack, before)
    assert not await is_deleted(c, bob_fwd)
    # The admin is exempt.
    owner_fwd = await c.post("official", user=OWNER, forward_origin={"type": "user"})
    # An approved newcomer is exempt too.
    newbie = {"id": 1077, "first_name": "Nina"}
    await c.post("/approve 1077", user=OWNER)
    await wait_for(lambda: stack.app.gatekeeper.repo.is_approved(GROUP, newbie["id"]), timeout=10)
    approved_fwd = await c.post("look", user=newbie, forward_origin={"type": "user"})
    # A later newcomer's locked message proves the worker went past the earlier ones.
    probe = await c.post("look", user={"id": 1078, "first_name": "Pia"}, forward_origin={"type": "user"})
    await wait_for(lambda: lock_audit(stack, probe), timeout=10)
    assert not await is_deleted(c, owner_fwd)
    assert not await is_deleted(c, approved_fwd)
    assert await lock_audit(stack, approved_fwd) is None


async def test_each_kind_the_emulator_posts_is_caught_by_its_lock(stack):
    c = stack.control
    await c.post("/lock all", user=OWNER)
    await wait_for(lambda: bot_said(c, "Locked for everyone"), timeout=10)
    stack.app.group_settings.forget(GROUP)
    posts = {
        "photo": {"media": "photo"},
        "video": {"media": "video"},
        "videonote": {"media": "video_note"},
        "voice": {"media": "voice"},
        "audio": {"media": "audio"},
        "document": {"media": "document"},
        "gif": {"media": "animation"},
        "poll": {"media": "poll"},
        "location": {"media": "location"},
        "game": {"media": "game"},
        "dice": {"media": "dice"},
        "story": {"media": "story"},
        "stickerpremium": {"media": {"kind": "sticker", "premium_animation": {"file_id": "p", "file_unique_id": "q"}}},
        "inline": {"text": "via a bot", "via_bot": "gifbot"},
        "button": {"text": "press", "reply_markup": {"inline_keyboard": [[{"text": "go", "url": "https://x.y"}]]}},
        "forwardchannel": {"text": "fwd", "forward_from_chat": {"id": -1009000000003, "title": "C"}},
        "anonchannel": {"text": "as a channel", "sender_chat": {"id": -1009000000004, "title": "Mine"}},
        "rtl": {"text": "مرحبا بكم"},
        "zalgo": {"text": "h\u0336\u0334\u0335ello"},
        "url": {"text": "see https://example.com"},
        "emojicustom": {
            "text": "🙂 hi",
            "entities": [{"type": "custom_emoji", "offset": 0, "length": 2, "custom_emoji_id": "5368324170671202286"}],
        },
    }
    sent = {}
    for number, (name, extra) in enumerate(posts.items()):
        extra = dict(extra)
        text = extra.pop("text", "")
        # One author each: the ladder would ban a single author after a few violations.
        sent[name] = await c.post(text, user={"id": 2000 + number, "first_name": f"M{number}"}, **extra)
    for name, message_id in sent.items():
        await wait_for(lambda m=message_id: lock_audit(stack, m), timeout=15)
        assert await is_deleted(c, message_id), name


async def test_members_cannot_lock_and_unknown_types_are_named(stack):
    c = stack.control
    await c.post("/lock sticker", user=ALICE)
    await wait_for(lambda: bot_said(c, "Only group admins can use /lock"), timeout=10)
    await c.post("/lock stickers", user=OWNER)
    await wait_for(lambda: bot_said(c, "Unknown lock type: stickers"), timeout=10)
    stack.app.group_settings.forget(GROUP)
    assert (await stack.app.group_settings.get(GROUP)).locks == {}
