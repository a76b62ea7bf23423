"""A thank-you in reply to a member counts as their helpful answer, and earns achievements once."""

from __future__ import annotations

from .harness import ALICE, BOB, GROUP, audit_entry, settled, wait_for


async def test_thanks_credits_the_helper_and_announces_first_helpful_once(stack):
    c = stack.control
    question = await c.post("how do I reset my router?", user=BOB)
    answer = await c.post("hold the reset button for ten seconds", user=ALICE, reply_to=question)
    await c.post("thanks, that worked!", user=BOB, reply_to=answer)
    reputation = stack.app.dispatcher["reputation"]

    async def credited():
        stats = await reputation.stats(GROUP, ALICE["id"])
        return stats if stats.helpful == 1 else None

    await wait_for(credited, timeout=10)

    async def announced():
        return [m for m in await c.bot_messages() if "Alice" in m["text"] and "🤝" in m["text"]]

    await wait_for(announced, timeout=10)
    again = await c.post("спасибо ещё раз", user=BOB, reply_to=answer)
    myself = await c.post("thanks myself", user=ALICE, reply_to=answer)  # thanking yourself counts for nothing
    for message in (again, myself):
        await wait_for(lambda m=message: audit_entry(stack, m), timeout=10)
    await wait_for(lambda: settled(stack), timeout=10)  # both jobs, and any announcement, are done
    assert len(await announced()) == 1, "an achievement is announced once"
    assert (await reputation.stats(GROUP, ALICE["id"])).helpful == 2
