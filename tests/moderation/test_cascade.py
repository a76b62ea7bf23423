"""The cascade: what acts at once, what goes to the LLM, and what the LLM costs."""

from __future__ import annotations

import asyncio

import pytest

from luka_bot.moderation.cascade import UNJUDGED, Band, Cascade, JudgeUnavailable, cache_key
from luka_bot.moderation.classifier import SpamClassifier
from luka_bot.moderation.learning import GroupLearning, InMemorySampleStore, SampleLabel
from luka_bot.moderation.memory import InMemoryLlmBudget, InMemoryVerdictCache
from luka_bot.moderation.normalize import normalize
from luka_bot.moderation.verdict import (
    Action,
    Category,
    MemberContext,
    ModerationRequest,
    Signals,
    Tier,
    TrustLevel,
    Verdict,
)
from luka_bot.policy.group import GroupSettings, JudgeMode

NEWCOMER = MemberContext(trust=TrustLevel.NEWCOMER, is_first_message=True)
MEMBER = MemberContext(trust=TrustLevel.MEMBER, is_first_message=False, messages_in_group=50)
TRUSTED = MemberContext(trust=TrustLevel.TRUSTED, is_first_message=False, messages_in_group=500)
ADMIN = MemberContext(trust=TrustLevel.TRUSTED, is_first_message=False, messages_in_group=500, is_admin=True)


def classifier_always(p_log_odds: float) -> SpamClassifier:
    """A classifier that gives every message the same score, so the band is known in advance."""
    return SpamClassifier({}, p_log_odds, (1.0, 0.0))


UNSURE = classifier_always(0.0)  # p = 0.5: the uncertain band for everyone
SURE_HAM = classifier_always(-6.0)  # p ~ 0.002
SURE_SPAM = classifier_always(6.0)


def request(
    text: str = "is this a good deal or not", member: MemberContext = MEMBER, chat_id: int = 1, **kw: object
) -> ModerationRequest:
    return ModerationRequest(chat_id=chat_id, message_id=1, user_id=7, text=text, member=member, **kw)  # type: ignore[arg-type]


def settings(mode: JudgeMode = JudgeMode.UNCERTAIN, **kw: object) -> GroupSettings:
    return GroupSettings(llm_judge=mode, **kw)  # type: ignore[arg-type]


class FakeJudge:
    def __init__(self, verdict: Verdict | None = None, delay: float = 0.0) -> None:
        self.calls = 0
        self.active = 0
        self.max_active = 0
        self._verdict = verdict or Verdict(Action.DELETE, Category.SCAM, 0.9, "looks like a scam", Tier.LLM)
        self._delay = delay

    async def judge(self, request: ModerationRequest, *, rules_text: str, language: str) -> Verdict:
        self.calls += 1
        self.active += 1
        self.max_active = max(self.max_active, self.active)
        await asyncio.sleep(self._delay)
        self.active -= 1
        return self._verdict


# --- fast tier ----------------------------------------------------------------------------


def test_fast_verdict_deletes_certain_rule_hits_at_once() -> None:
    verdict = Cascade(UNSURE).fast_verdict(request("заработок без вложений, пиши"), settings())
    assert verdict is not None
    assert (verdict.action, verdict.tier) == (Action.DELETE, Tier.RULES)
    assert ("rule.stop_phrases", "заработок без вложений") in verdict.details


def test_fast_verdict_leaves_doubtful_messages_to_the_worker() -> None:
    assert Cascade(SURE_SPAM).fast_verdict(request("join t.me/+abc"), settings()) is None


def test_fast_verdict_flags_a_flood_as_flood() -> None:
    verdict = Cascade(UNSURE).fast_verdict(request("hi", signals=Signals(messages_last_minute=30)), settings())
    assert verdict is not None and verdict.category is Category.FLOOD and verdict.removes_message


def test_admins_are_exempt_unless_the_group_says_otherwise() -> None:
    spam = request("заработок без вложений", member=ADMIN)
    assert Cascade(UNSURE).fast_verdict(spam, settings()) is None
    assert Cascade(UNSURE).fast_verdict(spam, settings(moderate_admins=True)) is not None


def test_moderation_off_judges_nothing() -> None:
    assessment = Cascade(SURE_SPAM).assess(request("anything"), settings(moderation_enabled=False))
    assert assessment.band is Band.SKIPPED and not assessment.verdict.removes_message


# --- bands --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("classifier", "member", "band", "removes"),
    [
        (SURE_SPAM, MEMBER, Band.SPAM, True),
        (SURE_HAM, MEMBER, Band.HAM, False),
        (UNSURE, MEMBER, Band.UNCERTAIN, False),
        (UNSURE, TRUSTED, Band.HAM, False),
    ],
    ids=["sure spam", "sure ham", "uncertain", "trusted member's borderline message"],
)
def test_bands(classifier: SpamClassifier, member: MemberContext, band: Band, removes: bool) -> None:
    assessment = Cascade(classifier).assess(request(member=member), settings())
    assert assessment.band is band
    if band is not Band.UNCERTAIN:
        assert assessment.verdict.removes_message is removes


def test_newcomers_are_judged_more_strictly() -> None:
    leaning = classifier_always(1.5)  # p ~ 0.82: past a newcomer's bar, short of a member's
    assert Cascade(leaning).assess(request(member=NEWCOMER), settings()).band is Band.SPAM
    assert Cascade(leaning).assess(request(member=MEMBER), settings()).band is Band.UNCERTAIN


def test_suspicious_rule_hits_raise_the_score() -> None:
    plain = Cascade(UNSURE).assess(request("see this", member=NEWCOMER), settings())
    with_invite = Cascade(UNSURE).assess(request("see this t.me/+abc", member=NEWCOMER), settings())
    assert with_invite.spam_probability > plain.spam_probability  # type: ignore[operator]
    assert with_invite.band is Band.SPAM


# --- LLM judge ----------------------------------------------------------------------------


async def test_uncertain_mode_asks_the_judge_only_for_the_uncertain_band() -> None:
    judge = FakeJudge()
    verdict = await Cascade(UNSURE, judge=judge).decide(request(), settings())
    assert judge.calls == 1 and verdict.tier is Tier.LLM and verdict.category is Category.SCAM
    await Cascade(SURE_HAM, judge=judge).decide(request(), settings())
    await Cascade(SURE_SPAM, judge=judge).decide(request(), settings())
    assert judge.calls == 1


async def test_all_mode_asks_the_judge_unless_a_rule_was_certain() -> None:
    judge = FakeJudge()
    cascade = Cascade(SURE_HAM, judge=judge)
    await cascade.decide(request("hello friends"), settings(JudgeMode.ALL))
    assert judge.calls == 1
    verdict = await cascade.decide(request("заработок без вложений"), settings(JudgeMode.ALL))
    assert judge.calls == 1 and verdict.tier is Tier.RULES


async def test_off_mode_lets_the_classifier_decide_alone() -> None:
    judge = FakeJudge()
    verdict = await Cascade(UNSURE, judge=judge).decide(request(), settings(JudgeMode.OFF))
    assert judge.calls == 0 and verdict.tier is Tier.CLASSIFIER


async def test_trusted_members_skip_the_judge_unless_a_rule_fires() -> None:
    judge = FakeJudge()
    cascade = Cascade(UNSURE, judge=judge)
    await cascade.decide(request(member=TRUSTED), settings(JudgeMode.ALL))
    assert judge.calls == 0
    await cascade.decide(request("see https://bit.ly/x", member=TRUSTED), settings(JudgeMode.ALL))
    assert judge.calls == 1


async def test_fifty_copies_cost_one_llm_call() -> None:
    judge = FakeJudge(delay=0.01)
    cascade = Cascade(UNSURE, judge=judge, cache=InMemoryVerdictCache())
    copies = [request("Is this a good deal or NOT", chat_id=1 + i % 5) for i in range(25)]
    first = await asyncio.gather(*(cascade.decide(r, settings()) for r in copies))
    later = [await cascade.decide(r, settings()) for r in copies]
    assert judge.calls == 1
    assert all(v.category is Category.SCAM and v.removes_message for v in first + later)
    assert sum(v.tier is Tier.LLM for v in first) == 1
    assert all(v.tier is Tier.CACHE for v in later)


async def test_cache_key_follows_the_normalized_text_and_the_rules() -> None:
    base = settings()
    assert cache_key(normalize("FREE m0ney"), base) == cache_key(normalize("free  money"), base)
    assert cache_key(normalize("free money"), base) != cache_key(normalize("free money"), settings(rules_text="no ads"))


async def test_llm_concurrency_is_bounded() -> None:
    judge = FakeJudge(delay=0.02)
    cascade = Cascade(UNSURE, judge=judge, max_concurrent_llm=2)
    await asyncio.gather(*(cascade.decide(request(f"question number {i} about deals"), settings()) for i in range(8)))
    assert judge.calls == 8 and judge.max_active == 2


async def test_group_budget_caps_llm_calls_per_day() -> None:
    judge = FakeJudge()
    cascade = Cascade(UNSURE, judge=judge, budget=InMemoryLlmBudget())
    tight = settings(llm_daily_budget=2)
    verdicts = [await cascade.decide(request(f"message {i} about deals"), tight) for i in range(4)]
    assert judge.calls == 2
    assert [v.tier for v in verdicts] == [Tier.LLM, Tier.LLM, Tier.CLASSIFIER, Tier.CLASSIFIER]
    assert ("llm.skipped", "daily budget spent") in verdicts[-1].details
    await cascade.decide(request("message about deals", chat_id=2), tight)
    assert judge.calls == 3  # another group has its own budget


FAILED = Verdict(Action.ALLOW, Category.NONE, 0.0, "", Tier.FALLBACK, error="timeout")


async def test_a_failing_judge_on_an_unsettled_message_asks_for_a_retry_and_is_not_cached() -> None:
    failing = FakeJudge(FAILED)
    cache = InMemoryVerdictCache()
    cascade = Cascade(UNSURE, judge=failing, cache=cache)
    with pytest.raises(JudgeUnavailable) as caught:
        await cascade.decide(request(), settings())
    assert caught.value.reason == "timeout"
    # What applies if the judge never comes back: the offline lean, marked unjudged.
    unjudged = caught.value.unjudged
    assert unjudged.tier is Tier.CLASSIFIER and unjudged.error == UNJUDGED
    assert ("llm.error", "timeout") in unjudged.details
    with pytest.raises(JudgeUnavailable):
        await cascade.decide(request(), settings())
    assert failing.calls == 2


async def test_past_the_deadline_an_offline_lean_to_spam_still_deletes() -> None:
    leaning = classifier_always(1.0)  # p ~ 0.73: uncertain for a member, but past decide_at
    with pytest.raises(JudgeUnavailable) as caught:
        await Cascade(leaning, judge=FakeJudge(FAILED)).decide(request(), settings())
    assert caught.value.unjudged.removes_message and caught.value.unjudged.error == UNJUDGED


@pytest.mark.parametrize("mode", [JudgeMode.ALL, JudgeMode.UNCERTAIN])
async def test_a_failing_judge_never_overrides_certain_spam(mode: JudgeMode) -> None:
    failing = FakeJudge(FAILED)
    verdict = await Cascade(SURE_SPAM, judge=failing).decide(request(), settings(mode))
    assert verdict.tier is Tier.CLASSIFIER and verdict.removes_message and verdict.category is Category.SPAM
    assert failing.calls == (1 if mode is JudgeMode.ALL else 0)
    if mode is JudgeMode.ALL:
        assert ("llm.error", "timeout") in verdict.details


async def test_in_all_mode_a_failing_judge_leaves_certain_ham_allowed_without_retry() -> None:
    verdict = await Cascade(SURE_HAM, judge=FakeJudge(FAILED)).decide(request(), settings(JudgeMode.ALL))
    assert verdict.tier is Tier.CLASSIFIER and not verdict.removes_message and verdict.error is None


async def test_copies_waiting_for_a_failing_call_are_retried_too() -> None:
    failing = FakeJudge(FAILED, delay=0.02)
    cascade = Cascade(UNSURE, judge=failing)
    results = await asyncio.gather(*(cascade.decide(request(), settings()) for _ in range(3)), return_exceptions=True)
    assert all(isinstance(r, JudgeUnavailable) for r in results) and failing.calls == 1


# --- learning from admins -----------------------------------------------------------------


async def test_spam_marked_by_admins_is_removed_on_its_next_copy() -> None:
    learning = GroupLearning(InMemorySampleStore())
    cascade = Cascade(SURE_HAM, learning=learning)
    text = "Selling fresh honey from my farm, delivery in the city, message me"
    assert not (await cascade.decide(request(text), settings(JudgeMode.OFF))).removes_message
    await learning.add_sample(1, text, SampleLabel.SPAM)
    again = await cascade.decide(request(text.upper() + "!"), settings(JudgeMode.OFF))
    assert again.removes_message and ("group.sample", "spam 1.00") in again.details
    other_group = await cascade.decide(request(text, chat_id=2), settings(JudgeMode.OFF))
    assert not other_group.removes_message


async def test_not_spam_from_admins_restores_a_message() -> None:
    learning = GroupLearning(InMemorySampleStore())
    cascade = Cascade(SURE_SPAM, learning=learning)
    text = "Our meetup moved to Friday, same place, same time"
    assert (await cascade.decide(request(text), settings(JudgeMode.OFF))).removes_message
    await learning.add_sample(1, text, SampleLabel.SPAM)
    await learning.add_sample(1, text, SampleLabel.HAM)  # "Not spam" after /spam wins
    assert not (await cascade.decide(request(text), settings(JudgeMode.OFF))).removes_message


async def test_a_loose_resemblance_only_moves_the_score() -> None:
    learning = GroupLearning(InMemorySampleStore())
    cascade = Cascade(UNSURE, learning=learning)
    await learning.add_sample(1, "selling fresh honey from my farm, message me today", SampleLabel.SPAM)
    model = await learning.model_for(1)
    assessment = cascade.assess(request("fresh honey from my farm for sale, message me"), settings(), model)
    assert assessment.band is not Band.RULE
    assert assessment.spam_probability is not None and assessment.spam_probability > 0.5


async def test_samples_added_by_another_process_arrive_after_the_refresh() -> None:
    now = [0.0]
    store = InMemorySampleStore()
    reader = GroupLearning(store, refresh_s=30, clock=lambda: now[0])
    writer = GroupLearning(store)
    assert len(await reader.model_for(1)) == 0
    await writer.add_sample(1, "buy followers cheap", SampleLabel.SPAM)
    assert len(await reader.model_for(1)) == 0
    now[0] = 31.0
    assert len(await reader.model_for(1)) == 1


async def test_a_restore_approves_that_text_only_not_its_near_copies() -> None:
    learning = GroupLearning(InMemorySampleStore())
    cascade = Cascade(SURE_SPAM, learning=learning)
    restored = "Earn 500 a day from home, message me for details today"
    await learning.add_sample(1, restored, SampleLabel.HAM)
    assert not (await cascade.decide(request(restored), settings(JudgeMode.OFF))).removes_message
    near_copy = "Earn 500 a day from home, message me for details now"
    assert (await cascade.decide(request(near_copy), settings(JudgeMode.OFF))).removes_message


# --- abuse and greetings --------------------------------------------------------------------


async def test_an_insult_the_spam_classifier_calls_ham_still_reaches_the_judge() -> None:
    judge = FakeJudge(Verdict(Action.DELETE, Category.ABUSE, 0.9, "insult", Tier.LLM))
    cascade = Cascade(SURE_HAM, judge=judge)
    assessment = cascade.assess(request("политики все идиоты и клоуны"), settings())
    assert assessment.band is Band.UNCERTAIN and not assessment.verdict.removes_message
    verdict = await cascade.decide(request("политики все идиоты и клоуны"), settings())
    assert judge.calls == 1 and verdict.category is Category.ABUSE


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("You are a fucking idiot, I will find you", Category.THREAT),
        ("Заткнись, тупой урод", Category.ABUSE),
        ("эти хохлы опять", Category.HATE),
    ],
)
async def test_confident_abuse_acts_offline_without_the_judge(text: str, category: Category) -> None:
    judge = FakeJudge()
    verdict = await Cascade(SURE_HAM, judge=judge).decide(request(text), settings())
    assert verdict.removes_message and verdict.category is category and verdict.tier is Tier.RULES
    assert judge.calls == 0


async def test_swearing_at_nobody_is_left_alone_unless_the_group_forbids_it() -> None:
    # English swearing at nobody never reaches the judge; Russian mat is read by it (much Russian
    # abuse is mat about someone without an insult word), and its "allow" keeps the message.
    judge = FakeJudge(Verdict(Action.ALLOW, Category.NONE, 0.9, "swearing at nobody", Tier.LLM))
    cascade = Cascade(SURE_HAM, judge=judge)
    assert not (await cascade.decide(request("holy shit that was fast"), settings())).removes_message
    assert judge.calls == 0
    text = "блять, опять всё сломалось после обновления"
    assert not (await cascade.decide(request(text), settings())).removes_message and judge.calls == 1
    assert not (await Cascade(SURE_HAM).decide(request(text), settings(JudgeMode.OFF))).removes_message
    strict = settings(rules={"profanity_is_violation": True})
    verdict = await cascade.decide(request(text), strict)
    assert verdict.removes_message and verdict.category is Category.ABUSE


@pytest.mark.parametrize("text", ["hello", "Привет!", "всем привет", "Good morning everyone, have a nice day!"])
async def test_a_newcomers_greeting_is_never_spam_even_without_a_judge(text: str) -> None:
    verdict = await Cascade(SURE_SPAM).decide(request(text, member=NEWCOMER), settings(JudgeMode.OFF))
    assert not verdict.removes_message


async def test_a_greeting_with_a_link_is_not_a_greeting() -> None:
    verdict = await Cascade(SURE_SPAM).decide(request("hi all t.me/+abcdef", member=NEWCOMER), settings(JudgeMode.OFF))
    assert verdict.removes_message


async def test_shipped_model_lets_greetings_through_with_no_judge() -> None:
    cascade = Cascade(SpamClassifier.load())
    for text in ("hello", "привет", "Hi everyone!", "Всем привет, я новенький"):
        verdict = await cascade.decide(request(text, member=NEWCOMER), settings(JudgeMode.OFF))
        assert not verdict.removes_message, text


def test_fast_verdict_on_a_shared_normalization_still_sees_links_behind_entities() -> None:
    # The raid lock normalizes the update's text once (without the links behind text_link
    # entities) and the inline tier reuses it: a denied domain hidden behind the entity must still
    # be caught, exactly as when the fast tier normalizes on its own.
    hidden = request("see the offer here", link_urls=("https://spam.example/x",))
    denying = settings(rules={"links": {"deny_domains": ["spam.example"]}})
    cascade = Cascade(UNSURE)
    shared = cascade.fast_verdict(hidden, denying, normalize(hidden.text))
    alone = cascade.fast_verdict(hidden, denying)
    assert shared is not None and alone is not None
    assert (shared.action, shared.details) == (alone.action, alone.details)
    assert ("rule.denied_link", "spam.example") in shared.details
    assert cascade.fast_verdict(request("see the offer here"), denying, normalize(hidden.text)) is None
