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
}
