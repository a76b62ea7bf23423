"""Texts of the content locks: /lock, /unlock, /locks. Lock names are values, so `render` escapes them."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "groups_only": {"en": "This command works in groups only.", "ru": "Эта команда работает только в группах."},
    "not_admin": {
        "en": "Only group admins can use /{command}.",
        "ru": "Команда /{command} доступна только администраторам группы.",
    },
    "usage.lock": {
        "en": "Usage: /lock <type> [newcomers] — e.g. /lock sticker, /lock url newcomers, /lock all.\nTypes: {types}",
        "ru": "Использование: /lock <тип> [newcomers] — например /lock sticker, /lock url newcomers, /lock all.\n"
        "Типы: {types}",
    },
    "usage.unlock": {
        "en": "Usage: /unlock <type> — e.g. /unlock sticker, /unlock all.\nTypes: {types}",
        "ru": "Использование: /unlock <тип> — например /unlock sticker, /unlock all.\nТипы: {types}",
    },
    "unknown": {
        "en": "Unknown lock type: {words}. Types: {types}",
        "ru": "Неизвестный тип: {words}. Типы: {types}",
    },
    "locked.all": {
        "en": "🔒 Locked for everyone: {names}. Such messages are removed.",
        "ru": "🔒 Запрещено для всех: {names}. Такие сообщения удаляются.",
    },
    "locked.newcomers": {
        "en": "🔒 Locked for newcomers: {names}. Their such messages are removed.",
        "ru": "🔒 Запрещено новичкам: {names}. Такие их сообщения удаляются.",
    },
    "unlocked": {"en": "🔓 Unlocked: {names}.", "ru": "🔓 Разрешено: {names}."},
    "list.title": {"en": "<b>Locks in this group</b>", "ru": "<b>Запреты в этой группе</b>"},
    "list.none": {
        "en": "Nothing is locked. /lock <type> locks a kind of content.",
        "ru": "Ничего не запрещено. /lock <тип> запрещает вид контента.",
    },
    "list.row.all": {"en": "🔒 {name}: everyone", "ru": "🔒 {name}: все"},
    "list.row.newcomers": {"en": "🔒 {name}: newcomers", "ru": "🔒 {name}: новички"},
    "list.footer": {
        "en": "Admins and approved members (/approve) are exempt. Unlocked types: {types}",
        "ru": "Администраторы и одобренные участники (/approve) не ограничены. Разрешены: {types}",
    },
}
