"""Texts of the group settings menu."""

TEXTS = {
    "title": {
        "en": "⚙️ <b>Settings of this group</b>\nPress a button to change it.",
        "ru": "⚙️ <b>Настройки группы</b>\nНажмите кнопку, чтобы изменить.",
    },
    "btn.moderation": {"en": "{icon} Moderation", "ru": "{icon} Модерация"},
    "btn.dry_run": {"en": "{icon} Dry run (log only)", "ru": "{icon} Пробный режим (только журнал)"},
    "btn.moderate_admins": {"en": "{icon} Moderate admins too", "ru": "{icon} Модерировать и админов"},
    "btn.assistant": {"en": "{icon} AI assistant", "ru": "{icon} ИИ-ассистент"},
    "btn.judge": {"en": "🧠 LLM judge: {mode}", "ru": "🧠 LLM-судья: {mode}"},
    "btn.language": {"en": "🌐 Language: English", "ru": "🌐 Язык: русский"},
    "btn.rules": {"en": "📜 Group rules", "ru": "📜 Правила группы"},
    "btn.close": {"en": "✖️ Close", "ru": "✖️ Закрыть"},
    "judge.all": {"en": "every message", "ru": "все сообщения"},
    "judge.uncertain": {"en": "uncertain only", "ru": "только спорные"},
    "judge.off": {"en": "off", "ru": "выключен"},
    "not_admin": {
        "en": "Only the group's admins can change its settings.",
        "ru": "Настройки группы могут менять только её администраторы.",
    },
    "groups_only": {
        "en": "Use /settings in a group where I am an admin.",
        "ru": "Используйте /settings в группе, где я администратор.",
    },
    "saved": {"en": "Saved.", "ru": "Сохранено."},
    "rules.current": {
        "en": "📜 The rules the moderator applies here:\n\n{rules}\n\nChange them with /setrules followed by the text.",
        "ru": "📜 Правила, которые применяет модератор:\n\n{rules}\n\nИзменить: /setrules и текст правил.",
    },
    "rules.none": {
        "en": "No rules text yet: the default policy applies. Set it with /setrules followed by the text.",
        "ru": "Текста правил пока нет: действует политика по умолчанию. Задайте его: /setrules и текст.",
    },
    "rules.saved": {"en": "📜 Rules saved ({chars}).", "ru": "📜 Правила сохранены ({chars})."},
    "rules.cleared": {
        "en": "📜 Rules removed: the default policy applies.",
        "ru": "📜 Правила удалены: действует политика по умолчанию.",
    },
    "rules.usage": {
        "en": "Write the rules after the command, e.g. <code>/setrules No ads. Be kind.</code>; "
        "<code>/setrules off</code> removes them.",
        "ru": "Напишите правила после команды, например <code>/setrules Без рекламы. Будьте вежливы.</code>; "
        "<code>/setrules off</code> удаляет их.",
    },
    "persona.saved": {
        "en": "🎭 Persona saved ({chars}). The assistant will answer in it.",
        "ru": "🎭 Образ сохранён ({chars}). Ассистент будет отвечать в нём.",
    },
    "persona.cleared": {
        "en": "🎭 Persona cleared: the assistant answers in its default voice.",
        "ru": "🎭 Образ сброшен: ассистент отвечает по умолчанию.",
    },
    "rules.too_long": {
        "en": "The rules text is too long: {chars}, at most {max}.",
        "ru": "Текст правил слишком длинный: {chars}, максимум {max}.",
    },
    "policy.summary_title": {
        "en": "🛡️ <b>Moderation rules of this group</b>",
        "ru": "🛡️ <b>Правила модерации группы</b>",
    },
    "policy.summary_footer": {
        "en": "Details: <code>/policy SECTION</code>, e.g. "
        "<code>/policy links</code>. Change: <code>/policy set floods.max_emojis 20</code>, "
        "<code>/policy add stop_words free money</code>, <code>/policy reset</code>.",
        "ru": "Подробнее: <code>/policy РАЗДЕЛ</code>, например "
        "<code>/policy links</code>. Изменить: <code>/policy set floods.max_emojis 20</code>, "
        "<code>/policy add stop_words free money</code>, <code>/policy reset</code>.",
    },
    "policy.summary_line": {
        "en": "• <code>{section}</code> — {title}: {state}",
        "ru": "• <code>{section}</code> — {title}: {state}",
    },
    "policy.defaults": {"en": "defaults", "ru": "по умолчанию"},
    "policy.changed": {"en": "{settings} changed", "ru": "изменено: {settings}"},
    "policy.section": {
        "en": "🛡️ <b>{title}</b> (<code>{section}</code>)\n<pre>{rows}</pre>\nChange one: "
        "<code>/policy set PATH VALUE</code>; lists: <code>/policy add|remove PATH ITEM</code>.",
        "ru": "🛡️ <b>{title}</b> (<code>{section}</code>)\n<pre>{rows}</pre>\nИзменить: "
        "<code>/policy set ПУТЬ ЗНАЧЕНИЕ</code>; списки: <code>/policy add|remove ПУТЬ ЭЛЕМЕНТ</code>.",
    },
    "section.general": {
        "en": "stop words, built-in phrases, hidden characters",
        "ru": "стоп-слова, встроенные фразы, скрытые символы",
    },
    "section.links": {"en": "links, invites, shorteners", "ru": "ссылки, приглашения, сокращатели"},
    "section.floods": {
        "en": "mentions, emojis, caps, lines, message rate",
        "ru": "упоминания, эмодзи, капс, строки, частота",
    },
    "section.coordination": {"en": "the same text from many senders", "ru": "один текст от многих отправителей"},
    "section.newcomers": {"en": "new members' first messages", "ru": "первые сообщения новичков"},
    "section.classifier": {"en": "spam classifier thresholds", "ru": "пороги классификатора спама"},
    "policy.saved": {"en": "🛡️ Saved: {path} = {value}", "ru": "🛡️ Сохранено: {path} = {value}"},
    "policy.reset": {
        "en": "🛡️ The moderation rules are back to their defaults.",
        "ru": "🛡️ Правила модерации возвращены к значениям по умолчанию.",
    },
    "policy.refused": {"en": "Not changed: {reason}.", "ru": "Не изменено: {reason}."},
    "policy.usage": {
        "en": "Use /policy set|add|remove SETTING VALUE, /policy SECTION ({sections}) or /policy reset. "
        "/policy alone shows a summary.",
        "ru": "Используйте /policy set|add|remove НАСТРОЙКА ЗНАЧЕНИЕ, /policy РАЗДЕЛ ({sections}) или /policy reset. "
        "/policy без слов — сводка.",
    },
}
