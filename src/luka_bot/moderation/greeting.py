"""Greetings: how a newcomer says hello. "hello", "всем привет!", "good morning everyone, have a nice
day" is never spam, whatever a classifier trained on short spam might think of short texts.

A message is a greeting when every word is a greeting word (one other word, a name, is allowed in
a short one) and it carries nothing a spammer needs: no link, no mention, no digits.
"""

from __future__ import annotations

import re

from luka_bot.moderation.normalize import NormalizedText

_GREETING_WORDS = frozenset(
    """
hi hii hello helo hey heya hiya yo howdy greetings sup gm morning good evening afternoon day night
everyone everybody all guys folks people friends team chat yall y'all there and to you nice great
have a the wonderful lovely happy weekend today hope how are is it going doing welcome thanks thank
new here im i am joined just me from glad be
привет приветик приветствую приветствуем всем всех здравствуйте здравствуй здрасте здрасьте
добрый доброе доброго добрая утро утра день дня вечер вечера ночи ночь хай ку салют хелло хэлло
ребята друзья народ коллеги чат участники как дела у вас тут и я новенький новенькая новый новая
рад рада всех с вами приятно познакомиться хорошего отличного прекрасного удачного дня настроения
выходных вечера спасибо что приняли добавили мир вашему дому
""".split()
)
_GREETING_HEADS = frozenset(
    """
hi hii hello helo hey heya hiya howdy greetings gm morning good привет приветик приветствую
приветствуем всем здравствуйте здравствуй здрасте здрасьте добрый доброе доброго хай ку салют хелло хэлло
""".split()
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_DIGIT = re.compile(r"\d")
MAX_WORDS = 12


def is_greeting(text: NormalizedText) -> bool:
    if text.links or text.mentions or _DIGIT.search(text.folded):
        return False
    words = _WORD.findall(text.folded)
    if not words or len(words) > MAX_WORDS:
        return False
    if not any(word in _GREETING_HEADS for word in words):
        return False
    others = sum(1 for word in words if word not in _GREETING_WORDS)
    return others == 0 or (others == 1 and len(words) <= 4)
