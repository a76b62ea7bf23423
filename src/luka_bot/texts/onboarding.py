"""Texts of the private chat (/start, /help), the command menus and the rights check on joining.

Command lists are data (name, description per language) so the same list feeds /help and
`setMyCommands`; the help text renders each line itself, so nothing is escaped twice.
"""

from __future__ import annotations

from luka_bot.texts import render

# (command, {"en": description, "ru": description}); Telegram allows 1-256 characters each.
MEMBER_COMMANDS: tuple[tuple[str, dict[str, str]], ...] = (
    ("ask", {"en": "ask the assistant a question", "ru": "задать вопрос ассистенту"}),
    ("rep", {"en": "your reputation in this group", "ru": "ваша репутация в группе"}),
    ("top", {"en": "the group's best members", "ru": "лучшие участники группы"}),
    (
        "report",
        {"en": "reply to a message to flag it for the admins", "ru": "ответом на сообщение: пожаловаться админам"},
    ),
    (
        "summary",
        {
            "en": "catch up: /summary, /summary 100, /summary 2h",
            "ru": "пересказ беседы: /summary, /summary 100, /summary 2h",
        },
    ),
    ("notes", {"en": "the group's notes (read one: #name)", "ru": "заметки группы (прочитать: #имя)"}),
    ("get", {"en": "a note: /get name", "ru": "заметка: /get имя"}),
    ("help", {"en": "what I do and my commands", "ru": "что я умею и мои команды"}),
)
ADMIN_COMMANDS: tuple[tuple[str, dict[str, str]], ...] = (
    ("settings", {"en": "the group's settings menu", "ru": "меню настроек группы"}),
    ("setrules", {"en": "the group's rules for the moderator", "ru": "правила группы для модератора"}),
    (
        "policy",
        {"en": "moderation checks: summary, sections, changes", "ru": "проверки модерации: сводка, разделы, изменения"},
    ),
    ("setlog", {"en": "where moderation records go", "ru": "куда отправлять журнал модерации"}),
    ("spam", {"en": "reply: remove as spam and learn it", "ru": "ответом: удалить как спам и запомнить"}),
    (
        "lock",
        {
            "en": "lock a kind of content, e.g. /lock sticker newcomers",
            "ru": "запретить вид контента, напр. /lock sticker newcomers",
        },
    ),
    ("unlock", {"en": "lift a lock, e.g. /unlock sticker", "ru": "снять запрет, напр. /unlock sticker"}),
    ("locks", {"en": "the group's locks", "ru": "запреты группы"}),
    ("warn", {"en": "reply: warn the member", "ru": "ответом: предупредить участника"}),
    ("unwarn", {"en": "reply: take back the last violation", "ru": "ответом: снять последнее нарушение"}),
    ("mute", {"en": "reply: mute, e.g. /mute 1h", "ru": "ответом: запретить писать, напр. /mute 1h"}),
    ("unmute", {"en": "reply: let the member write again", "ru": "ответом: снова разрешить писать"}),
    ("ban", {"en": "reply: ban, e.g. /ban 7d", "ru": "ответом: забанить, напр. /ban 7d"}),
    ("unban", {"en": "reply: lift a ban", "ru": "ответом: снять бан"}),
    ("pardon", {"en": "reply: forgive all violations", "ru": "ответом: простить все нарушения"}),
    ("setpersona", {"en": "the assistant's voice in this group", "ru": "образ ассистента в группе"}),
    (
        "console",
        {
            "en": "in a private chat with me: a sign-in link to the admin console",
            "ru": "в личном чате со мной: ссылка для входа в консоль администратора",
        },
    ),
    ("save", {"en": "keep a note: /save name text", "ru": "сохранить заметку: /save имя текст"}),
    ("clear", {"en": "delete a note: /clear name", "ru": "удалить заметку: /clear имя"}),
    ("usage", {"en": "the assistant's spend and top users", "ru": "расход ассистента и кто больше всех"}),
    ("budget", {"en": "the assistant's limits: /budget member N", "ru": "лимиты ассистента: /budget member N"}),
)

TEXTS: dict[str, dict[str, str]] = {
    "help.intro": {
        "en": "👋 I am <b>{bot}</b>, a group assistant and moderator.\n"
        "• In a group, mention me or reply to me and I answer.\n"
        "• I quietly remove spam, scams and abuse, and warn, mute or ban by the group's ladder.\n"
        "• If I remove one of your messages, I tell you here, with a button to appeal.\n\n"
        "To use me, add me to your group and make me an admin with the rights to delete messages "
        "and restrict members.",
        "ru": "👋 Я <b>{bot}</b> — ассистент и модератор групп.\n"
        "• В группе упомяните меня или ответьте на моё сообщение — я отвечу.\n"
        "• Я тихо удаляю спам, мошенничество и оскорбления, а по «лестнице» группы предупреждаю, "
        "ограничиваю или баню.\n"
        "• Если я удалю ваше сообщение, я напишу вам здесь, с кнопкой для апелляции.\n\n"
        "Чтобы подключить меня, добавьте меня в группу и сделайте администратором с правами "
        "удалять сообщения и ограничивать участников.",
    },
    "help.members": {"en": "<b>Commands for everyone in a group</b>", "ru": "<b>Команды для всех в группе</b>"},
    "help.admins": {"en": "<b>Commands for the group's admins</b>", "ru": "<b>Команды для администраторов группы</b>"},
    "help.line": {"en": "/{command} — {description}", "ru": "/{command} — {description}"},
    # --- rights check when added or changed -----------------------------------------------------
    "rights.ok": {
        "en": "✅ I have what I need here: I can delete messages, restrict members, pin and invite. "
        "Admins: /settings and /policy set me up, /help lists my commands.",
        "ru": "✅ У меня есть всё нужное: могу удалять сообщения, ограничивать участников, закреплять и "
        "приглашать. Администраторы: /settings и /policy — настройка, /help — мои команды.",
    },
    "rights.missing": {
        "en": "⚠️ <b>I cannot fully protect this group yet.</b> Missing:",
        "ru": "⚠️ <b>Пока я не могу полностью защищать эту группу.</b> Не хватает:",
    },
    "rights.lost": {
        "en": "⚠️ <b>An admin took away a right I need.</b> Missing now:",
        "ru": "⚠️ <b>Администратор отобрал у меня нужное право.</b> Сейчас не хватает:",
    },
    "rights.not_admin": {
        "en": "• I am not an admin: I cannot delete spam or restrict anyone.",
        "ru": "• Я не администратор: не могу удалять спам и ограничивать участников.",
    },
    "rights.can_delete_messages": {
        "en": "• <i>Delete messages</i>: without it spam stays up.",
        "ru": "• <i>Удаление сообщений</i>: без него спам остаётся в чате.",
    },
    "rights.can_restrict_members": {
        "en": "• <i>Ban users</i> (restrict members): without it no mute or ban.",
        "ru": "• <i>Блокировка пользователей</i>: без него нельзя запретить писать или забанить.",
    },
    "rights.can_pin_messages": {
        "en": "• <i>Pin messages</i>: to pin the rules when asked.",
        "ru": "• <i>Закрепление сообщений</i>: чтобы закреплять правила.",
    },
    "rights.can_invite_users": {
        "en": "• <i>Invite users via link</i>: to let a wrongly banned member back in.",
        "ru": "• <i>Приглашение по ссылке</i>: чтобы вернуть ошибочно забаненного участника.",
    },
    "rights.privacy": {
        "en": "• <i>Privacy mode is on</i>: I only see commands and mentions, so I cannot moderate other "
        "messages. Fix: @BotFather → /setprivacy → {bot} → Disable, then remove me from the group and add me again.",
        "ru": "• <i>Включён режим приватности</i>: я вижу только команды и упоминания и не могу проверять остальные "
        "сообщения. Как исправить: @BotFather → /setprivacy → {bot} → Disable, затем удалите меня из группы и добавьте снова.",
    },
    "rights.fix": {
        "en": "How to fix: group → Administrators → {bot} → turn these on.",
        "ru": "Как исправить: группа → Администраторы → {bot} → включите эти права.",
    },
}

# The rights a moderator needs, as ChatMemberAdministrator field names, most important first.
NEEDED_RIGHTS = ("can_delete_messages", "can_restrict_members", "can_pin_messages", "can_invite_users")


def help_text(bot_name: str, lang: str) -> str:
    lines = [render(TEXTS, "help.intro", lang, bot=bot_name), "", render(TEXTS, "help.members", lang)]
    lines += [
        render(TEXTS, "help.line", lang, command=name, description=descr.get(lang) or descr["en"])
        for name, descr in MEMBER_COMMANDS
    ]
    lines += ["", render(TEXTS, "help.admins", lang)]
    lines += [
        render(TEXTS, "help.line", lang, command=name, description=descr.get(lang) or descr["en"])
        for name, descr in ADMIN_COMMANDS
    ]
    return "\n".join(lines)


def rights_report(missing: list[str], *, privacy_on: bool, lost: bool, bot_name: str, lang: str) -> str:
    """What the admins must fix; `missing` holds NEEDED_RIGHTS names or "not_admin"."""
    if not missing and not privacy_on:
        return render(TEXTS, "rights.ok", lang)
    lines = [render(TEXTS, "rights.lost" if lost else "rights.missing", lang)]
    lines += [render(TEXTS, f"rights.{name}", lang) for name in missing]
    if privacy_on:
        lines.append(render(TEXTS, "rights.privacy", lang, bot=bot_name))
    if missing:
        lines.append(render(TEXTS, "rights.fix", lang, bot=bot_name))
    return "\n".join(lines)
