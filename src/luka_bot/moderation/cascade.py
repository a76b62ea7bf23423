"""The cascade: rules, then the classifier, then the LLM judge only where the cheap tiers doubt.

- `fast_verdict` runs the rules alone, synchronously, in microseconds: the gateway calls it
  inline, before any reply is sent, and acts only on a certain hit.
- `assess` adds the classifier and the group's learned samples and places the message in a band
  (certain spam, certain ham, uncertain). It needs no network, so `eval` uses it directly.
- `decide` sends the uncertain band (or, in "all" mode, everything no rule settled) to the LLM
  judge, through a verdict cache keyed by the normalized text and a per-group daily budget
  (the judge bounds and batches its own calls). Fifty copies of one spam cost one LLM call.

Fail safe, never open: a judge failure never replaces an offline verdict. Where the offline tiers
were sure (a certain band judged in "all" mode) their verdict stands. Where they were not (the
uncertain band), `decide` raises `JudgeUnavailable` so the durable job is retried later; past its
deadline the caller takes `JudgeUnavailable.unjudged`, the offline verdict marked "unjudged".
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import structlog

from luka_bot.moderation.classifier import SpamClassifier
from luka_bot.moderation.greeting import is_greeting
from luka_bot.moderation.learning import EMPTY_GROUP_MODEL, GroupLearning, GroupModel, SampleLabel
from luka_bot.moderation.locks import LockInput, LockScope, locked_by
from luka_bot.moderation.normalize import NormalizedText, normalize, with_link_urls
from luka_bot.moderation.rules import RuleHit, RuleInput, run_checks
from luka_bot.moderation.verdict import (
    ABUSE_CATEGORIES,
    Action,
    Category,
    ModerationRequest,
    Tier,
    TrustLevel,
    Verdict,
)
from luka_bot.policy.group import GroupSettings, JudgeMode
from luka_bot.policy.rules import RulesPolicy

log = structlog.get_logger(__name__)


UNJUDGED = "unjudged"


class JudgeUnavailable(Exception):
    """The judge failed on a message the offline tiers could not settle: try again later."""

    def __init__(self, reason: str, offline: Verdict) -> None:
        super().__init__(f"LLM judge unavailable ({reason})")
        self.reason = reason
        # What to do if no judge answers before the deadline: the offline tiers' own lean (a lean
        # to spam still deletes; a lean to ham lets the message through), marked so in the audit.
        self.unjudged = dataclasses.replace(offline, error=UNJUDGED, details=offline.details + (("llm.error", reason),))


class Judge(Protocol):
    async def judge(self, request: ModerationRequest, *, rules_text: str, language: str) -> Verdict: ...


class VerdictCache(Protocol):
    async def get(self, key: str) -> Verdict | None: ...

    async def put(self, key: str, verdict: Verdict) -> None: ...


class LlmBudget(Protocol):
    async def try_spend(self, chat_id: int, daily_limit: int) -> bool: ...


class Band(StrEnum):
    SKIPPED = "skipped"  # not judged at all (moderation off, admin, nothing to judge)
    RULE = "rule"  # a certain rule hit
    SPAM = "spam"  # the classifier (or a group sample) is sure it is spam
    HAM = "ham"  # ... sure it is fine
    UNCERTAIN = "uncertain"  # the LLM's job, when there is one


@dataclass(frozen=True, slots=True)
class Assessment:
    band: Band
    verdict: Verdict  # what the offline tiers decide on their own
    text: NormalizedText | None = None
    hits: tuple[RuleHit, ...] = ()
    spam_probability: float | None = None
    is_newcomer: bool = False


@dataclass(frozen=True, slots=True)
class _Judging:
    """A message past the rules, on its way through the greeting, sample and classifier tiers."""

    request: ModerationRequest
    policy: RulesPolicy
    text: NormalizedText
    hits: tuple[RuleHit, ...]
    newcomer: bool

    # Suspicions of abuse: the spam classifier knows nothing of insults, so while one stands the
    # message is never "certainly fine"; it also moves no spam score.
    @property
    def abuse_hits(self) -> tuple[RuleHit, ...]:
        return tuple(hit for hit in self.hits if hit.category in ABUSE_CATEGORIES)

    @property
    def spam_hits(self) -> tuple[RuleHit, ...]:
        return tuple(hit for hit in self.hits if hit.category not in ABUSE_CATEGORIES)

    def assessment(self, band: Band, verdict: Verdict, spam_probability: float) -> Assessment:
        return Assessment(band, verdict, self.text, self.hits, spam_probability, self.newcomer)


def is_newcomer(request: ModerationRequest, policy: RulesPolicy) -> bool:
    member = request.member
    if member.trust is TrustLevel.TRUSTED:
        return False
    return member.is_first_message or member.messages_in_group < policy.newcomers.first_messages


def cache_key(text: NormalizedText, settings: GroupSettings) -> str:
    """Same text under the same rules and language gets the same verdict, in any group."""
    digest = hashlib.sha256()
    for part in (text.folded, settings.rules_text, settings.language.value):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()[:32]


def lock_verdict(request: ModerationRequest, settings: GroupSettings, newcomer: bool) -> Verdict | None:
    """A locked kind of content: as certain as a rule hit, so the inline tier removes it on sight."""
    if not settings.locks:
        return None
    name = locked_by(
        LockInput(request.kind, request.features, request.text, request.link_urls), settings.locks, newcomer=newcomer
    )
    if name is None:
        return None
    scope = settings.locks[name]
    reason = f"locked: {name}" + (" (newcomers)" if scope is LockScope.NEWCOMERS else "")
    return _delete(Category.LOCKED, 1.0, reason, Tier.RULES, (("lock", name), ("lock.scope", scope.value)))


def _hit_details(hits: tuple[RuleHit, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((hit.check, hit.detail) for hit in hits)


def _delete(
    category: Category, confidence: float, reason: str, tier: Tier, details: tuple[tuple[str, str], ...]
) -> Verdict:
    return Verdict(Action.DELETE, category, confidence, reason, tier, details=details)


class Cascade:
    def __init__(
        self,
        classifier: SpamClassifier,
        *,
        judge: Judge | None = None,
        cache: VerdictCache | None = None,
        budget: LlmBudget | None = None,
        learning: GroupLearning | None = None,
        max_concurrent_llm: int | None = None,
    ) -> None:
        self._classifier = classifier
        self._judge = judge
        self._cache = cache
        self._budget = budget
        self._learning = learning
        # Optional: `LlmJudge` bounds (and adapts) its own concurrency, and batching needs many
        # callers waiting at once, so the app passes none here.
        self._llm_slots = asyncio.Semaphore(max_concurrent_llm) if max_concurrent_llm else None
        # Copies of one text arriving together wait for the first one's LLM call.
        self._in_flight: dict[str, asyncio.Future[Verdict]] = {}

    # --- fast tier -------------------------------------------------------------------------

    def fast_verdict(
        self, request: ModerationRequest, settings: GroupSettings, text: NormalizedText | None = None
    ) -> Verdict | None:
        """Rules only. A verdict only when a rule is certain; None means "let the worker judge".

        `text`: the request's text already normalized without its link urls (the raid lock did it
        for this update), so it is not normalized a second time."""
        started = time.perf_counter()
        if self._exempt(request, settings) is not None:
            return None
        newcomer = is_newcomer(request, settings.rules)
        locked = lock_verdict(request, settings, newcomer)
        if locked is not None:
            return dataclasses.replace(locked, elapsed_ms=(time.perf_counter() - started) * 1000)
        text = normalize(request.text, request.link_urls) if text is None else with_link_urls(text, request.link_urls)
        hits = run_checks(RuleInput(request, text, settings.rules, newcomer))
        verdict = self._rule_verdict(hits)
        if verdict is None:
            return None
        return dataclasses.replace(verdict, elapsed_ms=(time.perf_counter() - started) * 1000)

    # --- offline tiers ---------------------------------------------------------------------

    def assess(
        self, request: ModerationRequest, settings: GroupSettings, group: GroupModel = EMPTY_GROUP_MODEL
    ) -> Assessment:
        started = time.perf_counter()
        assessment = self._assess(request, settings, group)
        elapsed = (time.perf_counter() - started) * 1000
        return dataclasses.replace(assessment, verdict=dataclasses.replace(assessment.verdict, elapsed_ms=elapsed))

    def _assess(self, request: ModerationRequest, settings: GroupSettings, group: GroupModel) -> Assessment:
        """Exemptions, locks and certain rules first; what they leave goes to `_judge_text`."""
        exempt = self._exempt(request, settings)
        if exempt is not None:
            return Assessment(Band.SKIPPED, exempt)
        newcomer = is_newcomer(request, settings.rules)
        locked = lock_verdict(request, settings, newcomer)
        if locked is not None:
            return Assessment(Band.RULE, locked, None, (), None, newcomer)
        text = normalize(request.text, request.link_urls)
        hits = run_checks(RuleInput(request, text, settings.rules, newcomer))
        rule_verdict = self._rule_verdict(hits)
        if rule_verdict is not None:
            return Assessment(Band.RULE, rule_verdict, text, hits, None, newcomer)
        if not text.folded and not hits:
            return Assessment(Band.SKIPPED, Verdict.allow(Tier.SKIPPED, "nothing to judge"), text, hits, None, newcomer)
        return self._judge_text(_Judging(request, settings.rules, text, hits, newcomer), group)

    def _judge_text(self, j: _Judging, group: GroupModel) -> Assessment:
        """A greeting, then what the admins taught this group, then the classifier's score."""
        details = _hit_details(j.hits)
        if not j.abuse_hits and not j.spam_hits and is_greeting(j.text):
            # "hello", "всем привет": how newcomers begin. Never spam, whatever the classifier says.
            verdict = Verdict.allow(Tier.CLASSIFIER, "a greeting", 1.0, details=details + (("greeting", "yes"),))
            return j.assessment(Band.HAM, verdict, 0.0)
        match = group.nearest(j.text) if len(group) else None
        if match is not None and match.decides:
            details += (("group.sample", f"{match.label.value} {match.similarity:.2f}"),)
            if match.label is SampleLabel.SPAM:
                verdict = _delete(
                    Category.SPAM, match.similarity, "matches spam the admins removed", Tier.CLASSIFIER, details
                )
                return j.assessment(Band.SPAM, verdict, 1.0)
            verdict = Verdict.allow(
                Tier.CLASSIFIER, "matches a message the admins approved", match.similarity, details=details
            )
            return j.assessment(Band.HAM, verdict, 0.0)
        shift = sum(hit.weight for hit in j.spam_hits) + (match.log_odds_shift if match else 0.0)
        return self._by_score(j, self._classifier.score(j.text, shift).probability, details)

    @staticmethod
    def _by_score(j: _Judging, p: float, details: tuple[tuple[str, str], ...]) -> Assessment:
        """The classifier's bands (a newcomer's are stricter) over the spam probability `p`."""
        details += (("classifier.p_spam", f"{p:.3f}"),)
        bands = j.policy.classifier
        spam_at, ham_below, decide_at = (
            (bands.newcomer_spam_at, bands.newcomer_ham_below, bands.newcomer_decide_at)
            if j.newcomer
            else (bands.spam_at, bands.ham_below, bands.decide_at)
        )
        category = next((hit.category for hit in j.spam_hits if hit.category is not Category.SPAM), Category.SPAM)
        if p >= spam_at:
            verdict = _delete(category, p, "the classifier is sure this is spam", Tier.CLASSIFIER, details)
            return j.assessment(Band.SPAM, verdict, p)
        if p < ham_below and j.abuse_hits:
            reason = f"not spam, but {j.abuse_hits[0].detail}: the judge decides"
            return j.assessment(Band.UNCERTAIN, Verdict.allow(Tier.CLASSIFIER, reason, 1.0 - p, details=details), p)
        if p < ham_below:
            return j.assessment(Band.HAM, Verdict.allow(Tier.CLASSIFIER, "", 1.0 - p, details=details), p)
        if j.request.member.trust is TrustLevel.TRUSTED and not j.hits:
            # A trusted member's borderline message is theirs to write; only a certain score acts.
            verdict = Verdict.allow(Tier.CLASSIFIER, "trusted member", 1.0 - p, details=details)
            return j.assessment(Band.HAM, verdict, p)
        if p >= decide_at:
            verdict = _delete(category, p, "the classifier leans to spam", Tier.CLASSIFIER, details)
        else:
            verdict = Verdict.allow(Tier.CLASSIFIER, "the classifier leans to ham", 1.0 - p, details=details)
        return j.assessment(Band.UNCERTAIN, verdict, p)

    @staticmethod
    def _exempt(request: ModerationRequest, settings: GroupSettings) -> Verdict | None:
        if not settings.moderation_enabled:
            return Verdict.allow(Tier.SKIPPED, "moderation is off")
        if request.member.is_admin and not settings.moderate_admins:
            return Verdict.allow(Tier.SKIPPED, "admins are exempt")
        return None

    @staticmethod
    def _rule_verdict(hits: tuple[RuleHit, ...]) -> Verdict | None:
        certain = [hit for hit in hits if hit.certain]
        if not certain:
            return None
        first = certain[0]
        return _delete(first.category, 1.0, f"{first.check}: {first.detail}", Tier.RULES, _hit_details(hits))

    # --- full cascade ----------------------------------------------------------------------

    async def decide(self, request: ModerationRequest, settings: GroupSettings) -> Verdict:
        started = time.perf_counter()
        group = await self._learning.model_for(request.chat_id) if self._learning else EMPTY_GROUP_MODEL
        assessment = self.assess(request, settings, group)
        verdict = assessment.verdict
        if self._wants_llm(assessment, request, settings):
            verdict = await self._ask_judge(request, settings, assessment)
        verdict = dataclasses.replace(verdict, elapsed_ms=(time.perf_counter() - started) * 1000)
        log.info(
            "moderation.verdict",
            chat_id=request.chat_id,
            message_id=request.message_id,
            band=assessment.band.value,
            tier=verdict.tier.value,
            action=verdict.action.value,
            category=verdict.category.value,
            p_spam=assessment.spam_probability,
            elapsed_ms=round(verdict.elapsed_ms, 3),
        )
        return verdict

    def _wants_llm(self, assessment: Assessment, request: ModerationRequest, settings: GroupSettings) -> bool:
        if self._judge is None or settings.llm_judge is JudgeMode.OFF or assessment.text is None:
            return False
        if assessment.band in (Band.SKIPPED, Band.RULE):
            return False
        if request.member.trust is TrustLevel.TRUSTED and not assessment.hits:
            return False
        if settings.llm_judge is JudgeMode.ALL:
            return True
        return assessment.band is Band.UNCERTAIN

    async def _ask_judge(self, request: ModerationRequest, settings: GroupSettings, assessment: Assessment) -> Verdict:
        assert assessment.text is not None and self._judge is not None
        key = cache_key(assessment.text, settings)
        if self._cache is not None and (cached := await self._cache.get(key)) is not None:
            return dataclasses.replace(
                cached, tier=Tier.CACHE, details=cached.details + (("cache.tier", cached.tier.value),)
            )
        waiting = self._in_flight.get(key)
        if waiting is not None:
            verdict = await asyncio.shield(waiting)
            return dataclasses.replace(
                verdict, tier=Tier.CACHE, details=verdict.details + (("cache.tier", verdict.tier.value),)
            )
        future: asyncio.Future[Verdict] = asyncio.get_running_loop().create_future()
        self._in_flight[key] = future
        try:
            verdict = await self._call_judge(request, settings, assessment, key)
            future.set_result(verdict)
            return verdict
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            # Waiting copies see the same failure; mark it retrieved, as there may be none.
            future.set_exception(exc)
            future.exception()
            raise
        finally:
            del self._in_flight[key]

    async def _call_judge(
        self, request: ModerationRequest, settings: GroupSettings, assessment: Assessment, key: str
    ) -> Verdict:
        assert self._judge is not None
        offline = assessment.verdict
        if self._budget is not None and not await self._budget.try_spend(request.chat_id, settings.llm_daily_budget):
            log.info("moderation.llm_budget_spent", chat_id=request.chat_id)
            return dataclasses.replace(offline, details=offline.details + (("llm.skipped", "daily budget spent"),))
        if self._llm_slots is not None:
            async with self._llm_slots:
                verdict = await self._judge.judge(
                    request, rules_text=settings.rules_text, language=settings.language.value
                )
        else:
            verdict = await self._judge.judge(request, rules_text=settings.rules_text, language=settings.language.value)
        if verdict.error is not None:
            log.warning(
                "moderation.llm_failed",
                chat_id=request.chat_id,
                message_id=request.message_id,
                band=assessment.band.value,
                error=verdict.error,
            )
            if assessment.band is Band.UNCERTAIN:
                raise JudgeUnavailable(verdict.error, offline)
            # The offline tiers were sure ("all" mode asked anyway): their verdict stands.
            return dataclasses.replace(offline, details=offline.details + (("llm.error", verdict.error),))
        verdict = dataclasses.replace(verdict, details=offline.details + verdict.details)
        if self._cache is not None:
            await self._cache.put(key, verdict)
        return verdict
