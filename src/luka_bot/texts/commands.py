"""Texts of member and admin commands, appeals and the log chat, in English and Russian.

Names, message text and reasons arrive as values, so `render` escapes them.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # --- misuse ------------------------------------------------------------------------------
    "groups_only": {
        "en": "This command works in a group.",
        "ru": "Эта команда работает в группе.",
    },
    "not_admin": {
        "en": "Only the group's admins can use /{command}.",
        "ru": "Команда /{command} доступна только администраторам группы.",
    },
    "needs_reply": {
        "en": "Reply to the member's message with /{command}.",
        "ru": "Отправьте /{command} ответом на сообщение участника.",
    },
    "target_is_admin": {
        "en": "{member} is an admin of this group; admins cannot be sanctioned.",
        "ru": "{member} — администратор группы; к администраторам санкции не применяются.",
    },
    "target_is_bot": {
        "en": "That message is from a bot; this command is for members.",
        "ru": "Это сообщение бота; команда применяется к участникам.",
    },
    "bad_duration": {
        "en": "“{value}” is not a duration I understand. Use one of: {formats} (from 1 minute to 366 days).",
        "ru": "«{value}» — непонятная длительность. Допустимо: {formats} (от 1 минуты до 366 дней).",
    },
    "failed": {
        "en": "Telegram refused: {error}",
        "ru": "Telegram отказал: {error}",
    },
    # --- admin commands --------------------------------------------------------------------------
    "reason.admin": {"en": "decision of an admin", "ru": "решение администратора"},
    "warn.done": {
        "en": "⚠️ {member}, this is a warning from an admin. Violations in the last {days}: {count}.",
        "ru": "⚠️ {member}, предупреждение от администратора. Нарушений за последние {days}: {count}.",
    },
    "unmute.not_muted": {"en": "{member} is not muted.", "ru": "{member} не ограничен в сообщениях."},
    "unban.not_banned": {"en": "{member} is not banned.", "ru": "{member} не забанен."},
    "spam.done": {
        "en": "🧹 Removed as spam; I will recognise messages like it.",
        "ru": "🧹 Удалено как спам; похожие сообщения я буду узнавать.",
    },
    # --- /report ---------------------------------------------------------------------------------
    "report.sent": {
        "en": "Thanks, the admins have been told.",
        "ru": "Спасибо, администраторы оповещены.",
    },
    "report.log": {
        "en": "🚩 <b>Report</b> in «{chat}» by {reporter}\nAbout a message from {member} (id {user_id}), message {message_id}:\n<blockquote>{text}</blockquote>",
        "ru": "🚩 <b>Жалоба</b> в «{chat}» от {reporter}\nНа сообщение {member} (id {user_id}), сообщение {message_id}:\n<blockquote>{text}</blockquote>",
    },
    "report.admins": {
        "en": "🚩 {reporter} flagged this message for the admins:",
        "ru": "🚩 {reporter} просит администраторов взглянуть на это сообщение:",
    },
    # --- buttons -----------------------------------------------------------------------------------
    "btn.appeal": {"en": "🙋 Appeal", "ru": "🙋 Обжаловать"},
    "btn.not_spam": {"en": "✅ Not spam", "ru": "✅ Не спам"},
    "btn.restore": {"en": "♻️ Restore", "ru": "♻️ Восстановить"},
    "btn.confirm": {"en": "✔️ Confirm", "ru": "✔️ Подтвердить"},
    # --- log chat ----------------------------------------------------------------------------------
    "log.action": {
        "en": "🛡️ <b>Automatic action</b> in «{chat}»\nMember: {member} (id {user_id})\nReason: {reason}\nTaken: {sanction}\n<blockquote>{text}</blockquote>",
        "ru": "🛡️ <b>Автоматическое действие</b> в «{chat}»\nУчастник: {member} (id {user_id})\nПричина: {reason}\nМера: {sanction}\n<blockquote>{text}</blockquote>",
    },
    "log.admin_action": {
        "en": "🧹 <b>Removed by an admin</b> (/spam) in «{chat}»\nMember: {member} (id {user_id})\nReason: {reason}\nTaken: {sanction}\n<blockquote>{text}</blockquote>",
        "ru": "🧹 <b>Удалено администратором</b> (/spam) в «{chat}»\nУчастник: {member} (id {user_id})\nПричина: {reason}\nМера: {sanction}\n<blockquote>{text}</blockquote>",
    },
    "log.dry_run": {
        "en": "🧪 <b>Dry run</b> in «{chat}»: nothing was done. It would have been: {would}\nMember: {member} (id {user_id})\nReason: {reason} ({detail})\n<blockquote>{text}</blockquote>",
        "ru": "🧪 <b>Пробный режим</b> в «{chat}»: ничего не сделано. Было бы: {would}\nУчастник: {member} (id {user_id})\nПричина: {reason} ({detail})\n<blockquote>{text}</blockquote>",
    },
    "would.delete": {"en": "message removed", "ru": "сообщение удалено"},
    "would.warn": {"en": "warning", "ru": "предупреждение"},
    "would.mute": {"en": "message removed, mute", "ru": "сообщение удалено, запрет писать"},
    "would.ban": {"en": "message removed, ban", "ru": "сообщение удалено, бан"},
    "log.appeal": {
        "en": "🙋 <b>Appeal</b> in «{chat}»\nMember: {member} (id {user_id})\nReason given: {reason}\nTaken: {sanction}\n<blockquote>{text}</blockquote>",
        "ru": "🙋 <b>Апелляция</b> в «{chat}»\nУчастник: {member} (id {user_id})\nПричина: {reason}\nМера: {sanction}\n<blockquote>{text}</blockquote>",
    },
    "log.text_hidden": {
        "en": "(the removed text is not shown in the group itself; set a separate log chat with /setlog to see it)",
        "ru": "(удалённый текст не показывается в самой группе; чтобы видеть его, задайте отдельный чат журнала: /setlog)",
    },
    "log.restored_by": {"en": "♻️ Restored by {admin}.", "ru": "♻️ Восстановлено: {admin}."},
    "log.confirmed_by": {"en": "✔️ Confirmed by {admin}.", "ru": "✔️ Подтверждено: {admin}."},
    "sanction.removed": {"en": "message removed", "ru": "сообщение удалено"},
    "sanction.warn": {"en": "warning", "ru": "предупреждение"},
    "sanction.mute": {"en": "mute", "ru": "запрет писать"},
    "sanction.ban": {"en": "ban", "ru": "бан"},
    "setlog.done_here": {
        "en": "📋 This group is now its own log chat: automatic actions and appeals appear here.",
        "ru": "📋 Журнал этой группы теперь ведётся здесь: автоматические действия и апелляции будут тут.",
    },
    "setlog.done_there": {
        "en": "📋 Automatic actions and appeals now go to «{target}».",
        "ru": "📋 Автоматические действия и апелляции теперь отправляются в «{target}».",
    },
    "setlog.hello": {
        "en": "📋 This chat now receives the moderation log of «{chat}».",
        "ru": "📋 Сюда теперь приходит журнал модерации группы «{chat}».",
    },
    "setlog.off": {"en": "📋 The log chat is switched off.", "ru": "📋 Журнал отключён."},
    "setlog.bad_target": {
        "en": "Use /setlog alone for this group, /setlog followed by a chat id (e.g. -1001234567890) for another chat where I am an admin and so are you, or /setlog off.",
        "ru": "Используйте /setlog без параметров для этой группы, /setlog и id чата (например, -1001234567890) для другого чата, где администраторы и я, и вы, или /setlog off.",
    },
    "setlog.unreachable": {
        "en": "I cannot post to {target}: add me there as an admin first.",
        "ru": "Не могу писать в {target}: сначала добавьте меня туда администратором.",
    },
    "setlog.not_admin_there": {
        "en": "You must be an admin of {target} too.",
        "ru": "Вы должны быть администратором и в {target}.",
    },
    # --- appeals and restore -----------------------------------------------------------------------
    "appeal.sent": {
        "en": "Your appeal was sent to the admins.",
        "ru": "Апелляция отправлена администраторам.",
    },
    "appeal.not_yours": {
        "en": "Only the member this notice is about can appeal it.",
        "ru": "Обжаловать может только тот, о ком это уведомление.",
    },
    "appeal.already": {
        "en": "This case was already handled or appealed.",
        "ru": "Это дело уже рассмотрено или обжаловано.",
    },
    "case.gone": {
        "en": "This notice is too old to act on.",
        "ru": "Это уведомление слишком старое.",
    },
    "case.not_admin": {
        "en": "Only the group's admins can decide this.",
        "ru": "Решать это могут только администраторы группы.",
    },
    "case.restored": {"en": "Restored.", "ru": "Восстановлено."},
    "case.confirmed": {"en": "Confirmed.", "ru": "Подтверждено."},
    "restore.repost": {
        "en": "♻️ An admin restored a message from {member}:\n<blockquote>{text}</blockquote>",
        "ru": "♻️ Администратор восстановил сообщение {member}:\n<blockquote>{text}</blockquote>",
    },
    "restore.no_text": {
        "en": "♻️ An admin lifted the sanction on {member}.",
        "ru": "♻️ Администратор снял санкцию с {member}.",
    },
}
