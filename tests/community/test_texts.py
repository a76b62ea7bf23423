from __future__ import annotations

import pytest

from luka_bot.community.achievements import DEFAULT_ACHIEVEMENTS
from luka_bot.moderation.verdict import Category, TrustLevel
from luka_bot.policy.ladder_settings import DAY, HOUR, SanctionKind
from luka_bot.texts import missing_translations
from luka_bot.texts.community import (
    TEXTS,
    achievement_announcement,
    category_label,
    format_duration,
    leaderboard,
    reputation_card,
    sanction_notice,
)


def test_every_text_has_english_and_russian():
    assert missing_translations(TEXTS) == []


def test_every_category_and_trust_level_has_a_label():
    for category in Category:
        assert category_label(category, "ru")
    assert {f"trust.{level.value}" for level in TrustLevel} <= TEXTS.keys()


@pytest.mark.parametrize(
    ("kind", "duration", "lang", "expected"),
    [
        (SanctionKind.WARN, None, "en", "⚠️ Bob, this is a warning. Reason: spam."),
        (SanctionKind.MUTE, HOUR, "en", "🔇 Bob is muted for 1 h. Reason: spam."),
        (SanctionKind.BAN, DAY, "en", "⛔ Bob is banned for 24 h. Reason: spam."),
        (SanctionKind.BAN, None, "en", "⛔ Bob is banned permanently. Reason: spam."),
        (SanctionKind.MUTE, 30 * 60, "ru", "🔇 Bob — запрет писать на 30 мин. Причина: spam."),
        (SanctionKind.BAN, 7 * DAY, "ru", "⛔ Bob — бан на 7 дн. Причина: spam."),
        (SanctionKind.MUTE, None, "ru", "🔇 Bob — запрет писать навсегда. Причина: spam."),
    ],
    ids=["warn", "mute-1h", "ban-24h", "ban-permanent", "ru-mute-30min", "ru-ban-7d", "ru-mute-permanent"],
)
def test_sanction_notices(kind, duration, lang, expected):
    assert sanction_notice(kind, duration, member="Bob", reason="spam", lang=lang) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(45, "45 s"), (600, "10 min"), (90 * 60, "90 min"), (HOUR, "1 h"), (DAY, "24 h"), (2 * DAY, "2 d")],
    ids=["seconds", "minutes", "odd-minutes", "hour", "day-in-hours", "days"],
)
def test_durations(seconds, expected):
    assert format_duration(seconds, "en") == expected


def test_member_names_and_reasons_are_escaped():
    notice = sanction_notice(SanctionKind.WARN, None, member="<b>Eve</b>", reason="a & <i>b</i>", lang="en")
    assert "<b>Eve</b>" not in notice and "&lt;b&gt;Eve&lt;/b&gt;" in notice
    assert "a &amp; &lt;i&gt;b&lt;/i&gt;" in notice


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_achievement_announcement_names_the_member(lang):
    star = next(a for a in DEFAULT_ACHIEVEMENTS if a.id == "helpful_contributor")
    text = achievement_announcement(
        member="Ann <3", emoji=star.emoji, name=star.name(lang), points=star.reward_points, lang=lang
    )
    assert "Ann &lt;3" in text and "🌟" in text and f"<b>{star.name(lang)}</b>" in text and "+20" in text


def test_achievement_without_points_does_not_mention_them():
    text = achievement_announcement(member="Ann", emoji="🕊️", name="Clean", points=0, lang="en")
    assert "+" not in text


def test_reputation_card():
    card = reputation_card(
        member="Ann",
        trust=TrustLevel.TRUSTED,
        points=120,
        messages=340,
        helpful=12,
        quality=3,
        window_days=7,
        recent_violations=0,
        achievements=["🌟 Полезный участник"],
        lang="ru",
    )
    assert "Доверие: доверенный" in card and "Репутация: 120" in card and "🌟 Полезный участник" in card
    assert "за последние 7 дней" in card


def test_reputation_card_with_no_achievements():
    card = reputation_card(
        member="Ann",
        trust=TrustLevel.NEWCOMER,
        points=0,
        messages=1,
        helpful=0,
        quality=0,
        window_days=7,
        recent_violations=0,
        achievements=[],
        lang="en",
    )
    assert "Achievements: none yet" in card


def test_leaderboard():
    assert (
        leaderboard([("Ann", 120), ("<Bob>", 80)], "en") == "🏆 <b>Top members</b>\n1. Ann — 120\n2. &lt;Bob&gt; — 80"
    )
    assert leaderboard([], "ru").startswith("Пока никто не заработал репутацию")
