"""Community texts (reputation, ladder, achievements) in English and Russian.

Member names, reasons and achievement names arrive as values, so `render` escapes them.
Helpers below build whole notices; they join rendered lines themselves rather than pass
rendered HTML into another `render`, which would escape it twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from luka_bot.domain import Category, TrustLevel
from luka_bot.policy.ladder import DAY, HOUR, SanctionKind
from luka_bot.texts import count, render

TEXTS: dict[str, dict[str, str]] = {
    # --- sanctions -----------------------------------------------------------------------
    "sanction.warned": {
        "en": "⚠️ {member}, this is a warning. Reason: {reason}.",
        "ru": "⚠️ {member}, предупреждение. Причина: {reason}.",
    },
    "sanction.muted": {
        "en": "🔇 {member} is muted for {duration}. Reason: {reason}.",
        "ru": "🔇 {member} — запрет писать на {duration}. Причина: {reason}.",
    },
    "sanction.muted_permanent": {
        "en": "🔇 {member} is muted permanently. Reason: {reason}.",
        "ru": "🔇 {member} — запрет писать навсегда. Причина: {reason}.",
    },
    "sanction.banned": {
        "en": "⛔ {member} is banned for {duration}. Reason: {reason}.",
        "ru": "⛔ {member} — бан на {duration}. Причина: {reason}.",
    },
    "sanction.banned_permanent": {
        "en": "⛔ {member} is banned permanently. Reason: {reason}.",
        "ru": "⛔ {member} — бан навсегда. Причина: {reason}.",
    },
    "sanction.unmuted": {
        "en": "🔊 {member} can write again.",
        "ru": "🔊 {member} снова может писать.",
    },
    "sanction.unbanned": {
        "en": "✅ {member} is unbanned.",
        "ru": "✅ {member}: бан снят.",
    },
    "duration.seconds": {"en": "{n} s", "ru": "{n} с"},
    "duration.minutes": {"en": "{n} min", "ru": "{n} мин"},
    "duration.hours": {"en": "{n} h", "ru": "{n} ч"},
    "duration.days": {"en": "{n} d", "ru": "{n} дн"},
    # --- categories and trust --------------------------------------------------------------
    "category.none": {"en": "no violation", "ru": "без нарушения"},
    "category.spam": {"en": "spam", "ru": "спам"},
    "category.scam": {"en": "a scam or fraud attempt", "ru": "мошенничество"},
    "category.abuse": {"en": "insulting or harassing a member", "ru": "оскорбления и травля участников"},
    "category.threat": {"en": "threatening a member", "ru": "угрозы участникам"},
    "category.hate": {
        "en": "slurs and hate against a group of people",
        "ru": "оскорбления по национальности, вере или ориентации",
    },
    "category.nsfw": {"en": "adult content", "ru": "контент 18+"},
    "category.flood": {"en": "flooding", "ru": "флуд"},
    "category.off_topic": {"en": "off-topic", "ru": "не по теме"},
    "category.other": {"en": "rule violation", "ru": "нарушение правил"},
    "category.locked": {"en": "content locked in this group", "ru": "такой контент в группе запрещён"},
    "trust.newcomer": {"en": "newcomer", "ru": "новичок"},
    "trust.member": {"en": "member", "ru": "участник"},
    "trust.trusted": {"en": "trusted", "ru": "доверенный"},
    # --- achievements ------------------------------------------------------------------------
    "achievement.announce": {
        "en": "🏆 {member} earned {emoji} <b>{name}</b>!",
        "ru": "🏆 {member} получает достижение {emoji} <b>{name}</b>!",
    },
    "achievement.announce_points": {
        "en": "🏆 {member} earned {emoji} <b>{name}</b>! (+{points} reputation)",
        "ru": "🏆 {member} получает достижение {emoji} <b>{name}</b>! (+{points} к репутации)",
    },
    # --- reputation card -----------------------------------------------------------------------
    "reputation.card": {
        "en": (
            "<b>{member}</b>\n"
            "Trust: {trust}\n"
            "Reputation: {points}\n"
            "Messages: {messages}\n"
            "Helpful answers: {helpful} (quality: {quality})\n"
            "Violations in the last {days}: {recent}\n"
            "Achievements: {achievements}"
        ),
        "ru": (
            "<b>{member}</b>\n"
            "Доверие: {trust}\n"
            "Репутация: {points}\n"
            "Сообщений: {messages}\n"
            "Полезных ответов: {helpful} (качественных: {quality})\n"
            "Нарушений за последние {days}: {recent}\n"
            "Достижения: {achievements}"
        ),
    },
    "reputation.no_achievements": {"en": "none yet", "ru": "пока нет"},
    # --- leaderboard -------------------------------------------------------------------------------
    "leaderboard.title": {"en": "🏆 <b>Top members</b>", "ru": "🏆 <b>Лучшие участники</b>"},
    "leaderboard.line": {"en": "{rank}. {member} — {points}", "ru": "{rank}. {member} — {points}"},
    "leaderboard.empty": {
        "en": "Nobody has earned reputation yet: helpful answers and achievements earn it.",
        "ru": "Пока никто не заработал репутацию: её дают полезные ответы и достижения.",
    },
    # --- admin corrections -------------------------------------------------------------------------
    "pardon.done": {
        "en": "✅ {member}: {violations} forgiven, their points given back.",
        "ru": "✅ {member}: прощено — {violations}, репутация возвращена.",
    },
    "unwarn.done": {
        "en": "✅ {member}: the last violation ({category}) was removed.",
        "ru": "✅ {member}: последнее нарушение ({category}) снято.",
    },
    "unwarn.nothing": {
        "en": "{member} has no violations.",
        "ru": "У {member} нет нарушений.",
    },
}


def format_duration(seconds: int, lang: str) -> str:
    """1 h, 24 h, 7 d, 30 min: the largest unit that divides evenly; days only from 2 days up."""
    if seconds >= 2 * DAY and seconds % DAY == 0:
        return render(TEXTS, "duration.days", lang, n=seconds // DAY)
    if seconds >= HOUR and seconds % HOUR == 0:
        return render(TEXTS, "duration.hours", lang, n=seconds // HOUR)
    if seconds >= 60 and seconds % 60 == 0:
        return render(TEXTS, "duration.minutes", lang, n=seconds // 60)
    return render(TEXTS, "duration.seconds", lang, n=seconds)


def category_label(category: Category, lang: str) -> str:
    return render(TEXTS, f"category.{category.value}", lang)


def trust_label(trust: TrustLevel, lang: str) -> str:
    return render(TEXTS, f"trust.{trust.value}", lang)


def sanction_notice(kind: SanctionKind, duration_s: int | None, *, member: str, reason: str, lang: str) -> str:
    """The group notice for a ladder step; `duration_s` None is permanent (mute, ban)."""
    if kind is SanctionKind.WARN:
        return render(TEXTS, "sanction.warned", lang, member=member, reason=reason)
    base = "sanction.muted" if kind is SanctionKind.MUTE else "sanction.banned"
    if duration_s is None:
        return render(TEXTS, f"{base}_permanent", lang, member=member, reason=reason)
    return render(TEXTS, base, lang, member=member, reason=reason, duration=format_duration(duration_s, lang))


def achievement_announcement(*, member: str, emoji: str, name: str, points: int, lang: str) -> str:
    key = "achievement.announce_points" if points else "achievement.announce"
    return render(TEXTS, key, lang, member=member, emoji=emoji, name=name, points=points)


def reputation_card(
    *,
    member: str,
    trust: TrustLevel,
    points: int,
    messages: int,
    helpful: int,
    quality: int,
    window_days: float,
    recent_violations: int,
    achievements: Sequence[str],
    lang: str,
) -> str:
    """`achievements` are plain labels such as "🌟 Helpful Contributor"; they are escaped here."""
    listed = ", ".join(achievements) if achievements else render(TEXTS, "reputation.no_achievements", lang)
    return render(
        TEXTS,
        "reputation.card",
        lang,
        member=member,
        trust=trust_label(trust, lang),
        points=points,
        messages=messages,
        helpful=helpful,
        quality=quality,
        days=count(window_days, "day", lang),
        recent=recent_violations,
        achievements=listed,
    )


def leaderboard(rows: Iterable[tuple[str, int]], lang: str) -> str:
    """`rows` are (member name, points), best first."""
    lines = [
        render(TEXTS, "leaderboard.line", lang, rank=rank, member=name, points=points)
        for rank, (name, points) in enumerate(rows, start=1)
    ]
    if not lines:
        return render(TEXTS, "leaderboard.empty", lang)
    return "\n".join([render(TEXTS, "leaderboard.title", lang), *lines])
