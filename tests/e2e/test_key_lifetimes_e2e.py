"""Every key the normal flow writes for a chat or a member expires, or is capped by design.

A bot in 100,000 groups must not keep what idle groups and departed members once needed: after a
greeting, a removed spam (a warning), a thank-you and an answered mention, every key under the
test's prefix either has a TTL or is one of the few named here, each with what bounds it.
"""

from __future__ import annotations

import re

from luka_bot.community.reputation import MEMBER_IDLE_TTL
from luka_bot.store.keys import AUDIT_TTL

from .harness import ALICE, BOB, BOT_USERNAME, GROUP, audit_entry, settled, wait_for

# Keys without a TTL, each with what bounds it (store/keys.py says the same per key).
UNBOUNDED_BY_TIME = {
    "mod:{j#}:jobs",  # a job stream partition: acknowledged jobs are deleted, JOBS_MAXLEN caps it
    "notice:{n}:jobs",  # the same for notices
    "scheduled_deletions",  # self-deleting notices still to delete; each leaves once deleted
    "groups",  # one hash field per group the bot serves (its title), for the dashboard
    "group:{c#}:settings",  # what the admins chose; a group on defaults has no key at all
    "layout",  # one key: the key layout this deployment's data is in (telegram/inbound/migration.py)
}


def pattern(key: str, prefix: str) -> str:
    return re.sub(r"-?\d+", "#", key.removeprefix(prefix + ":"))


async def test_the_normal_flow_leaves_no_per_chat_or_member_key_without_a_lifetime(stack):
    c = stack.control
    redis = stack.app.redis.client
    keys = stack.app.keys
    await c.llm_script(contains="opening hours", reply="Nine to five.")
    greeting = await c.post("good morning everyone", user=ALICE)
    spam = await c.post("💰💰 EARN $500 DAILY 💰💰 join https://t.me/+AbCdEfGh123 now!!! write me in DM", user=BOB)
    answer = await c.post("the shop opens at nine", user=BOB, reply_to=greeting)
    thanks = await c.post("thanks, Bob!", user=ALICE, reply_to=answer)
    question = await c.post(f"@{BOT_USERNAME} what are the opening hours?", user=ALICE)
    for message in (greeting, spam, answer, thanks, question):
        await wait_for(lambda m=message: audit_entry(stack, m), timeout=15)
    await wait_for(lambda: c.bot_messages(reply_to=question), timeout=15)
    await wait_for(lambda: settled(stack), timeout=15)

    found: dict[str, int] = {}
    async for raw in redis.scan_iter(match=f"{keys.prefix}:*", count=1000):
        key = raw.decode() if isinstance(raw, bytes) else str(raw)
        found[key] = await redis.ttl(key)
    without = {pattern(key, keys.prefix) for key, ttl in found.items() if ttl == -1}
    assert without <= UNBOUNDED_BY_TIME, sorted(without - UNBOUNDED_BY_TIME)
    # The flow did write what this test is about, and those keys live as documented.
    assert 0 < found[keys.audit(GROUP)] <= AUDIT_TTL
    for key in (keys.reputation(GROUP, BOB["id"]), keys.violations(GROUP, BOB["id"]), keys.leaderboard(GROUP)):
        assert MEMBER_IDLE_TTL - 60 < found[key] <= MEMBER_IDLE_TTL, key
