"""What admins teach one group: /spam adds a spam sample, "Not spam" a ham sample.

The shipped classifier is the same for every group; these samples sit on top of it. A message
that nearly repeats a spam sample is decided by it (the fifth copy of a spam an admin removed goes
at once); a looser resemblance only moves the score. A restore ("Not spam") is narrower on
purpose: it says "this one text was fine", so only the very same text is allowed by it. Spammers
send near-copies of a restored message; those are judged as if nothing had been restored.
Storage is a Protocol: the lead's Redis store or the in-memory one here.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from cachetools import TTLCache

from luka_bot.domain import LabeledSample as LabeledSample  # the leaf's, named here for callers
from luka_bot.domain import SampleLabel as SampleLabel
from luka_bot.moderation.normalize import NormalizedText, normalize

NEAR_DUPLICATE = 0.8  # word-set Jaccard at which a sample decides alone
RESEMBLANCE = 0.5  # below this a sample says nothing
RESEMBLANCE_WEIGHT = 3.0  # log-odds moved at similarity 1.0
_WORD = re.compile(r"[^\W_]{2,}")


class SampleStore(Protocol):
    async def add(self, chat_id: int, sample: LabeledSample) -> None: ...

    async def load(self, chat_id: int) -> Sequence[LabeledSample]: ...


class InMemorySampleStore:
    """For tests and `eval`; keeps the newest `limit` samples per group."""

    def __init__(self, limit: int = 500) -> None:
        self._limit = limit
        self._samples: dict[int, list[LabeledSample]] = {}

    async def add(self, chat_id: int, sample: LabeledSample) -> None:
        samples = self._samples.setdefault(chat_id, [])
        samples.append(sample)
        del samples[: -self._limit]

    async def load(self, chat_id: int) -> Sequence[LabeledSample]:
        return tuple(self._samples.get(chat_id, ()))


@dataclass(frozen=True, slots=True)
class SampleMatch:
    label: SampleLabel
    similarity: float
    sample: str
    exact: bool = False  # the very same normalized text

    @property
    def decides(self) -> bool:
        if self.label is SampleLabel.HAM:
            return self.exact
        return self.similarity >= NEAR_DUPLICATE

    @property
    def log_odds_shift(self) -> float:
        if self.label is SampleLabel.HAM or self.similarity < RESEMBLANCE:
            return 0.0
        sign = 1.0 if self.label is SampleLabel.SPAM else -1.0
        return sign * RESEMBLANCE_WEIGHT * self.similarity


class GroupModel:
    """One group's samples, indexed by word for a fast nearest-sample look-up."""

    def __init__(self, samples: Sequence[LabeledSample]) -> None:
        # A later label for the same text wins: "Not spam" after /spam undoes it.
        latest = {sample.text: sample for sample in samples}
        self._samples = list(latest.values())
        self._by_text = latest
        self._words = [frozenset(_WORD.findall(sample.text)) for sample in self._samples]
        self._index: dict[str, list[int]] = {}
        for i, words in enumerate(self._words):
            for word in words:
                self._index.setdefault(word, []).append(i)

    def __len__(self) -> int:
        return len(self._samples)

    def nearest(self, text: NormalizedText) -> SampleMatch | None:
        exact = self._by_text.get(text.folded)
        if exact is not None:
            return SampleMatch(exact.label, 1.0, exact.text, exact=True)
        words = frozenset(_WORD.findall(text.folded))
        if not words or not self._samples:
            return None
        overlap: dict[int, int] = {}
        for word in words:
            for i in self._index.get(word, ()):
                overlap[i] = overlap.get(i, 0) + 1
        best: SampleMatch | None = None
        for i, shared in overlap.items():
            if self._samples[i].label is SampleLabel.HAM:
                continue  # an approval covers its own text only (matched exactly above)
            similarity = shared / (len(words) + len(self._words[i]) - shared)
            if best is None or similarity > best.similarity:
                sample = self._samples[i]
                best = SampleMatch(sample.label, similarity, sample.text)
        return best


EMPTY_GROUP_MODEL = GroupModel(())


class GroupLearning:
    """The one object handlers call to teach a group, and the cascade asks for its model.

    Models are rebuilt from the store at most every `refresh_s` seconds (other processes may
    add samples), and at once after a sample is added through this object.
    """

    def __init__(
        self,
        store: SampleStore,
        *,
        refresh_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        max_groups: int = 10_000,
    ) -> None:
        self._store = store
        self._refresh_s = refresh_s
        self._clock = clock
        # The most recently used groups' models only, and only while fresh: a bot in many groups
        # must not keep a model for every group it ever saw (the rest are rebuilt from the store
        # when next needed), and an idle group's stale model leaves instead of waiting for eviction.
        self._models: TTLCache[int, tuple[float, GroupModel]] = TTLCache(maxsize=max_groups, ttl=refresh_s, timer=clock)

    @property
    def cached_groups(self) -> int:
        """Groups whose model is held in process now (at most `max_groups`, none idle past `refresh_s`)."""
        return len(self._models)

    async def add_sample(self, chat_id: int, text: str, label: SampleLabel) -> None:
        folded = normalize(text).folded
        if folded:
            await self._store.add(chat_id, LabeledSample(folded, label))
            self._models.pop(chat_id, None)

    async def model_for(self, chat_id: int) -> GroupModel:
        now = self._clock()
        cached = self._models.get(chat_id)
        if cached and now - cached[0] < self._refresh_s:
            return cached[1]
        samples = await self._store.load(chat_id)
        model = GroupModel(samples) if samples else EMPTY_GROUP_MODEL
        self._models[chat_id] = (now, model)
        return model
