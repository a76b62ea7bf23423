"""Every user-visible text exists in English and Russian, and values are escaped for HTML."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import luka_bot.texts as texts_package
from luka_bot.texts import missing_translations, render

CATALOGS = {
    name: module.TEXTS
    for name in (m.name for m in pkgutil.iter_modules(texts_package.__path__))
    if hasattr(module := importlib.import_module(f"luka_bot.texts.{name}"), "TEXTS")
}


def test_every_feature_has_a_catalog():
    assert {"assistant", "moderation", "settings", "community"} <= set(CATALOGS)


@pytest.mark.parametrize("name", sorted(CATALOGS), ids=str)
def test_catalog_has_english_and_russian_for_every_key(name):
    assert missing_translations(CATALOGS[name]) == []


@pytest.mark.parametrize("name", sorted(CATALOGS), ids=str)
def test_both_languages_use_the_same_placeholders(name):
    import string

    for key, variants in CATALOGS[name].items():
        fields = {lang: {f for _, f, _, _ in string.Formatter().parse(text) if f} for lang, text in variants.items()}
        assert fields["en"] == fields["ru"], f"{name}.{key}: {fields}"


def test_values_are_escaped_so_member_text_cannot_become_markup():
    catalog = {"k": {"en": "<b>{member}</b> said {text}", "ru": "<b>{member}</b> сказал {text}"}}
    out = render(catalog, "k", "en", member="<i>Eve</i>", text="<a href='x'>click</a> & run")
    assert out == "<b>&lt;i&gt;Eve&lt;/i&gt;</b> said &lt;a href='x'&gt;click&lt;/a&gt; &amp; run"


def test_unknown_language_falls_back_to_english():
    assert render({"k": {"en": "hi", "ru": "привет"}}, "k", "de") == "hi"


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0 символов"),
        (1, "1 символ"),
        (2, "2 символа"),
        (4, "4 символа"),
        (5, "5 символов"),
        (11, "11 символов"),
        (12, "12 символов"),
        (14, "14 символов"),
        (21, "21 символ"),
        (22, "22 символа"),
        (44, "44 символа"),
        (101, "101 символ"),
        (111, "111 символов"),
        (1.5, "1.5 символа"),
    ],
)
def test_russian_counts_take_the_right_form(n, expected):
    from luka_bot.texts import count

    assert count(n, "character", "ru") == expected


@pytest.mark.parametrize(("n", "expected"), [(1, "1 character"), (0, "0 characters"), (44, "44 characters")])
def test_english_counts_take_the_right_form(n, expected):
    from luka_bot.texts import count

    assert count(n, "character", "en") == expected


def test_every_counted_noun_has_both_languages_and_three_russian_forms():
    from luka_bot.texts import NOUNS

    for noun, forms in NOUNS.items():
        assert len(forms["en"]) == 2 and len(forms["ru"]) == 3, noun


def test_no_russian_text_hard_codes_a_plural_after_a_count():
    """ "{n} символов" is wrong for 44; counts go through `count` (a value such as {chars})."""
    import re

    for name, catalog in CATALOGS.items():
        for key, variants in catalog.items():
            assert not re.search(r"\{\w+\} (символ|нарушени|дней|дня|день|балл|сообщени)", variants["ru"]), (
                f"{name}.{key}"
            )


def test_help_lists_the_group_commands_in_the_users_language():
    from luka_bot.texts.onboarding import ADMIN_COMMANDS, MEMBER_COMMANDS, help_text

    ru, en = help_text("@luka_test_bot", "ru"), help_text("@luka_test_bot", "en")
    assert "Команды для всех в группе" in ru and "ассистент и модератор" in ru
    assert "Commands for everyone" in en
    for name, _ in (*MEMBER_COMMANDS, *ADMIN_COMMANDS):
        assert f"/{name} — " in ru and f"/{name} — " in en
