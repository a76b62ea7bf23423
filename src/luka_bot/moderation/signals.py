"""Spam signals read from folded text: a sum of money, a pay rate, a call to move to private
messages, where the links go and where the mentions stand.

Why these: short spam is a handful of words around one offer ("помощник, 4000 в день, пиши в лс"),
too few for word n-grams learned from a few hundred samples to carry over to new wordings. The
offer's parts do carry over: a sum, a rate, a hand-off. The classifier gets them as features, so
"5000 за час, пишите" and "$300 a day, DM me" share evidence with every other offer, while "iPhone
стоит 100к" (a sum, no hand-off) and "напиши в лс" (a hand-off, no sum) stay weak alone.

Links and mentions are told apart the same way: a shared tweet (t.co), a video or a news page is
how members share; a mention at the very start ("@anna thanks", "RT @x:") addresses someone, while
one after "пиши"/"write to" hands the reader off.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from luka_bot.moderation.normalize import Link, domain_matches

# Where members share things from: a link here says "look at this", not "go there and pay".
MEDIA_DOMAINS = frozenset(
    {
        "t.co",
        "twitter.com",
        "x.com",
        "youtube.com",
        "youtu.be",
        "m.youtube.com",
        "music.youtube.com",
        "vimeo.com",
        "twitch.tv",
        "wikipedia.org",
        "reddit.com",
        "redd.it",
        "github.com",
        "gitlab.com",
        "stackoverflow.com",
        "imgur.com",
        "instagram.com",
        "facebook.com",
        "bbc.com",
        "bbc.co.uk",
        "nytimes.com",
        "theguardian.com",
        "cnn.com",
        "reuters.com",
        "apnews.com",
        "habr.com",
        "meduza.io",
        "rbc.ru",
        "lenta.ru",
        "ria.ru",
        "tass.ru",
        "kommersant.ru",
        "vc.ru",
        "pikabu.ru",
        "yandex.ru",
        "ya.ru",
        "google.com",
        "goo.gle",
        "vk.com",
    }
)

_DIGIT = re.compile(r"\d")
_NUMBER = r"\d{1,3}(?:[ .,]\d{3})+|\d+(?:[.,]\d+)?"
_CURRENCY_AFTER = (
    r"(?:₽|\$|€|£|р\b|р\.|руб\w*|рубл\w*|тр\b|т\.р|тыс\w*|тыщ\w*|косар\w*|usd\w*|usdt|долл\w*|бакс\w*|"
    r"евро|dollars?|bucks|eur|rub\w*|грн|гривен)"
)
_MONEY = re.compile(
    r"(?:[$€£₽]\s?(?:"
    + _NUMBER
    + r")(?:\s?k\b)?)|(?<![\w.])\d+[кk]\b|(?:(?<![\w.])(?:"
    + _NUMBER
    + r")\s?"
    + _CURRENCY_AFTER
    + r")|"
    # A bare sum after a pay word: "оплата 4.800", "плачу 3000", "earn 500".
    r"\b(?:оплат\w*|плачу|заплачу|зп|з/п|доход\w*|заработ\w*|выплат\w*|pay\w*|earn\w*|salary)\s+(?:от\s+|from\s+)?\d[\d.,]*\d{2}|"
    # A bare sum with a rate: "4000 в день", "500 per hour".
    r"(?<![\w.])\d[\d.,]*\d{2}\s+(?:в|за|per|a|an)\s+(?:день|час|сутки|неделю|смену|выход|day|hour|week|shift)\b",
)
# A sum "за"/"per" a span of time or a piece of work: how a job offer states its pay.
_RATE = re.compile(
    r"\b(?:в|за|/)\s?(?:день|дн[яеь]|час|сутки|недел\w*|месяц|смену|выход|ч)\b|ежедневн\w*|в\s+сутки|"
    r"/\s?(?:day|hr|hour|week|h|d)\b|\b(?:per|a|an|each|every)\s+(?:day|hour|week|month|shift)\b|\bdaily\b|\bweekly\b",
)
# Asking the reader to move to private messages, or to reply "+" so the sender writes first.
_CALL = re.compile(
    r"\b(?:пиш\w*|напиш\w*|обращ\w*|жду|стучи\w*|ждем|ждём|подробн\w*|детал\w*|инф\w*)\s+(?:мне\s+)?(?:в|во)\s+"
    r"(?:лс|л\.с|личк\w*|личн\w*|директ|пм|dm|приват\w*)|"
    r"\b(?:в|во)\s+(?:лс|личку|личные|директ)\b|\bлс\b|"
    r"\b(?:пиш\w*|став\w*|кида\w*|жми)\s*(?:\"|«)?\+|"
    r"\b(?:dm|pm|inbox|message|text|write|contact|hmu)\s+(?:me|us)\b|\bdm\s+for\b|\bin\s+(?:my\s+)?(?:dm|bio|inbox)\b|"
    r"\bлинк\s+в\s+профил\w*|\bв\s+профил\w*|\bв\s+(?:шапке|описании)\b",
)
# Asking for people, or offering work: the other half of a job or errand offer.
_OFFER = re.compile(
    r"\b(?:нуж(?:ен|на|ны|но)|требу\w*|ищу|ищем|набира\w*|кто\s+(?:может|сможет|поможет|хочет|свободен)|"
    r"кому\s+(?:нуж\w*|интересн\w*)|подработ\w*|халтур\w*|работ\w*|заработ\w*|доход\w*|вакан\w*|"
    r"оплат\w*|плачу|заплачу|плат(?:им|ят)|расч[её]т\w*|выплат\w*|шабаш\w*|курьер\w*|отблагодар\w*|вознагра\w*|"
    r"need(?:ed)?|looking\s+for|hiring|who\s+(?:can|wants)|job|gig|earn\w*|paid|paying|income|profit\w*)\b",
)
# Leading mentions address people ("@anna thanks", "RT @x: ...", "@a @b agreed").
_LEADING_MENTIONS = re.compile(r"^(?:rt\s+)?(?:[\"“”']?@[a-z][a-z0-9_]{3,31}:?[\s,]*)+")
_AT = re.compile(r"@[a-z][a-z0-9_]{3,31}")


def has_money(folded: str) -> bool:
    # Every sum has a digit; most messages have none, and this test is far cheaper than the pattern.
    return _DIGIT.search(folded) is not None and _MONEY.search(folded) is not None


def has_rate(folded: str) -> bool:
    return _RATE.search(folded) is not None


def has_contact_call(folded: str) -> bool:
    return _CALL.search(folded) is not None


def has_offer_words(folded: str) -> bool:
    return _OFFER.search(folded) is not None


def is_media_link(link: Link) -> bool:
    return any(domain_matches(link.domain, media) for media in MEDIA_DOMAINS)


def only_media_links(links: Iterable[Link]) -> bool:
    links = tuple(links)
    return bool(links) and all(is_media_link(link) for link in links)


def leading_mentions(folded: str) -> int:
    """How many mentions open the message: those address someone rather than hand off."""
    match = _LEADING_MENTIONS.match(folded)
    return len(_AT.findall(match.group(0))) if match else 0
