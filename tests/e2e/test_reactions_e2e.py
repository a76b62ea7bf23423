"""Reaction spam end to end: a newcomer's reaction spree is held from reacting, not banned."""

from __future__ import annotations

import pytest

from .harness import ALICE, BOB, GROUP, OWNER, wait_for

FAST_SPREE = {"reaction_spree_count": 3, "reaction_spree_window": 60, "reaction_restrict": 600}


async def react(c, message_id: int, user: dict, emoji: str = "👍") -> None:
    await c._json(
        "POST",
        f"{c.tg_url}/_emulator/reactions",
        {"chat_id": GROUP, "message_id": message_id, "from": user, "reaction": [emoji]},
    )


async def reaction_audit(stack, user: dict) -> dict | None:
    for entry in await stack.app.audit.recent(GROUP, count=500):
        if entry.fields.get("kind") == "reaction" and entry.fields.get("user_id") == str(user["id"]):
            return entry.fields
    return None


async def member(c, user: dict) -> dict:
    return await c._json("GET", f"{c.tg_url}/_emulator/chats/{GROUP}/members/{user['id']}")


async def reacted_on(c, user: dict) -> list[int]:
    return (await c._json("GET", f"{c.tg_url}/_emulator/chats/{GROUP}/reactions/{user['id']}"))["message_ids"]


@pytest.mark.parametrize("stack", [FAST_SPREE], indirect=True)
async def test_a_newcomers_reaction_spree_is_held_and_cleared_and_a_regular_member_is_not(stack):
    c = stack.control
    posts = [await c.post(f"message number {n} about the weather", user=ALICE) for n in range(6)]
    # Bob is a regular member (past the newcomer messages) and reacts just as much.
    for n in range(3):
        await c.post(f"bob says {n}: good morning", user=BOB)
    regular = {"id": BOB["id"], "first_name": "Bob"}

    async def bob_counted() -> bool:
        return (await stack.app.dispatcher["reputation"].stats(GROUP, BOB["id"])).messages >= 3

    await wait_for(bob_counted, timeout=15)
    for message_id in posts:
        await react(c, message_id, regular)
    newbie = {"id": 4001, "first_name": "Lure", "username": "see_my_bio"}
    for message_id in posts:
        await react(c, message_id, newbie, "❤")
    audit = await wait_for(lambda: reaction_audit(stack, newbie), timeout=15)
    assert audit["decision"] == "reaction_spree" and "no_reactions:600" in audit["actions"]
    assert "reactions_cleared" in audit["actions"]
    status = await member(c, newbie)
    assert status["status"] == "restricted"  # held from reacting, not banned
    assert await reacted_on(c, newbie) == []
    with pytest.raises(AssertionError, match="403"):
        await react(c, posts[0], newbie, "🔥")
    # The newbie can still write.
    await c.post("sorry, just liked everything", user=newbie)
    assert (await member(c, regular))["status"] != "restricted"
    assert await reaction_audit(stack, regular) is None
    assert len(await reacted_on(c, regular)) == len(posts)


async def test_the_reaction_lock_holds_a_newcomer_at_the_first_reaction(stack):
    c = stack.control
    await c.post("/lock reaction newcomers", user=OWNER)
    post = await c.post("hello there", user=ALICE)
    stack.app.group_settings.forget(GROUP)

    async def locked() -> bool:
        return "reaction" in (await stack.app.group_settings.get(GROUP)).locks

    await wait_for(locked, timeout=10)
    stack.app.group_settings.forget(GROUP)
    newbie = {"id": 4002, "first_name": "Quick"}
    await react(c, post, newbie)
    audit = await wait_for(lambda: reaction_audit(stack, newbie), timeout=15)
    assert audit["decision"] == "reaction_locked"
    assert (await member(c, newbie))["status"] == "restricted"
