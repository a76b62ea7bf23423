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
