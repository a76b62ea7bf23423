"""Texts of moderation notices."""

TEXTS = {
    "removed.public": {
        "en": "🛡️ A message from {member} was removed: {reason}.",
        "ru": "🛡️ Сообщение от {member} удалено: {reason}.",
    },
    "warned.public": {
        "en": "⚠️ {member}, a warning about your message: {reason}.",
        "ru": "⚠️ {member}, предупреждение за сообщение: {reason}.",
    },
    "removed.dm": {
        "en": "🛡️ Your message in «{chat}» was removed: {reason}.",
        "ru": "🛡️ Ваше сообщение в «{chat}» удалено: {reason}.",
    },
    "warned.dm": {
        "en": "⚠️ A warning about your message in «{chat}»: {reason}.",
        "ru": "⚠️ Предупреждение за сообщение в «{chat}»: {reason}.",
    },
    "start.welcome": {
        "en": "Hi! I am a group assistant and moderator. Add me to a group as an admin (delete "
              "and restrict rights), mention me to ask questions, and I will tell you here if I "
              "ever have to remove one of your messages.",
        "ru": "Привет! Я ассистент и модератор групп. Добавьте меня в группу администратором "
              "(права удалять и ограничивать), упоминайте меня, чтобы задать вопрос, — а если мне "
              "придётся удалить ваше сообщение, я напишу об этом здесь.",
    },
}
