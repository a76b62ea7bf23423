"""Fold a message into one canonical form so that tricks do not change what the checks see.

Spammers write "ƒгее m0ney", "к у п и т е", "t . me/+abc", "BТC" with a Cyrillic "В", or hide
zero-width spaces inside words. `normalize` undoes those tricks once, and every later tier
(stop phrases, classifier, verdict cache) works on `NormalizedText.folded`. It also measures
the message (emojis, mentions, caps, lines, invisible characters, links) before the folding
throws that information away.

`folded` is idempotent: normalize(normalize(x).folded).folded == normalize(x).folded.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

# Telegram caps a message at 4096 characters and a caption at 1024; anything longer is not a
# real message, and cutting it keeps the cost of every tier bounded.
MAX_CHARS = 8192

# Characters that render as nothing (or as blank space) and exist in spam only to break matching.
_INVISIBLE = (
    {0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180E, 0x3164, 0xFFA0, 0x2800}
    | set(range(0x200B, 0x2010))
    | set(range(0x202A, 0x202F))
    | set(range(0x2060, 0x2070))
    | {0xFEFF}
    | set(range(0xE0000, 0xE0080))
)
_ZWJ = 0x200D
# Variation selectors ride along with ordinary emoji; they are dropped but not counted.
_VARIATION = set(range(0xFE00, 0xFE10)) | set(range(0xE0100, 0xE01F0))

_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff]")
# Characters that need a closer look: anything outside printable ASCII, Latin, Greek and Cyrillic
# letters. Most messages have none, and then stripping costs one regex scan.
_SUSPECT = re.compile("[^\x20-\x7e\u00a1-\u00ac\u00ae-\u02af\u0386-\u03ff\u0400-\u0482\u048a-\u052f]")
_CASED_LETTER = re.compile("[A-Za-zÀ-ÖØ-öø-ɏͰ-ϿЀ-ҁҊ-ԯ]")
_UPPER_LETTER = re.compile("[A-ZÀ-ÖØ-ÞА-ЯЁЀ-Џ]")

# Lowercase look-alikes, one to one in both directions so that folding twice changes nothing.
_LOOKALIKES = {
    "а": "a",
    "в": "b",
    "е": "e",
    "к": "k",
    "м": "m",
    "н": "h",
    "о": "o",
    "р": "p",
    "с": "c",
    "т": "t",
    "у": "y",
    "х": "x",
    "і": "i",
    "ј": "j",
    "ѕ": "s",
    "ԁ": "d",
    "ӏ": "l",
    "г": "r",
    "и": "u",  # "дeбuлы": a Latin u stands in for и
}
_CYR_TO_LAT = str.maketrans(_LOOKALIKES)
_LAT_TO_CYR = str.maketrans({lat: cyr for cyr, lat in _LOOKALIKES.items()})
_CYR_WITH_LOOKALIKE = frozenset(_LOOKALIKES)
_LAT_WITH_LOOKALIKE = frozenset(_LOOKALIKES.values())
_CYR_EXTRA = frozenset("іјѕԁӏ")
# Latin letters outside ASCII that NFKC leaves alone but spam uses as plain ones.
# Small capitals and similar shapes ("Пᴏддᴇᴧьнᴀя ʙᴀᴧюᴛᴀ") fold to plain letters; the mixed-script
# pass then settles each word into one script.
_EXOTIC_LATIN = str.maketrans(
    {
        "ƒ": "f",
        "ɑ": "a",
        "ı": "i",
        "ȷ": "j",
        "ɡ": "g",
        "ʀ": "r",
        "ɪ": "i",
        "ᴀ": "a",
        "ʙ": "в",
        "ᴄ": "c",
        "ᴅ": "d",
        "ᴇ": "e",
        "ɢ": "g",
        "ʜ": "н",
        "ᴊ": "j",
        "ᴋ": "к",
        "ʟ": "l",
        "ᴍ": "м",
        "ɴ": "n",
        "ᴏ": "o",
        "ᴘ": "p",
        "ꜱ": "s",
        "ᴛ": "т",
        "ᴜ": "u",
        "ᴠ": "v",
        "ᴡ": "w",
        "ʏ": "y",
        "ᴢ": "z",
        "ᴧ": "л",
        "ʍ": "м",
        "ᴨ": "п",
        "ᴩ": "р",
        "ɸ": "ф",
        "ɯ": "ш",
        "ᴦ": "г",
        "ꮶ": "к",
        "ꮲ": "р",
        "ꮻ": "о",
        "ᏼ": "в",
        "ꭼ": "е",
        "ꮪ": "с",
        "ꮋ": "н",
        "ꭺ": "а",
        "ꭲ": "т",
    }
)
# Greek letters that pass for Latin ones ("ρабοта", "cαsinο"): folded only inside a word that also
# has Latin or Cyrillic letters, so a Greek sentence stays Greek. After casefold, so the capitals'
# shapes (Α Β Ε Η Ι Κ Μ Ο Ρ Τ Χ Ζ) are covered through their small letters.
_GREEK_LOOKALIKES = str.maketrans(
    {
        "α": "a",
        "β": "b",
        "ε": "e",
        "η": "h",
        "ι": "i",
        "κ": "k",
        "μ": "m",
        "ο": "o",
        "ρ": "p",
        "τ": "t",
        "χ": "x",
        "ζ": "z",
    }
)
_HAS_GREEK = re.compile("[\u03b1-\u03c9]")
_LEET_LAT = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"})
_LEET_CYR = str.maketrans({"0": "о", "3": "з", "4": "ч", "6": "б", "@": "а"})
_LEET_INSIDE = re.compile(r"(?<=[^\W\d_])[0134567@$](?=[^\W\d_])")
_HAS_LATIN = re.compile("[a-z]")
_HAS_CYRILLIC = re.compile("[а-яіјѕԁӏ]")
_LATIN_LETTERS = re.compile("[a-z]")
_CYRILLIC_LETTERS = re.compile("[а-я]")

_WHITESPACE = re.compile(r"\s+")
_WORDS_ONLY = re.compile(r"[^\W_]+|[+$€₽]")
# Four or more single letters in a row, the same separator between them: "f r e e", "к.у.п.и".
# The same one, so that a one-letter word before a dotted word stays apart: "и д.е.б.и.л" is
# "и дебил", not "идебил".
_SPACED = re.compile(r"(?<![^\W_])[^\W\d_]([ .·*_\-])(?:[^\W\d_]\1){2,}[^\W\d_](?![^\W_])")
_SPACED_SEP = re.compile(r"[ .·*_\-]")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}\b")

# Obfuscated dots: "t . me", "site[.]com", "site (dot) com", "сайт точка ру".
_BRACKET_DOT = re.compile(r"\s*[\[\(\{<]\s*(?:\.|dot|точка|тчк)\s*[\]\)\}>]\s*")
_WORD_DOT = re.compile(r"(?<=\w)\s+(?:dot|точка|тчк)\s+(?=\w)")

_HXXP = re.compile(r"\bh(?:xx|\*\*)p(s?)\b")

_TLDS = (
    "com|net|org|ru|su|info|biz|io|me|co|ly|gl|gd|cc|xyz|top|site|online|club|shop|store|pro|"
    "live|app|dev|link|click|ua|by|kz|uz|fr|de|uk|us|tv|ws|to|in|am|fm|gg|ltd|vip|win|bet|"
    "casino|money|fun|icu|cfd|sbs|space|website|finance|trade|cash|work|today|one|ai|rs|"
    "tk|ml|ga|cf|ru\\.com|рф"
)
# A dot with spaces on both sides, or any spaced dot right before "tld/": "t . me", "t. me/+x".
# A full stop followed by one space ("it. Me too") stays a sentence end.
_SPACED_DOT = re.compile(r"(?<=\w)\s+\.\s+(?=\w)|(?<=\w)\s*\.\s*(?=(?:" + _TLDS + r")/)", re.IGNORECASE)
_URL = re.compile(r"\b(?:https?|tg)://[^\s<>\"']+", re.IGNORECASE)
_BARE_DOMAIN = re.compile(
    r"(?<![\w@.\-/])((?:[a-z0-9а-яё](?:[a-z0-9а-яё\-]{0,61}[a-z0-9а-яё])?\.)+(?:" + _TLDS + r"))"
    r"(?![\w\-])(/[^\s<>\"']*)?",
    re.IGNORECASE,
)
_TELEGRAM_HOSTS = frozenset({"t.me", "telegram.me", "telegram.dog"})
_TRAILING_PUNCT = ".,;:!?)]}>»\"'"


@dataclass(frozen=True, slots=True)
class Link:
    domain: str  # lowercase host without "www."
    path: str  # "" or "/..."

    @property
    def is_telegram(self) -> bool:
        return self.domain in _TELEGRAM_HOSTS

    @property
    def is_telegram_invite(self) -> bool:
        return self.is_telegram and (self.path.startswith("/+") or self.path.startswith("/joinchat"))

    def __str__(self) -> str:
        return self.domain + self.path


@dataclass(frozen=True, slots=True)
class NormalizedText:
    original: str
    folded: str  # what matching works on
    words: str = ""  # folded without punctuation: "заработок!!! без" -> "заработок без"
    links: tuple[Link, ...] = ()
    emojis: int = 0
    mentions: int = 0
    caps_ratio: float = 0.0  # uppercase share of cased letters
    letters: int = 0
    lines: int = 0
    invisible_removed: int = 0
    mixed_script_words: int = 0
    leet_words: int = 0
    spaced_runs: int = 0

    @property
    def domains(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(link.domain for link in self.links))

    @property
    def hidden_tricks(self) -> int:
        """How hard the text tried to hide itself from matching."""
        return self.invisible_removed + self.mixed_script_words + self.leet_words + self.spaced_runs


def normalize(text: str, link_urls: Iterable[str] = ()) -> NormalizedText:
    return with_link_urls(_normalize_text(text), link_urls)


def with_link_urls(text: NormalizedText, link_urls: Iterable[str]) -> NormalizedText:
    """`text` (normalized without link urls) with the links behind entities and buttons added:
    the same as normalizing again with them, so one normalization can serve every reader of a
    message (the raid lock, then the inline tier)."""
    extra = tuple(link for url in link_urls if (link := _link_from_url(url)))
    if not extra:
        return text
    return replace(text, links=tuple(dict.fromkeys(text.links + extra)))


def _normalize_text(text: str) -> NormalizedText:
    text = unicodedata.normalize("NFKC", text[:MAX_CHARS])
    emojis = _count_emojis(text)
    cleaned, invisible = _strip_invisible(text)
    letters, caps = _count_caps(cleaned)
    links = _find_links(cleaned)
    folded, mixed, leet, spaced = _fold(cleaned)
    return NormalizedText(
        original=text,
        folded=folded,
        words=" ".join(_WORDS_ONLY.findall(folded)),
        links=tuple(dict.fromkeys(links)),
        emojis=emojis,
        mentions=len(_MENTION.findall(cleaned)),
        caps_ratio=caps / letters if letters else 0.0,
        letters=letters,
        lines=cleaned.count("\n") + 1 if cleaned.strip() else 0,
        invisible_removed=invisible,
        mixed_script_words=mixed,
        leet_words=leet,
        spaced_runs=spaced,
    )


def _count_emojis(text: str) -> int:
    return len(_EMOJI.findall(text))


def _strip_invisible(text: str) -> tuple[str, int]:
    if not _SUSPECT.search(text):
        return text, 0
    removed = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal removed
        ch = match.group(0)
        code = ord(ch)
        if code in _VARIATION:
            return ""
        if code == _ZWJ:
            # Inside emoji sequences a joiner is legitimate; between letters it hides words.
            start = match.start()
            removed += start > 0 and text[start - 1].isalpha()
            return ""
        category = unicodedata.category(ch)
        if code in _INVISIBLE or category in ("Cf", "Co", "Cs", "Cn", "Mn"):
            # Mn: stacked combining marks ("zalgo") that survive NFKC when nothing composes them.
            removed += 1
            return ""
        if category == "Cc":
            if ch in "\n\t":
                return ch
            removed += 1
            return " "
        if category in ("Zl", "Zp"):
            return "\n"
        if category == "Zs":
            return " "
        return ch

    return _SUSPECT.sub(replace, text), removed


def _count_caps(text: str) -> tuple[int, int]:
    """Capitals among Latin and Cyrillic letters: the scripts this bot's groups write in."""
    return len(_CASED_LETTER.findall(text)), len(_UPPER_LETTER.findall(text))


def _fold(text: str) -> tuple[str, int, int, int]:
    folded = unicodedata.normalize("NFKC", text.casefold()).replace("ё", "е").translate(_EXOTIC_LATIN)
    folded, _ = _strip_invisible(folded)
    folded = _WHITESPACE.sub(" ", folded).strip()
    spaced = 0

    def join(match: re.Match[str]) -> str:
        nonlocal spaced
        spaced += 1
        return _SPACED_SEP.sub("", match.group(0))

    folded = _SPACED.sub(join, folded)
    mixed = leet = 0
    words = []
    # A mixed word whose letters all have look-alikes ("xyeв") goes to the script of the text
    # around it: Cyrillic in a Russian sentence, Latin in an English one.
    prefer_latin = len(_LATIN_LETTERS.findall(folded)) >= len(_CYRILLIC_LETTERS.findall(folded))
    for word in folded.split(" "):
        word, was_mixed, was_leet = _fold_word(word, prefer_latin)
        mixed += was_mixed
        leet += was_leet
        words.append(word)
    return " ".join(words), mixed, leet, spaced


# "ɜ" looks like a "3" and stands for "з" in Cyrillic words and for "e" in Latin ones ("frɜɜ").
_REVERSED_E = "ɜ"


def _greek_among_others(word: str) -> bool:
    return (
        not word.isascii()
        and _HAS_GREEK.search(word) is not None
        and (_HAS_LATIN.search(word) is not None or _HAS_CYRILLIC.search(word) is not None)
    )


def _fold_word(word: str, prefer_latin: bool = True) -> tuple[str, bool, bool]:
    folded, mixed, leet = _fold_word_once(word, prefer_latin)
    if _greek_among_others(folded):
        # A Greek letter next to a leet digit ("µ0") meets its Latin neighbour only once the digit
        # became a letter: fold once more, so that folding stays idempotent.
        folded, mixed_again, leet_again = _fold_word_once(folded, prefer_latin)
        mixed, leet = mixed or mixed_again, leet or leet_again
    return folded, mixed, leet


def _fold_word_once(word: str, prefer_latin: bool) -> tuple[str, bool, bool]:
    if _greek_among_others(word):
        word = word.translate(_GREEK_LOOKALIKES)
    reversed_e = _REVERSED_E in word
    if reversed_e:
        word = word.replace(_REVERSED_E, "з" if _HAS_CYRILLIC.search(word) else "e")
    has_latin = _HAS_LATIN.search(word) is not None
    has_cyrillic = not word.isascii() and _HAS_CYRILLIC.search(word) is not None
    mixed = has_latin and has_cyrillic
    to_latin = not has_cyrillic
    if mixed:
        latin = cyrillic = 0
        latin_only = cyrillic_only = 0  # letters with no look-alike in the other script
        for ch in word:
            if "a" <= ch <= "z":
                latin += 1
                latin_only += ch not in _LAT_WITH_LOOKALIKE
            elif "а" <= ch <= "я" or ch in _CYR_EXTRA:
                cyrillic += 1
                cyrillic_only += ch not in _CYR_WITH_LOOKALIKE
        # Prefer the script the whole word can be written in; when it fits both, the script of
        # the text around it; when it fits neither, the majority.
        if cyrillic_only and not latin_only:
            to_latin = False
        elif latin_only and not cyrillic_only:
            to_latin = True
        elif not latin_only:
            to_latin = prefer_latin
        else:
            to_latin = latin >= cyrillic
        word = word.translate(_CYR_TO_LAT if to_latin else _LAT_TO_CYR)
    leet = _looks_leet(word)
    if leet:
        word = word.translate(_LEET_LAT if to_latin else _LEET_CYR)
    return word, mixed, leet or reversed_e


def _looks_leet(word: str) -> bool:
    """A digit or @/$ between two letters: "m0ney", "b1tc0in", "пр0дам". Links and names stay."""
    # A sentence's closing dots are not a link's dots: "е6лан...." is leet, "site.com" is not.
    core = word.rstrip(".!?…,")
    if len(core) < 3 or word[0] in "@#" or "/" in word or "." in core or ":" in word:
        return False
    return _LEET_INSIDE.search(word) is not None


def _deobfuscate_dots(text: str) -> str:
    text = _BRACKET_DOT.sub(".", text)
    text = _WORD_DOT.sub(".", text)
    return _SPACED_DOT.sub(".", text)


def _find_links(text: str) -> tuple[Link, ...]:
    lowered = _HXXP.sub(r"http\1", text.lower())
    found: list[Link] = []
    for match in _URL.finditer(lowered):
        if link := _link_from_url(match.group(0)):
            found.append(link)
    searchable = _deobfuscate_dots(_URL.sub(" ", lowered))
    for match in _BARE_DOMAIN.finditer(searchable):
        domain = match.group(1)
        path = (match.group(2) or "").rstrip(_TRAILING_PUNCT)
        found.append(Link(_clean_domain(domain), path))
    return tuple(found)


def _link_from_url(url: str) -> Link | None:
    url = url.strip().rstrip(_TRAILING_PUNCT)
    if "://" not in url:
        url = "http://" + url
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:  # malformed ports or brackets: not a link we can name
        return None
    if parts.scheme.lower() == "tg":
        return Link("t.me", "/" + (parts.netloc + parts.path).strip("/"))
    if not host or "." not in host:
        return None
    return Link(_clean_domain(host), parts.path.rstrip(_TRAILING_PUNCT) if parts.path != "/" else "")


def _clean_domain(domain: str) -> str:
    domain = domain.lower().strip(".")
    return domain[4:] if domain.startswith("www.") else domain


def domain_matches(domain: str, listed: str) -> bool:
    """True when `domain` is `listed` or one of its subdomains."""
    listed = _clean_domain(listed)
    return domain == listed or domain.endswith("." + listed)
