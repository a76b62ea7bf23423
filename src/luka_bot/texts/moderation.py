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
    # Hints to a group's admins when a judged message could not be removed (log chat, else the group).
    "hint.no_rights": {
        "en": "⚠️ I could not remove a message from {member} in «{chat}» ({reason}): I no longer have the "
        "right to delete messages there. Please make me an admin with “Delete messages” again. "
        "Until then nobody is warned or sanctioned for messages I cannot remove.",
        "ru": "⚠️ Не удалось удалить сообщение от {member} в «{chat}» ({reason}): у меня больше нет права "
        "удалять сообщения. Пожалуйста, снова дайте мне права администратора с «Удалением сообщений». "
        "До тех пор за сообщения, которые я не могу удалить, никого не предупреждаю и не ограничиваю.",
    },
    "hint.expired": {
        "en": "⚠️ A message from {member} in «{chat}» ({reason}) is older than 48 hours, so Telegram no longer "
        "lets me delete it. Please remove it by hand if it should go; the member was not warned.",
        "ru": "⚠️ Сообщению от {member} в «{chat}» ({reason}) больше 48 часов, и Telegram уже не даёт мне его "
        "удалить. Если его нужно убрать, удалите его вручную; участник не получил предупреждения.",
    },
    "hint.failed": {
        "en": "⚠️ Telegram refused to delete a message from {member} in «{chat}» ({reason}). Please check "
        "it by hand; the member was not warned.",
        "ru": "⚠️ Telegram не дал удалить сообщение от {member} в «{chat}» ({reason}). Пожалуйста, проверьте "
        "его вручную; участник не получил предупреждения.",
    },
}
