"""User-visible texts in English and Russian.

Each feature keeps its texts in its own module as `{key: {"en": ..., "ru": ...}}` and renders with
`render(TEXTS, key, lang, **values)`. Values are HTML-escaped here, so a caller cannot forget:
member names, message text and LLM output all arrive as values.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

LANGUAGES = ("en", "ru")
Catalog = Mapping[str, Mapping[str, str]]


def render(catalog: Catalog, key: str, lang: str, /, **values: object) -> str:
    variants = catalog[key]
    template = variants.get(lang) or variants["en"]
    escaped = {name: html.escape(str(value), quote=False) for name, value in values.items()}
    return template.format(**escaped)


def missing_translations(catalog: Catalog) -> list[str]:
    """Keys lacking a language; a test runs this over every catalog."""
    return [f"{key}:{lang}" for key, variants in catalog.items() for lang in LANGUAGES if not variants.get(lang)]


# Counted nouns: English has one and many; Russian one (1, 21, 101), few (2-4, 22-24) and many
# (0, 5-20, 11-14, 25...). "44 символов" was wrong: it is "44 символа".
NOUNS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "character": {"en": ("character", "characters"), "ru": ("символ", "символа", "символов")},
    "violation": {"en": ("violation", "violations"), "ru": ("нарушение", "нарушения", "нарушений")},
    "day": {"en": ("day", "days"), "ru": ("день", "дня", "дней")},
    "setting": {"en": ("setting", "settings"), "ru": ("настройка", "настройки", "настроек")},
    "point": {"en": ("point", "points"), "ru": ("балл", "балла", "баллов")},
    "message": {"en": ("message", "messages"), "ru": ("сообщение", "сообщения", "сообщений")},
    "group": {"en": ("group", "groups"), "ru": ("группа", "группы", "групп")},
}


def plural_ru(n: int, one: str, few: str, many: str) -> str:
    """The Russian form for `n`: 1 символ, 2 символа, 5 символов, 11 символов, 21 символ."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def count(n: float, noun: str, lang: str) -> str:
    """`n` and the noun in the right form: "1 character", "44 символа", "7 дней", "0.5 дня"."""
    forms = NOUNS[noun].get(lang) or NOUNS[noun]["en"]
    shown = f"{n:g}"
    if n != int(n):  # a fraction takes the plural (en) or the genitive singular (ru): 1.5 дня
        return f"{shown} {forms[1]}"
    whole = int(n)
    if lang == "ru" and len(forms) == 3:
        return f"{shown} {plural_ru(whole, *forms)}"
    return f"{shown} {forms[0] if abs(whole) == 1 else forms[1]}"


def language_of(language_code: str | None) -> str:
    """Our language for Telegram's `language_code` of a user ("ru", "ru-RU", "uk"...); English else."""
    code = (language_code or "").lower()
    return "ru" if code.startswith(("ru", "uk", "be", "kk")) else "en"
