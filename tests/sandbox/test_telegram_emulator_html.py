"""Telegram's HTML parse mode and automatic entities, as the emulator reproduces them."""

from __future__ import annotations

import pytest

from luka_bot.sandbox.telegram_emulator.auto_entities import find_entities, strip_text
from luka_bot.sandbox.telegram_emulator.html_text import HtmlParseError, parse_html


def kinds(text: str, entities: list[dict]) -> list[tuple[str, str]]:
    encoded = text.encode("utf-16-le")
    return [
        (e["type"], encoded[e["offset"] * 2 : (e["offset"] + e["length"]) * 2].decode("utf-16-le")) for e in entities
    ]


@pytest.mark.parametrize(
    ("html", "text", "expected"),
    [
        ("<b>a</b><strong>b</strong>", "ab", [("bold", "a"), ("bold", "b")]),
        (
            "<i>a</i> <em>b</em> <u>c</u> <ins>d</ins>",
            "a b c d",
            [("italic", "a"), ("italic", "b"), ("underline", "c"), ("underline", "d")],
        ),
        (
            "<s>a</s><strike>b</strike><del>c</del>",
            "abc",
            [("strikethrough", "a"), ("strikethrough", "b"), ("strikethrough", "c")],
        ),
        ('<tg-spoiler>x</tg-spoiler> <span class="tg-spoiler">y</span>', "x y", [("spoiler", "x"), ("spoiler", "y")]),
        ("<code>a&lt;b</code>", "a<b", [("code", "a<b")]),
        ('<a href="https://e.com/?a=1&amp;b=2">link</a>', "link", [("text_link", "link")]),
        ("<blockquote>q</blockquote>", "q", [("blockquote", "q")]),
        ("<b>😀 <i>x</i></b>", "😀 x", [("bold", "😀 x"), ("italic", "x")]),
        ("&quot;&amp;&gt;&#65;&#x42; &nbsp; & x", '"&>AB &nbsp; & x', []),
        ("<B>upper</B>", "upper", [("bold", "upper")]),
        ("<b></b>x", "x", []),
    ],
    ids=[
        "bold",
        "italic-underline",
        "strike",
        "spoiler",
        "code-escaped",
        "text-link",
        "blockquote",
        "nested-utf16",
        "entities",
        "case-insensitive",
        "empty-entity-dropped",
    ],
)
def test_parse_html(html: str, text: str, expected: list[tuple[str, str]]) -> None:
    plain, entities = parse_html(html)
    assert plain == text
    assert kinds(plain, entities) == expected


def test_pre_with_code_language_is_one_pre_entity() -> None:
    plain, entities = parse_html('<pre><code class="language-python">x = 1</code></pre>')
    assert plain == "x = 1"
    assert entities == [{"offset": 0, "length": 5, "type": "pre", "language": "python"}]


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<foo>", 'Unsupported start tag "foo" at byte offset 0'),
        ("ы <br>", 'Unsupported start tag "br" at byte offset 3'),  # byte offsets count UTF-8 bytes
        ("a <b", "Unclosed start tag at byte offset 2"),
        ("if a<b and c>d", 'Expected equal sign in declaration of an attribute of the tag "b" at byte offset 4'),
        ("<b>x</b", "Unclosed end tag at byte offset 4"),
        ("<a href>x</a>", 'Expected equal sign in declaration of an attribute of the tag "a" at byte offset 0'),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<i><b>x</i></b>", 'Unmatched end tag at byte offset 7, expected "</b>", found "</i>"'),
    ],
    ids=["unknown", "utf8-offset", "unclosed-start", "comparison", "unclosed-end", "attribute", "span", "crossed"],
)
def test_parse_errors(html: str, error: str) -> None:
    with pytest.raises(HtmlParseError) as caught:
        parse_html(html)
    assert str(caught.value) == error


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hey @luka_test_bot!", [("mention", "@luka_test_bot")]),
        ("/start@luka_test_bot now", [("bot_command", "/start@luka_test_bot")]),
        ("a/b is not a command", []),
        ("go to t.me/joinchat/abc. now", [("url", "t.me/joinchat/abc")]),
        ("see (https://x.io/a?b=1)", [("url", "https://x.io/a?b=1")]),
        ("file.txt and e.g. are not links", []),
        ("mail me@example.com", [("email", "me@example.com")]),
        ("#crypto #1", [("hashtag", "#crypto")]),
    ],
    ids=["mention", "command", "slash-inside-word", "bare-domain", "url-punctuation", "not-links", "email", "hashtag"],
)
def test_automatic_entities(text: str, expected: list[tuple[str, str]]) -> None:
    assert kinds(text, find_entities(text)) == expected


def test_no_automatic_entity_inside_code() -> None:
    text = "run @luka_test_bot"
    assert find_entities(text, [{"type": "code", "offset": 0, "length": len(text)}]) == [
        {"type": "code", "offset": 0, "length": len(text)}
    ]


def test_strip_moves_entities_with_the_text() -> None:
    text, entities = strip_text("  \nhi there \n", [{"type": "bold", "offset": 3, "length": 9}])
    assert text == "hi there"
    assert entities == [{"type": "bold", "offset": 0, "length": 8}]
