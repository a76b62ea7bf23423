"""The shipped classifier: loads, separates obvious spam from chat in both languages, is calibrated."""

from __future__ import annotations

import pytest

from luka_bot.moderation.classifier import SpamClassifier, features, fit_logistic, fit_platt
from luka_bot.moderation.normalize import normalize
from luka_bot.moderation.train import read_samples


@pytest.fixture(scope="module")
def classifier() -> SpamClassifier:
    return SpamClassifier.load()


SPAM = [
    ("ru job offer", "Ищем людей на удалёнку, 3 часа в день, платим от 4000 в день, напиши мне в личку"),
    ("ru crypto", "Научу зарабатывать на арбитраже криптовалюты, доход от 3% в день, пишите в ЛС"),
    ("en crypto testimonial", "This trader turned my $400 into $6,000 in a week, message him on WhatsApp now"),
    ("en remote job", "Hiring remote assistants, $250 per day, no experience required, text me for details"),
    ("en casino", "New online casino gives 200 free spins and a 400% first deposit bonus, register now"),
]
HAM = [
    ("ru tech question", "Подскажите, как в Django сделать миграцию без простоя?"),
    ("ru crypto talk", "Эфир сегодня опять просел, держу дальше, мне не к спеху"),
    ("ru job question", "Кто-нибудь проходил собеседование в эту компанию? Что спрашивают?"),
    ("en docs link", "The migration guide is at https://docs.djangoproject.com/en/5.0/topics/migrations/"),
    ("en chat", "Thanks, that fixed it. See you at the meetup tomorrow"),
]


@pytest.mark.parametrize("text", [t for _, t in SPAM], ids=[i for i, _ in SPAM])
def test_obvious_spam_scores_high(classifier: SpamClassifier, text: str) -> None:
    assert classifier.score(normalize(text)).probability > 0.7


@pytest.mark.parametrize("text", [t for _, t in HAM], ids=[i for i, _ in HAM])
def test_ordinary_chat_scores_low(classifier: SpamClassifier, text: str) -> None:
    assert classifier.score(normalize(text)).probability < 0.3


def test_tricks_do_not_hide_spam(classifier: SpamClassifier) -> None:
    plain = classifier.score(normalize("заработок в интернете без опыта, пишите в лс")).probability
    tricked = classifier.score(normalize("З​а​р​а​б​о​т​о​к в интeрнeтe бeз oпытa, пишитe в лс")).probability
    assert tricked == pytest.approx(plain, abs=0.05)


def test_shift_moves_the_probability(classifier: SpamClassifier) -> None:
    text = normalize("see you tomorrow")
    assert classifier.score(text, shift=3.0).probability > classifier.score(text).probability


def test_shipped_model_is_calibrated_on_its_own_samples(classifier: SpamClassifier) -> None:
    # Mean predicted probability should match the share of spam, bucket by bucket, roughly.
    samples = read_samples()
    scored = [(classifier.score(normalize(text)).probability, label) for text, label in samples]
    for low, high in ((0.0, 0.2), (0.8, 1.01)):
        bucket = [(p, y) for p, y in scored if low <= p < high]
        assert bucket, f"no samples scored in [{low}, {high})"
        spam_share = sum(y for _, y in bucket) / len(bucket)
        assert low - 0.1 <= spam_share <= high + 0.1


def test_empty_text_scores_without_error(classifier: SpamClassifier) -> None:
    assert 0.0 <= classifier.score(normalize("")).probability <= 1.0


def test_training_learns_and_platt_orders_scores() -> None:
    data = [(features(normalize(t)), 1) for t in ["win money now", "earn money fast", "free money here"]]
    data += [(features(normalize(t)), 0) for t in ["see you at lunch", "the build is green", "lunch at noon"]]
    weights, bias = fit_logistic(data, epochs=30)
    model = SpamClassifier(weights, bias, (1.0, 0.0))
    assert model.score(normalize("money money")).probability > model.score(normalize("lunch at the build")).probability
    a, _ = fit_platt([-2.0, -1.0, 1.0, 2.0], [0, 0, 1, 1])
    assert a > 0


def test_features_use_numbers_shape_not_value() -> None:
    assert set(features(normalize("earn 3000 today"))) == set(features(normalize("earn 5000 today")))
