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
    "rules.saved": {"en": "📜 Rules saved ({n} characters).", "ru": "📜 Правила сохранены ({n} символов)."},
    "persona.saved": {
        "en": "🎭 Persona saved ({n} characters). The assistant will answer in it.",
        "ru": "🎭 Образ сохранён ({n} символов). Ассистент будет отвечать в нём.",
    },
    "persona.cleared": {
        "en": "🎭 Persona cleared: the assistant answers in its default voice.",
        "ru": "🎭 Образ сброшен: ассистент отвечает по умолчанию.",
    },
    "rules.too_long": {
        "en": "The rules text is too long: {n} characters, at most {max}.",
        "ru": "Текст правил слишком длинный: {n} символов, максимум {max}.",
    },
    "policy.list": {
        "en": "🛡️ <b>Moderation rules of this group</b>\n<pre>{rows}</pre>\nChange one: <code>/policy set floods.max_emojis 20</code>, "
              "<code>/policy add stop_words free money</code>, <code>/policy remove links.deny_domains example.com</code>, "
              "<code>/policy reset</code>.",
        "ru": "🛡️ <b>Правила модерации группы</b>\n<pre>{rows}</pre>\nИзменить: <code>/policy set floods.max_emojis 20</code>, "
              "<code>/policy add stop_words free money</code>, <code>/policy remove links.deny_domains example.com</code>, "
              "<code>/policy reset</code>.",
    },
    "policy.saved": {"en": "🛡️ Saved: {path} = {value}", "ru": "🛡️ Сохранено: {path} = {value}"},
    "policy.reset": {
        "en": "🛡️ The moderation rules are back to their defaults.",
        "ru": "🛡️ Правила модерации возвращены к значениям по умолчанию.",
    },
    "policy.refused": {"en": "Not changed: {reason}.", "ru": "Не изменено: {reason}."},
    "policy.usage": {
        "en": "Use /policy set|add|remove SETTING VALUE, or /policy reset. /policy alone lists the settings.",
        "ru": "Используйте /policy set|add|remove НАСТРОЙКА ЗНАЧЕНИЕ или /policy reset. /policy без слов — список.",
    },
}
