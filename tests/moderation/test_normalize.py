"""Normalization undoes the tricks spam uses to dodge matching, and never breaks on odd input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from luka_bot.moderation.normalize import MAX_CHARS, normalize

FOLDING = [
    ("case and spaces", "  FREE   Money  ", "free money"),
    ("zero width inside words", "sp\u200bam w\u200do\u2060rd", "spam word"),
    ("cyrillic letters in a latin word", "BТC аnd USDТ", "btc and usdt"),
    ("latin letters in a cyrillic word", "пpивет, зaработок", "привет, заработок"),
    ("cyrillic g for latin r", "ƒгее", "free"),
    ("leetspeak latin", "m0ney b1tc0in", "money bitcoin"),
    ("leetspeak cyrillic", "пр0дам з0лото", "продам золото"),
    ("leetspeak before closing dots", "вот ты е6лан....", "вот ты еблан...."),
    ("a link's dots keep its digits", "see s1te.com.", "see s1te.com."),
    ("spaced out letters", "f r e e money", "free money"),
    ("dotted letters", "к.у.п.и.т.е сейчас", "купите сейчас"),
    ("fullwidth and math letters", "ｆｒｅｅ 𝐦𝐨𝐧𝐞𝐲", "free money"),
    ("combining marks stacked", "Z\u0338\u0322a\u0335l\u0334g\u0337o", "zalgo"),
    ("yo folds to ye", "ещё", "еще"),
    ("prices are not leetspeak", "usdt500 10k 24/7", "usdt500 10k 24/7"),
    ("usernames keep their digits", "@crypto_guru77", "@crypto_guru77"),
    ("short words stay", "e.g. i am ok", "e.g. i am ok"),
    ("a one-letter word stays apart from a dotted word", "и д.е.б.и.л", "и дебил"),
    ("a one-letter word stays apart from a hyphenated word", "а х-у-й-н-я", "а хуйня"),
    ("dotted abbreviations stay", "в т.ч. и т.д.", "в т.ч. и т.д."),
    ("reversed e in a latin word is e", "frɜɜ monɜy", "free money"),
    ("reversed e in a cyrillic word is ze", "ɜаработок", "заработок"),
    ("a look-alike word takes the script of its sentence", "опять этот xyeв сервер", "опять этот хуев сервер"),
    ("latin u for cyrillic i", "ну вы и дeбuлы", "ну вы и дебилы"),
    ("greek look-alikes inside a cyrillic word", "ρабοта на дому", "работа на дому"),
    ("greek look-alikes inside a latin word", "FREE cαsinο sΡΙns", "free casino spins"),
    ("a greek sentence stays greek (casefolded)", "Καλημέρα σας", "καλημέρα σασ"),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in FOLDING], ids=[c[0] for c in FOLDING])
def test_folds_tricks_away(text: str, expected: str) -> None:
    assert normalize(text).folded == expected


LINKS = [
    ("plain https", "see https://example.com/docs.", ["example.com/docs"]),
    ("www without scheme", "go to www.Example.org", ["example.org"]),
    ("bare domain", "docs at python.org/3/", ["python.org/3/"]),
    ("telegram invite", "join https://t.me/+AbCdEf", ["t.me/+abcdef"]),
    ("spaced dot", "join t . me/joinchat/xyz", ["t.me/joinchat/xyz"]),
    ("bracket dot", "visit evil[.]com now", ["evil.com"]),
    ("dot spelled out", "visit evil dot com now", ["evil.com"]),
    ("dot spelled in russian", "сайт evil точка ru", ["evil.ru"]),
    ("defanged scheme", "hxxps://bad.top/x", ["bad.top/x"]),
    ("shortener", "https://bit.ly/3abc", ["bit.ly/3abc"]),
    ("cyrillic domain", "магазин.рф", ["магазин.рф"]),
    ("tg scheme", "tg://resolve?domain=spam", ["t.me/resolve"]),
    ("sentence end is no link", "I like it. Me too", []),
    ("version numbers are no link", "python 3.11 and v1.2.3", []),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in LINKS], ids=[c[0] for c in LINKS])
def test_finds_links_even_when_obfuscated(text: str, expected: list[str]) -> None:
    assert [str(link) for link in normalize(text).links] == expected


def test_telegram_invite_is_recognised() -> None:
    links = normalize("t.me/+abc and t.me/somechannel").links
    assert [link.is_telegram_invite for link in links] == [True, False]
    assert all(link.is_telegram for link in links)


def test_entity_urls_join_the_links() -> None:
    assert normalize("click here", link_urls=["https://Bit.ly/x"]).domains == ("bit.ly",)


def test_measures_the_message() -> None:
    n = normalize("HELLO EVERYONE BUY NOW 🚀🚀🔥\n@alice_1 @bob_22\nline3\u200b")
    assert (n.emojis, n.mentions, n.lines, n.invisible_removed) == (3, 2, 3, 1)
    assert n.caps_ratio > 0.6


def test_emoji_with_variation_selector_is_not_hidden_text() -> None:
    assert normalize("❤\ufe0f 👨\u200d👩\u200d👧").invisible_removed == 0


def test_mixed_script_words_are_counted() -> None:
    assert normalize("BТC аnd plain").mixed_script_words == 2


def test_huge_input_is_cut() -> None:
    assert len(normalize("a" * (MAX_CHARS * 3)).original) == MAX_CHARS


text_with_tricks = st.text(
    alphabet=st.one_of(
        st.characters(),
        st.sampled_from(list("аеорсухкмтнвгіAEOPCYXKMTHBRoαορµΒΟΡ0134567@$ .-_*·\n\t\u200b\u200d\ufe0f🚀")),
    ),
    max_size=300,
)


@settings(max_examples=400, deadline=None)
@given(text_with_tricks)
def test_never_crashes_and_is_idempotent(text: str) -> None:
    once = normalize(text)
    assert normalize(once.folded).folded == once.folded


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), min_size=0, max_size=20000))
def test_any_unicode_never_crashes(text: str) -> None:
    result = normalize(text)
    assert len(result.original) <= MAX_CHARS
    assert 0.0 <= result.caps_ratio <= 1.0
