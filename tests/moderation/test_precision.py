"""Spam precision and short spam: what a newcomer's short offer looks like to the offline tiers,
and what ordinary messages with a link, a mention, a sum or a "+" must not look like.

Every phrase here is written for this test and is in no training file, so a pass says the
features and samples carry over to new wordings, not that a line was memorised.
"""

from __future__ import annotations

import pytest

from luka_bot.moderation.cascade import Band, Cascade
from luka_bot.moderation.classifier import SpamClassifier, features
from luka_bot.moderation.normalize import normalize
from luka_bot.moderation.rules import RuleInput
from luka_bot.moderation.rules.links import has_newcomer_link
from luka_bot.moderation.rules.mentions import is_mention_flood
from luka_bot.moderation.rules.offers import is_short_offer
from luka_bot.moderation.signals import (
    has_contact_call,
    has_money,
    has_rate,
    leading_mentions,
    only_media_links,
)
from luka_bot.moderation.train import DATA_DIR, read_samples
from luka_bot.moderation.verdict import Action, MemberContext, ModerationRequest, TrustLevel
from luka_bot.policy.group import GroupSettings
from luka_bot.policy.rules import RulesPolicy

NEWCOMER = MemberContext(trust=TrustLevel.NEWCOMER, is_first_message=True)


@pytest.fixture(scope="module")
def cascade() -> Cascade:
    return Cascade(SpamClassifier.load())


def first_message(text: str) -> ModerationRequest:
    return ModerationRequest(chat_id=1, message_id=1, user_id=7, text=text, member=NEWCOMER)


def rule_input(text: str, newcomer: bool = True) -> RuleInput:
    return RuleInput(first_message(text), normalize(text), RulesPolicy(), newcomer)


# --- signals -------------------------------------------------------------------------------

MONEY = [
    ("помогите с ремонтом, дам 2600", False),  # no currency, no pay word: a number is not a sum
    ("оплата 3.900 после работы", True),
    ("за вечер 2700₽", True),
    ("плачу 1800 за час", True),
    ("поднял 12к за неделю", True),
    ("$75 for one hour", True),
    ("earn 650 a day", True),
    ("у меня 32 гб памяти и 8 ядер", False),
    ("зайду в 7 к вам", False),
    ("встреча в 19.30 у входа", False),
    ("в 2019 году было лучше", False),
]


@pytest.mark.parametrize(("text", "expected"), MONEY, ids=[t for t, _ in MONEY])
def test_money(text: str, expected: bool) -> None:
    assert has_money(normalize(text).folded) is expected


CALLS = [
    ("детали расскажу в личке", False),  # no "write": a promise, not a hand-off
    ("подробности расскажу в лс", True),
    ("пишите мне в личку", True),
    ("ставьте + кому интересно", True),
    ("hmu if you want in", False),
    ("dm me for the link", True),
    ("info in my bio", True),
    ("ответил тебе в чате", False),
    ("plus one from me", False),
]


@pytest.mark.parametrize(("text", "expected"), CALLS, ids=[t for t, _ in CALLS])
def test_contact_call(text: str, expected: bool) -> None:
    assert has_contact_call(normalize(text).folded) is expected


def test_rate_needs_a_span_of_time() -> None:
    assert has_rate(normalize("от 2300 за смену").folded)
    assert has_rate(normalize("$90 per hour").folded)
    assert not has_rate(normalize("созвон в пятницу").folded)


@pytest.mark.parametrize(
    ("text", "leading"),
    [
        ("@olga_m спасибо, помогло", 1),
        ("RT @city_radio: road closed near the park", 1),
        ("@kate_w @tom_r agreed, see you there", 2),
        ("по всем вопросам пишите @helper_desk", 0),
        ("thanks @nick_p for the tip", 0),
    ],
)
def test_leading_mentions_address_someone(text: str, leading: int) -> None:
    assert leading_mentions(normalize(text).folded) == leading


def test_media_links_are_told_from_other_links() -> None:
    assert only_media_links(normalize("look https://t.co/Zx81 and https://youtu.be/a1b2").links)
    assert not only_media_links(normalize("look https://t.co/Zx81 and https://lucky-prize.xyz").links)
    assert not only_media_links(())


def test_links_and_mentions_become_tokens_of_their_kind() -> None:
    a = features(normalize("so true @river_fox http://t.co/Qa1Zr9"))
    b = features(normalize("so true @night_owl_77 http://t.co/Pm4Kd2"))
    assert a == b  # the handle and the link's letters do not reach the model
    assert "w:<at>" in a and "w:<link>" in a


# --- rules ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("Breaking: storm hits the coast https://t.co/Rk2Lw9", False),
        ("this interview is great https://www.youtube.com/watch?v=x1", False),
        ("заходи на lucky-prize.xyz за бонусом", True),
        ("видео тут youtu.be/q1 и регистрация тут win-cash.online", True),
    ],
)
def test_newcomer_link_ignores_shared_news(text: str, fires: bool) -> None:
    assert (has_newcomer_link(rule_input(text)) is not None) is fires


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("@maria_k haha same here", False),
        ("RT @newsdesk: the mayor resigned today", False),
        ("по деталям пишите @fast_cash_desk", True),
        ("great stuff, ask @promo_manager_x for a code", True),
    ],
)
def test_newcomer_mention_only_when_handing_off(text: str, fires: bool) -> None:
    hit = is_mention_flood(rule_input(text))
    assert (hit is not None and hit.check == "rule.newcomer_mention") is fires


@pytest.mark.parametrize(
    ("text", "fires"),
    [
        ("Ищу помощника на вечер, дам 3100₽", True),
        ("Подработка, пишите в лс", True),
        ("Hiring today, $95 an hour", True),
        ("купил наушники за 4500, норм?", False),  # a price, no offer
        ("напиши в лс, скину фото кота", False),  # a hand-off, no offer and no sum
        ("кто знает, где купить дрова?", False),
    ],
)
def test_short_offer_rule(text: str, fires: bool) -> None:
    assert (is_short_offer(rule_input(text)) is not None) is fires


def test_short_offer_rule_spares_members() -> None:
    assert is_short_offer(rule_input("Ищу помощника на вечер, дам 3100₽", newcomer=False)) is None


# --- the whole offline cascade, a newcomer's first message ---------------------------------

SHORT_SPAM = [
    # offers with no sum and no "write me": only the words say it is work on offer
    "Кто поможет донести шкаф до машины? Отблагодарю",
    "Надо перевезти вещи на дачу, заплачу хорошо",
    "Разнорабочие на объект, расчёт ежедневно",
    "Ищу пару ребят на погрузку, плачу наличкой",
    "Помогу с деньгами, кто в сложной ситуации",
    # a sum, a rate, a hand-off
    "Нужен помощник на пару часов, отдам 3300 сразу",
    "Кто свободен сегодня? Подработка, 2900 за вечер",
    "Халтура на завтра, расчёт наличными, пишите",
    "Требуются люди на склад, 1900 за смену, в лс",
    "Работа с телефона, доход от 3к в день, пиши +",
    "Удалёнка без опыта, 55к в месяц, подробности в лс",
    "Казино выдаёт, поднял 35к, ссылка в профиле",
    "Дарю 150 фриспинов, пиши в личку",
    "Отдам бесплатно курс по трейдингу, ставьте +",
    "Сигналы по фьючерсам, профит каждый день, в лс",
    "Paying $180 for a quick errand today, DM me",
    "Earn $400 a day from your phone, link in bio",
]


@pytest.mark.parametrize("text", SHORT_SPAM)
def test_short_spam_is_removed_offline(cascade: Cascade, text: str) -> None:
    assessment = cascade.assess(first_message(text), GroupSettings())
    assert assessment.verdict.action is Action.DELETE, assessment.verdict


ORDINARY = [
    # shared news and tweets with a link and a mention
    "RT @metro_desk: trains delayed on the north line this morning https://t.co/Tz81Qa",
    "wow this goal is unreal https://t.co/Lp29Xc via @footy_clips",
    "@jess_r lol you were right about the ending",
    "@dad_jokes_daily this one got me 😂",
    "RT @techdaily: new phone leaks show a bigger camera http://t.co/Qp0Lm2 via @gadgetguy",
    "the whole interview is here https://www.youtube.com/watch?v=Qw3rT",
    # informal English
    "ngl that burger was overpriced, $18 for what",
    "my landlord raised rent again smh",
    "cant sleep, watching old cartoons",
    # Russian chat with sums, "лс" and "+"
    "замена экрана обошлась в 6500, дорого вышло",
    "скинул тебе в лс адрес",
    "+ тоже пойду в субботу",
    "кто знает, сколько стоит техосмотр?",
    "работаю до 19, потом отвечу",
    "бесплатный вход на выставку до воскресенья",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_message_is_not_removed(cascade: Cascade, text: str) -> None:
    assessment = cascade.assess(first_message(text), GroupSettings())
    assert assessment.verdict.action is Action.ALLOW, assessment.verdict


@pytest.mark.parametrize(
    "text",
    ["hi all", "Всем привет!", "good evening folks", "Добрый вечер, коллеги", "hey everyone, glad to be here"],
)
def test_greeting_is_never_spam(cascade: Cascade, text: str) -> None:
    assessment = cascade.assess(first_message(text), GroupSettings())
    assert assessment.band is Band.HAM and assessment.verdict.action is Action.ALLOW


def test_the_test_phrases_are_not_training_samples() -> None:
    """The tables above measure generalisation only while no phrase is also a training sample."""
    trained = {text.casefold() for text, _ in read_samples(DATA_DIR)}
    for text in SHORT_SPAM + ORDINARY:
        assert text.casefold() not in trained, text
