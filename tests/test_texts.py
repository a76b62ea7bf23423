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
