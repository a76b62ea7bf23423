from __future__ import annotations

import asyncio

import pytest

from luka_bot.community.reputation import ReputationStore
from luka_bot.moderation.verdict import Action, Category, Tier, Verdict
from luka_bot.policy.ladder_settings import DAY, HOUR, LadderPolicy, Rewards, SanctionKind

CHAT, USER = -100123, 42
POLICY = LadderPolicy()


async def test_first_message_sets_first_seen_once_and_counts_messages(reputation: ReputationStore, clock):
    first = await reputation.record_message(CHAT, USER, policy=POLICY)
    clock.advance(60)
    second = await reputation.record_message(CHAT, USER, policy=POLICY)
    assert (first.messages, second.messages) == (1, 2)
    assert second.first_seen == first.first_seen == clock.now - 60
    assert second.last_message_at == clock.now


@pytest.mark.parametrize(
    ("quality", "points", "quality_answers"),
    [(None, 5, 0), (6, 5, 0), (7, 15, 1), (10, 15, 1)],
    ids=["no-score", "below-threshold", "at-threshold", "top-score"],
)
async def test_helpful_answer_points(reputation: ReputationStore, quality, points, quality_answers):
    stats = await reputation.record_helpful(CHAT, USER, quality=quality, policy=POLICY)
    assert (stats.helpful, stats.points, stats.quality_answers) == (1, points, quality_answers)


async def test_group_rewards_are_its_own(reputation: ReputationStore):
    policy = LadderPolicy(rewards=Rewards(message=1, helpful=2, quality=3, quality_threshold=5))
    await reputation.record_message(CHAT, USER, policy=policy)
    stats = await reputation.record_helpful(CHAT, USER, quality=5, policy=policy)
    assert stats.points == 1 + 2 + 3
    assert await reputation.top(CHAT) == [(USER, 6)]


async def test_redelivered_helpful_answer_counts_once(reputation: ReputationStore):
    await reputation.record_helpful(CHAT, USER, quality=9, policy=POLICY, event_id="m:7:0")
    stats = await reputation.record_helpful(CHAT, USER, quality=9, policy=POLICY, event_id="m:7:0")
    assert (stats.helpful, stats.points) == (1, 15)


async def test_violation_takes_category_penalty_and_lands_in_history(reputation: ReputationStore, clock):
    await reputation.record_helpful(CHAT, USER, quality=None, policy=POLICY)
    outcome = await reputation.record_violation(CHAT, USER, Category.SPAM, policy=POLICY, violation_id="1:10:0")
    assert outcome.counted
    assert outcome.stats.points == 5 - 25
    assert [(v.category, v.at, v.violation_id) for v in outcome.stats.violations] == [
        (Category.SPAM, clock.now, "1:10:0")
    ]
    assert outcome.stats.last_violation_at == clock.now
    assert await reputation.top(CHAT) == [(USER, -20)]


async def test_redelivered_violation_counts_once_and_repeats_its_sanction(reputation: ReputationStore, clock):
    await reputation.record_violation(CHAT, USER, Category.SPAM, policy=POLICY, violation_id="a")
    first = await reputation.record_violation(CHAT, USER, Category.ABUSE, policy=POLICY, violation_id="b")
    clock.advance(30)
    again = await reputation.record_violation(CHAT, USER, Category.ABUSE, policy=POLICY, violation_id="b")
    assert first.counted and not again.counted
    assert again.sanction == first.sanction and first.sanction.kind is SanctionKind.MUTE
    assert len(again.stats.violations) == 2
    assert again.stats.points == -25 - 50


async def test_ladder_escalates_inside_the_window_and_restarts_after_it(reputation: ReputationStore, clock):
    kinds = []
    for n in range(3):
        outcome = await reputation.record_violation(CHAT, USER, Category.SPAM, policy=POLICY, violation_id=f"v{n}")
        kinds.append((outcome.sanction.kind, outcome.sanction.duration_s))
        clock.advance(DAY)
    assert kinds == [(SanctionKind.WARN, None), (SanctionKind.MUTE, HOUR), (SanctionKind.BAN, DAY)]

    clock.advance(8 * DAY)  # all three now older than the 7-day window
    later = await reputation.record_violation(CHAT, USER, Category.SPAM, policy=POLICY, violation_id="v3")
    assert later.count_in_window == 1 and later.sanction.kind is SanctionKind.WARN
    assert len(later.stats.violations) == 4  # still in the history until they decay


@pytest.mark.parametrize(
    "verdict",
    [
        Verdict.allow(Tier.RULES),
        Verdict(Action.ALLOW, Category.SPAM, 0.4, "not sure", Tier.CLASSIFIER),
        Verdict(Action.DELETE, Category.NONE, 0.9, "", Tier.LLM),
    ],
    ids=["allow-none", "allow-with-category", "action-without-category"],
)
async def test_verdict_without_a_violation_is_never_counted(reputation: ReputationStore, verdict):
    assert await reputation.record_verdict(CHAT, USER, verdict, policy=POLICY, violation_id="x") is None
    stats = await reputation.stats(CHAT, USER)
    assert stats.violations == () and stats.points == 0


async def test_violating_verdict_is_counted(reputation: ReputationStore):
    verdict = Verdict(Action.DELETE, Category.SCAM, 0.99, "crypto giveaway", Tier.RULES)
    outcome = await reputation.record_verdict(CHAT, USER, verdict, policy=POLICY, violation_id="x")
    assert outcome.counted and outcome.stats.points == -50


async def test_recording_category_none_is_refused(reputation: ReputationStore):
    with pytest.raises(ValueError):
        await reputation.record_violation(CHAT, USER, Category.NONE, policy=POLICY, violation_id="x")


async def test_decayed_violations_stop_counting_and_give_points_back(reputation: ReputationStore, clock):
    policy = LadderPolicy(window_days=60, decay_days=30)
    await reputation.record_violation(CHAT, USER, Category.SPAM, policy=policy, violation_id="old")
    clock.advance(31 * DAY)
    outcome = await reputation.record_violation(CHAT, USER, Category.FLOOD, policy=policy, violation_id="new")
    assert outcome.count_in_window == 1  # the old one decayed, though inside the 60-day window
    assert outcome.sanction.kind is SanctionKind.WARN
    assert [v.violation_id for v in outcome.stats.violations] == ["new"]
    assert outcome.stats.points == -10  # the spam penalty came back
    assert await reputation.top(CHAT) == [(USER, -10)]


async def test_decay_on_a_plain_message(reputation: ReputationStore, clock):
    await reputation.record_violation(CHAT, USER, Category.SPAM, policy=POLICY, violation_id="old")
    clock.advance(29 * DAY)
    assert (await reputation.record_message(CHAT, USER, policy=POLICY)).points == -25
    clock.advance(2 * DAY)
    stats = await reputation.record_message(CHAT, USER, policy=POLICY)
    assert stats.violations == () and stats.points == 0


async def test_decay_can_keep_the_points_lost(reputation: ReputationStore, clock):
    policy = LadderPolicy(restore_points_on_decay=False)
    await reputation.record_violation(CHAT, USER, Category.SPAM, policy=policy, violation_id="old")
    clock.advance(31 * DAY)
    stats = await reputation.record_message(CHAT, USER, policy=policy)
    assert stats.violations == () and stats.points == -25


async def test_unwarn_removes_only_the_newest_violation(reputation: ReputationStore, clock):
    await reputation.record_violation(CHAT, USER, Category.SPAM, policy=POLICY, violation_id="a")
    clock.advance(10)
    await reputation.record_violation(CHAT, USER, Category.ABUSE, policy=POLICY, violation_id="b")
    removed = await reputation.unwarn(CHAT, USER)
    assert (removed.category, removed.violation_id) == (Category.ABUSE, "b")
    stats = await reputation.stats(CHAT, USER)
    assert [v.violation_id for v in stats.violations] == ["a"]
    assert stats.points == -25 and stats.last_violation_at == clock.now - 10
    # the next violation is a 2nd, not a 3rd
    outcome = await reputation.record_violation(CHAT, USER, Category.SPAM, policy=POLICY, violation_id="c")
    assert outcome.sanction.kind is SanctionKind.MUTE


async def test_forgive_takes_back_exactly_the_named_violation(reputation: ReputationStore, clock):
    await reputation.record_violation(CHAT, USER, Category.SPAM, policy=POLICY, violation_id="m1")
    clock.advance(10)
    await reputation.record_violation(CHAT, USER, Category.ABUSE, policy=POLICY, violation_id="m2")
    clock.advance(10)
    await reputation.record_violation(CHAT, USER, Category.FLOOD, policy=POLICY, violation_id="m3")
    removed = await reputation.forgive(CHAT, USER, Category.ABUSE, "m2")  # the appeal was about m2
    assert (removed.category, removed.violation_id) == (Category.ABUSE, "m2")
    stats = await reputation.stats(CHAT, USER)
    assert [v.violation_id for v in stats.violations] == ["m1", "m3"]
    assert stats.points == -25 - 10 and stats.last_violation_at == clock.now
    assert await reputation.forgive(CHAT, USER, Category.ABUSE, "m2") is None  # twice is harmless
    assert await reputation.forgive(CHAT, USER, Category.SPAM, "m3") is None  # wrong category: not it


async def test_unwarn_with_nothing_to_remove(reputation: ReputationStore):
    assert await reputation.unwarn(CHAT, USER) is None


async def test_pardon_forgets_all_violations_and_restarts_the_ladder(reputation: ReputationStore):
    await reputation.record_helpful(CHAT, USER, quality=None, policy=POLICY)
    for n in range(3):
        await reputation.record_violation(CHAT, USER, Category.SPAM, policy=POLICY, violation_id=str(n))
    assert await reputation.pardon(CHAT, USER) == 3
    stats = await reputation.stats(CHAT, USER)
    assert stats.violations == () and stats.points == 5 and stats.last_violation_at is None
    outcome = await reputation.record_violation(CHAT, USER, Category.SPAM, policy=POLICY, violation_id="3")
    assert outcome.sanction.kind is SanctionKind.WARN


async def test_leaderboard_best_first_and_per_group(reputation: ReputationStore):
    for user, answers in [(1, 1), (2, 3), (3, 2)]:
        for _ in range(answers):
            await reputation.record_helpful(CHAT, user, quality=None, policy=POLICY)
    await reputation.record_helpful(CHAT + 1, 9, quality=10, policy=POLICY)
    assert await reputation.top(CHAT) == [(2, 15), (3, 10), (1, 5)]
    assert await reputation.top(CHAT, limit=1) == [(2, 15)]


async def test_members_are_separate_per_group(reputation: ReputationStore):
    await reputation.record_violation(CHAT, USER, Category.SPAM, policy=POLICY, violation_id="x")
    other = await reputation.record_violation(CHAT + 1, USER, Category.SPAM, policy=POLICY, violation_id="x")
    assert other.counted and other.count_in_window == 1


async def test_award_once_with_its_reward(reputation: ReputationStore):
    assert await reputation.award(CHAT, USER, "helpful_contributor", reward_points=20)
    assert not await reputation.award(CHAT, USER, "helpful_contributor", reward_points=20)
    assert (await reputation.stats(CHAT, USER)).points == 20
    assert await reputation.earned(CHAT, USER) == {"helpful_contributor"}


# --- concurrency: the original lost points to read-modify-write ------------------------------

N = 200


async def test_concurrent_messages_lose_none(any_reputation: ReputationStore):
    policy = LadderPolicy(rewards=Rewards(message=1))
    await asyncio.gather(*(any_reputation.record_message(CHAT, USER, policy=policy) for _ in range(N)))
    stats = await any_reputation.stats(CHAT, USER)
    assert (stats.messages, stats.points) == (N, N)


async def test_concurrent_mixed_updates_lose_none(any_reputation: ReputationStore):
    updates = []
    for n in range(N):
        updates.append(any_reputation.record_message(CHAT, USER, policy=POLICY))
        updates.append(any_reputation.record_helpful(CHAT, USER, quality=None, policy=POLICY))
        updates.append(any_reputation.record_violation(CHAT, USER, Category.FLOOD, policy=POLICY, violation_id=f"v{n}"))
    results = await asyncio.gather(*updates)
    stats = await any_reputation.stats(CHAT, USER)
    assert (stats.messages, stats.helpful, len(stats.violations)) == (N, N, N)
    assert stats.points == N * 5 - N * 10
    assert await any_reputation.top(CHAT) == [(USER, stats.points)]
    # every violation got its own place on the ladder: counts 1..N, none shared
    counts = sorted(r.count_in_window for r in results if hasattr(r, "count_in_window"))
    assert counts == list(range(1, N + 1))


async def test_concurrent_redeliveries_count_once(any_reputation: ReputationStore):
    outcomes = await asyncio.gather(
        *(
            any_reputation.record_violation(CHAT, USER, Category.SPAM, policy=POLICY, violation_id="same")
            for _ in range(N)
        )
    )
    assert sum(o.counted for o in outcomes) == 1
    stats = await any_reputation.stats(CHAT, USER)
    assert len(stats.violations) == 1 and stats.points == -25


async def test_concurrent_awards_announce_once(any_reputation: ReputationStore):
    results = await asyncio.gather(
        *(any_reputation.award(CHAT, USER, "first_helpful", reward_points=5) for _ in range(50))
    )
    assert sum(results) == 1
    assert (await any_reputation.stats(CHAT, USER)).points == 5


@pytest.mark.parametrize("category", [Category.THREAT, Category.HATE])
async def test_a_first_threat_or_slur_skips_the_warning(reputation: ReputationStore, category: Category):
    outcome = await reputation.record_violation(CHAT, USER, category, policy=POLICY, violation_id=f"{category}-1")
    assert outcome.count_in_window == 1
    assert outcome.sanction is not None and outcome.sanction.kind is SanctionKind.MUTE
    spam = await reputation.record_violation(CHAT, USER + 1, Category.SPAM, policy=POLICY, violation_id="spam-1")
    assert spam.sanction is not None and spam.sanction.kind is SanctionKind.WARN


async def test_a_group_sets_how_far_a_category_climbs(reputation: ReputationStore):
    policy = LadderPolicy(step_weights={Category.SPAM: 3})
    outcome = await reputation.record_violation(CHAT, USER, Category.SPAM, policy=policy, violation_id="s1")
    assert outcome.sanction is not None and outcome.sanction.kind is SanctionKind.BAN


async def test_every_key_of_a_members_standing_expires_after_a_year_without_writes(
    reputation: ReputationStore, redis, keys
):
    from luka_bot.community.reputation import MEMBER_IDLE_TTL

    await reputation.record_message(CHAT, USER, policy=POLICY)
    await reputation.record_violation(CHAT, USER, Category.SPAM, policy=POLICY, violation_id="1:11:0")
    for key in (
        keys.reputation(CHAT, USER),
        keys.violations(CHAT, USER),
        keys.violation_penalties(CHAT, USER),
        keys.leaderboard(CHAT),
    ):
        assert MEMBER_IDLE_TTL - 60 < await redis.ttl(key) <= MEMBER_IDLE_TTL, key
