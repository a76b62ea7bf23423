"""Telegram's HTML parse mode: markup in, plain text and message entities out.

Follows the parser in TDLib (`parse_html` in td/telegram/MessageEntity.cpp) closely enough that
text the real Telegram refuses is refused here with the same words, because the point of the
emulator is to catch unescaped model output before it reaches a real chat. Offsets of entities
are in UTF-16 code units, byte offsets in errors are UTF-8 bytes, as Telegram reports them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_SUPPORTED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_TAG_TO_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|(lt|gt|amp|quot));")


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; str() is TDLib's description of the problem."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class _OpenTag:
    name: str
    byte_offset: int
    start_utf16: int
    argument: str = ""
    attributes: dict[str, str] = field(default_factory=dict)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, index: int) -> tuple[str, int] | None:
    """The character an HTML entity at `index` stands for and the index after it, or None."""
    match = _ENTITY_RE.match(text, index)
    if match is None:
        return None
    decimal, hexadecimal, name = match.groups()
    if name:
        return _NAMED_ENTITIES[name], match.end()
    code = int(decimal) if decimal else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end()


def parse_html(source: str) -> tuple[str, list[dict]]:
    """Plain text and Bot API entity dicts for `source`; raises HtmlParseError like Telegram."""
    out: list[str] = []
    out_utf16 = 0
    entities: list[dict] = []
    stack: list[_OpenTag] = []
    n = len(source)
    i = 0

    def emit(chunk: str) -> None:
        nonlocal out_utf16
        out.append(chunk)
        out_utf16 += utf16_len(chunk)

    while i < n:
        char = source[i]
        if char == "&":
            decoded = _decode_entity(source, i)
            if decoded is not None:
                emit(decoded[0])
                i = decoded[1]
                continue
        if char != "<":
            emit(char)
            i += 1
            continue

        if i + 1 < n and source[i + 1] == "/":
            i, opened = _read_end_tag(source, i, stack)
            entity = _entity_for(opened, out_utf16, stack)
            if entity is not None:
                entities.append(entity)
        else:
            i, tag = _read_start_tag(source, i, out_utf16)
            stack.append(tag)

    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _read_end_tag(source: str, begin: int, stack: list[_OpenTag]) -> tuple[int, _OpenTag]:
    """The end tag at `begin` (its '<'): closes the innermost open tag, which it returns with the
    index after its '>'. An empty name (`</>`) closes whatever is open, as Telegram allows."""
    n = len(source)
    if not stack:
        raise HtmlParseError(f"Unexpected end tag at byte offset {_byte_offset(source, begin)}")
    i = begin + 2
    while i < n and not source[i].isspace() and source[i] != ">":
        i += 1
    end_name = source[begin + 2 : i].lower()
    while i < n and source[i].isspace():
        i += 1
    if i >= n or source[i] != ">":
        raise HtmlParseError(f"Unclosed end tag at byte offset {_byte_offset(source, begin)}")
    opened = stack.pop()
    if end_name and end_name != opened.name:
        raise HtmlParseError(
            f"Unmatched end tag at byte offset {_byte_offset(source, begin)}, "
            f'expected "</{opened.name}>", found "</{end_name}>"'
        )
    return i + 1, opened


def _read_start_tag(source: str, begin: int, start_utf16: int) -> tuple[int, _OpenTag]:
    """The start tag at `begin` (its '<') with its attributes; returns the index after its '>'."""
    n = len(source)
    i = begin + 1
    while i < n and not source[i].isspace() and source[i] != ">":
        i += 1
    if i >= n:
        raise HtmlParseError(f"Unclosed start tag at byte offset {_byte_offset(source, begin)}")
    tag_name = source[begin + 1 : i].lower()
    if tag_name not in _SUPPORTED_TAGS:
        raise HtmlParseError(f'Unsupported start tag "{tag_name}" at byte offset {_byte_offset(source, begin)}')
    tag = _OpenTag(name=tag_name, byte_offset=_byte_offset(source, begin), start_utf16=start_utf16)
    i = _read_attributes(source, i, tag)
    if tag_name == "span" and tag.attributes.get("class") != "tg-spoiler":
        raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {tag.byte_offset}')
    return i + 1, tag  # past the closing '>'


def _read_attributes(source: str, i: int, tag: _OpenTag) -> int:
    """Reads `name="value"` pairs into tag.attributes; returns the index of the closing '>'.
    The checks come in the order of Telegram's own parser, so the same input fails the same way."""
    n = len(source)
    while source[i] != ">":
        i = _skip_space(source, i)
        if i >= n:
            raise _unclosed(tag)
        if source[i] == ">":
            break
        i, attribute = _read_attribute_name(source, i, tag)
        i = _skip_space(source, i)
        if i < n and source[i] != "=" and tag.name == "blockquote" and attribute == "expandable":
            tag.attributes[attribute] = ""
            continue
        if i >= n:
            raise _unclosed(tag)
        if source[i] != "=":
            raise HtmlParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag.name}" '
                f"at byte offset {tag.byte_offset}"
            )
        i = _skip_space(source, i + 1)
        if i >= n:
            raise _unclosed(tag)
        i, value = _read_attribute_value(source, i)
        if i >= n:
            raise _unclosed(tag)
        tag.attributes[attribute] = value
    return i


def _skip_space(source: str, i: int) -> int:
    while i < len(source) and source[i].isspace():
        i += 1
    return i


def _unclosed(tag: _OpenTag) -> HtmlParseError:
    return HtmlParseError(f"Unclosed start tag at byte offset {tag.byte_offset}")


def _read_attribute_name(source: str, i: int, tag: _OpenTag) -> tuple[int, str]:
    """An attribute's name at `i`, lowercased; returns the index after it and the name."""
    n = len(source)
    name_begin = i
    while i < n and not source[i].isspace() and source[i] not in "=>":
        i += 1
    if i == name_begin:
        raise HtmlParseError(
            f'Empty attribute name in the tag "{tag.name}" at byte offset {_byte_offset(source, name_begin)}'
        )
    return i, source[name_begin:i].lower()


def _read_attribute_value(source: str, i: int) -> tuple[int, str]:
    """An attribute's value at `i`: quoted (entities decoded) or a bare name token (lowercased);
    returns the index after it and the value."""
    n = len(source)
    if source[i] not in "'\"":
        token_begin = i
        while i < n and (source[i].isalnum() or source[i] in ".-"):
            i += 1
        if i < n and not source[i].isspace() and source[i] != ">":
            raise HtmlParseError(f"Unexpected end of name token at byte offset {_byte_offset(source, token_begin)}")
        return i, source[token_begin:i].lower()
    quote = source[i]
    i += 1
    chars: list[str] = []
    while i < n and source[i] != quote:
        if source[i] == "&":
            decoded = _decode_entity(source, i)
            if decoded is not None:
                chars.append(decoded[0])
                i = decoded[1]
                continue
        chars.append(source[i])
        i += 1
    if i < n:
        i += 1
    return i, "".join(chars)


def _entity_for(tag: _OpenTag, end_utf16: int, outer: list[_OpenTag]) -> dict | None:
    length = end_utf16 - tag.start_utf16
    if length <= 0:
        return None
    entity: dict = {"offset": tag.start_utf16, "length": length}
    if tag.name == "a":
        href = tag.attributes.get("href", "").strip()
        if not href:
            return None
        user = re.fullmatch(r"tg://user\?id=(\d+)", href)
        if user:
            entity.update(type="text_mention", user={"id": int(user.group(1)), "is_bot": False, "first_name": ""})
        else:
            entity.update(type="text_link", url=href)
        return entity
    if tag.name == "span":
        entity["type"] = "spoiler"
        return entity
    if tag.name == "tg-emoji":
        emoji_id = tag.attributes.get("emoji-id", "")
        if not emoji_id:
            return None
        entity.update(type="custom_emoji", custom_emoji_id=emoji_id)
        return entity
    if tag.name == "blockquote" and "expandable" in tag.attributes:
        entity["type"] = "expandable_blockquote"
        return entity
    entity["type"] = _TAG_TO_ENTITY[tag.name]
    if tag.name == "code" and outer and outer[-1].name == "pre":
        language = tag.attributes.get("class", "")
        if language.startswith("language-"):
            outer[-1].argument = language[len("language-") :]
        return None  # <pre><code class=...> is one pre entity with a language, as in Telegram
    if tag.name == "pre" and tag.argument:
        entity["language"] = tag.argument
    return entity
