"""The local classifier: logistic regression over words and character n-grams, calibrated.

Why this model: it scores a message in well under a millisecond in pure Python (a sum of dict
lookups), it learns from a few hundred samples, and character n-grams carry over between
English and Russian word forms ("заработ", "earn") and survive typos. The weights are trained
offline (`python -m luka_bot.moderation.train`) from the project's own samples and shipped as
JSON; Platt scaling, fitted on out-of-fold scores, turns the raw score into a probability.

Besides words and n-grams the model sees a few meta features: what links point at (a shared
tweet or video is not a shop), whether mentions open the message (a reply) or hand off, and the
parts of an offer (`signals.py`: a sum, a rate, a "write me in DM"), which carry over between
short offers that share no words.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from luka_bot.moderation.normalize import NormalizedText
from luka_bot.moderation.signals import (
    has_contact_call,
    has_money,
    has_offer_words,
    has_rate,
    is_media_link,
    leading_mentions,
)

MODEL_FILE = Path(__file__).with_name("data") / "model.json"
SHORTENERS = frozenset(
    {
        # Not t.co: Twitter wraps every shared link in it, so it marks a shared tweet, not a hidden target.
        "bit.ly",
        "bitly.com",
        "tinyurl.com",
        "goo.gl",
        "cutt.ly",
        "is.gd",
        "v.gd",
        "clck.ru",
        "urlz.fr",
        "shorturl.at",
        "rebrand.ly",
        "tiny.cc",
        "ow.ly",
        "u.to",
        "vk.cc",
        "rb.gy",
        "lnkd.in",
        "bit.do",
        "s.id",
        "qps.ru",
        "surl.li",
        "tiny.one",
        "linktr.ee",
        "taplink.cc",
    }
)

_TOKEN = re.compile(r"[^\W_]+|[$€₽£₿%+!?]", re.UNICODE)
# A link or a mention is one token standing for its kind: the random letters of "t.co/x7Gq2" or
# "@mark_2001" would otherwise become n-grams that a few hundred samples give arbitrary weights.
_LINK_OR_MENTION = re.compile(
    r"(?P<link>\b(?:https?|tg)://\S+|\b(?:[a-z0-9а-я-]+\.)+(?:com|ru|me|co|net|org|io|xyz|online|site|top|"
    r"club|shop|pro|info|biz|ly|cc|gl|gd|link|click|win|bet|casino|vip|fun|tk|рф)(?:/\S*)?)|"
    r"(?P<at>(?<![\w@])@[a-z][a-z0-9_]{3,31}\b)"
)
_DIGITS = re.compile(r"\d+")
_CHAR_NGRAMS = (3, 4, 5)
# Long messages add nothing past this many tokens; the cap bounds the cost of one score.
_MAX_TOKENS = 200


def features(text: NormalizedText) -> list[str]:
    """Feature names of one message. Numbers become their shape, so "3000" and "5000" agree."""
    tokens = _tokens(text)[:_MAX_TOKENS]
    out = ["w:" + t for t in tokens]
    out += ["b:" + a + " " + b for a, b in itertools.pairwise(tokens)]
    for token in tokens:
        if len(token) < 3 or token in _PLACEHOLDERS:
            continue
        padded = " " + token + " "
        for n in _CHAR_NGRAMS:
            out += ["c:" + padded[i : i + n] for i in range(len(padded) - n + 1)]
    out += _meta_features(text)
    return out


_PLACEHOLDERS = frozenset({"<link>", "<at>"})


def _tokens(text: NormalizedText) -> list[str]:
    folded = text.folded
    if not (text.links or text.mentions):
        # Most messages have neither; the plain tokenizer is a few times cheaper.
        return [_DIGITS.sub(_shape, t) for t in _TOKEN.findall(folded)]
    tokens: list[str] = []
    position = 0
    for match in _LINK_OR_MENTION.finditer(folded):
        tokens += _TOKEN.findall(folded, position, match.start())
        tokens.append("<link>" if match.group("link") else "<at>")
        position = match.end()
    tokens += _TOKEN.findall(folded, position)
    return [_DIGITS.sub(_shape, t) for t in tokens]


def _shape(number: re.Match[str]) -> str:
    return "0" * min(len(number.group(0)), 5)


def _offer_features(folded: str) -> list[str]:
    """The parts of an offer, and the pairs of them that make one (see `signals`)."""
    money, call = has_money(folded), has_contact_call(folded)
    if not (money or call):
        return []
    meta = ["m:money"] if money else []
    if call:
        meta.append("m:call")
    if money and has_rate(folded):
        meta.append("m:money_rate")
    if money and call:
        meta.append("m:money_call")
    if has_offer_words(folded):
        meta.append("m:offer_money" if money else "m:offer_call")
    return meta


def _meta_features(text: NormalizedText) -> list[str]:
    folded = text.folded
    meta = _offer_features(folded)
    for link in text.links:
        if is_media_link(link):
            # A shared tweet, video or article: not the same evidence as a link to a shop.
            meta.append("m:media_link")
            continue
        meta.append("m:link")
        if link.is_telegram_invite:
            meta.append("m:tg_invite")
        elif link.is_telegram:
            meta.append("m:tg_link")
        if link.domain in SHORTENERS:
            meta.append("m:shortener")
    if text.mentions:
        leading = leading_mentions(folded)
        if leading:
            meta.append("m:mention_lead")
        if text.mentions > leading:
            meta.append("m:mention")
    if text.emojis >= 3:
        meta.append("m:emojis")
    if text.letters >= 20 and text.caps_ratio > 0.6:
        meta.append("m:caps")
    if text.hidden_tricks:
        meta.append("m:tricks")
    length = len(text.folded)
    meta.append("m:len" + ("<20" if length < 20 else "<60" if length < 60 else "<200" if length < 200 else "200+"))
    return meta


@dataclass(frozen=True, slots=True)
class Score:
    probability: float  # calibrated P(spam), shifts included
    log_odds: float  # calibrated log-odds, shifts included


class SpamClassifier:
    """Scores normalized text. Build with `load()`; weights come from `train.py`."""

    def __init__(self, weights: dict[str, float], bias: float, platt: tuple[float, float]) -> None:
        self._weights = weights
        self._bias = bias
        self._platt_a, self._platt_b = platt

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> SpamClassifier:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["weights"], float(data["bias"]), (float(data["platt"][0]), float(data["platt"][1])))

    def raw_score(self, feats: Sequence[str]) -> float:
        if not feats:
            return self._bias
        weights = self._weights
        unique = set(feats)
        # Binary features scaled to unit length, so a long message is not spam for being long.
        # map over dict.get runs in C; the same additions in the same order as a generator's.
        return self._bias + sum(map(weights.get, unique, itertools.repeat(0.0, len(unique)))) / math.sqrt(len(unique))

    def calibrate(self, logit: float) -> float:
        return _sigmoid(self._platt_a * logit + self._platt_b)

    def score(self, text: NormalizedText, shift: float = 0.0) -> Score:
        """`shift` adds log-odds after calibration: rule suspicions, a group's own samples."""
        log_odds = self._platt_a * self.raw_score(features(text)) + self._platt_b + shift
        return Score(_sigmoid(log_odds), log_odds)


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


# --- training (offline; used by train.py and tests) -------------------------------------------


def fit_logistic(
    samples: Sequence[tuple[list[str], int]],
    *,
    epochs: int = 40,
    l2: float = 1e-4,
    rate: float = 0.2,
    seed: int = 7,
) -> tuple[dict[str, float], float]:
    """AdaGrad logistic regression on binary, unit-scaled features. Deterministic for a seed."""
    import random

    rng = random.Random(seed)
    weights: dict[str, float] = {}
    grad_sq: dict[str, float] = {}
    bias = 0.0
    bias_sq = 1e-8
    prepared = [(sorted(set(f)), label) for f, label in samples]
    order = list(range(len(prepared)))
    for _ in range(epochs):
        rng.shuffle(order)
        for index in order:
            feats, label = prepared[index]
            scale = 1.0 / math.sqrt(len(feats)) if feats else 0.0
            z = bias + sum(weights.get(f, 0.0) for f in feats) * scale
            error = _sigmoid(z) - label
            for f in feats:
                w = weights.get(f, 0.0)
                g = error * scale + l2 * w
                grad_sq[f] = grad_sq.get(f, 1e-8) + g * g
                weights[f] = w - rate * g / math.sqrt(grad_sq[f])
            bias_sq += error * error
            bias -= rate * error / math.sqrt(bias_sq)
    return weights, bias


def fit_platt(scores: Iterable[float], labels: Iterable[int], *, steps: int = 3000) -> tuple[float, float]:
    """Fit P(spam) = sigmoid(a*s + b) by gradient descent on log loss, with Platt's smoothed targets."""
    pairs = list(zip(scores, labels, strict=True))
    positives = sum(label for _, label in pairs)
    negatives = len(pairs) - positives
    hi = (positives + 1) / (positives + 2)
    lo = 1 / (negatives + 2)
    targets = [(s, hi if label else lo) for s, label in pairs]
    a, b = 1.0, 0.0
    rate = 0.1
    for _ in range(steps):
        grad_a = grad_b = 0.0
        for s, t in targets:
            p = _sigmoid(a * s + b)
            grad_a += (p - t) * s
            grad_b += p - t
        a -= rate * grad_a / len(targets)
        b -= rate * grad_b / len(targets)
    return a, b
