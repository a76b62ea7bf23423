"""Texts of the assistant."""

TEXTS = {
    "llm_failed": {
        "en": "Sorry, I can't answer right now. Please try again in a minute.",
        "ru": "Извините, сейчас не могу ответить. Попробуйте через минуту.",
    },
    "llm_interrupted": {
        "en": "(answer interrupted, sorry)",
        "ru": "(ответ прерван, извините)",
    },
    "llm_truncated": {
        "en": "(answer cut short: it reached the length limit)",
        "ru": "(ответ обрезан: достигнут предел длины)",
    },
    "ask_usage": {
        "en": "Ask me something: /ask your question, or mention me.",
        "ru": "Задайте вопрос: /ask ваш вопрос, или упомяните меня.",
    },
}

# Budgets, cooldown and private use: said once per period, short, in the member's language.
TEXTS.update(
    {
        "refused.member_budget": {
            "en": "You have used your share of the assistant for today. It renews at midnight UTC.",
            "ru": "Вы исчерпали свой лимит ассистента на сегодня. Он обновится в полночь по UTC.",
        },
        "refused.group_budget": {
            "en": "This group has used its assistant allowance for today. It renews at midnight UTC.",
            "ru": "Группа исчерпала лимит ассистента на сегодня. Он обновится в полночь по UTC.",
        },
        "refused.cooldown": {
            "en": "One question at a time, please: ask again in {seconds} s.",
            "ru": "Пожалуйста, по одному вопросу: спросите снова через {seconds} с.",
        },
        "refused.private_members": {
            "en": "In private I answer members of the groups I serve. Ask me in your group first.",
            "ru": "В личных сообщениях я отвечаю участникам групп, где я работаю. Сначала спросите меня в группе.",
        },
        "refused.private_nobody": {
            "en": "I don't answer in private chats. Ask me in your group.",
            "ru": "Я не отвечаю в личных сообщениях. Спросите меня в группе.",
        },
        "from_notes": {
            "en": "📝 From the group's notes: {names}",
            "ru": "📝 Из заметок группы: {names}",
        },
        "not_admin": {
            "en": "Only the group's admins can do that.",
            "ru": "Это могут только администраторы группы.",
        },
        "groups_only": {
            "en": "This command works in groups.",
            "ru": "Эта команда работает в группах.",
        },
        # /usage and /budget
        "usage.title": {
            "en": "<b>Assistant use in this group</b> (tokens per UTC day)",
            "ru": "<b>Расход ассистента в группе</b> (токены за сутки по UTC)",
        },
        "usage.day": {"en": "{day}: {total}{purposes}", "ru": "{day}: {total}{purposes}"},
        "usage.top": {"en": "<b>Top users, 7 days</b>", "ru": "<b>Больше всех, 7 дней</b>"},
        "usage.user": {"en": "{rank}. {name}: {tokens}", "ru": "{rank}. {name}: {tokens}"},
        "usage.none": {
            "en": "Nobody used the assistant here in the last 7 days.",
            "ru": "За последние 7 дней ассистентом здесь не пользовались.",
        },
        "usage.limits": {
            "en": "Limits: {member} per member, {group} per group a day; {cooldown} s between questions. Change: /budget",
            "ru": "Лимиты: {member} на участника, {group} на группу в сутки; {cooldown} с между вопросами. Изменить: /budget",
        },
        "budget.usage": {
            "en": "Usage: /budget member N, /budget group N, /budget cooldown SECONDS (0: no limit; "
            '"default": the bot\'s default).',
            "ru": "Использование: /budget member N, /budget group N, /budget cooldown СЕКУНДЫ (0 — без лимита; "
            '"default" — значение по умолчанию).',
        },
        "budget.saved": {"en": "Saved.", "ru": "Сохранено."},
        "unlimited": {"en": "unlimited", "ru": "без лимита"},
        # notes
        "note.saved": {"en": "Saved note #{name}.", "ru": "Заметка #{name} сохранена."},
        "note.save_usage": {
            "en": "Usage: /save name text, or reply to a message with /save name. Names: letters, digits, _ and -, up to 32.",
            "ru": "Использование: /save имя текст или ответом на сообщение /save имя. Имя: буквы, цифры, _ и -, до 32.",
        },
        "note.get_usage": {"en": "Usage: /get name (or #name)", "ru": "Использование: /get имя (или #имя)"},
        "note.clear_usage": {"en": "Usage: /clear name", "ru": "Использование: /clear имя"},
        "note.missing": {"en": "There is no note #{name}.", "ru": "Заметки #{name} нет."},
        "note.cleared": {"en": "Deleted note #{name}.", "ru": "Заметка #{name} удалена."},
        "note.full": {
            "en": "This group has too many notes; delete one with /clear first.",
            "ru": "В группе слишком много заметок; сначала удалите одну через /clear.",
        },
        "notes.list": {
            "en": "Notes in this group: {names}\nRead one: #name",
            "ru": "Заметки группы: {names}\nПрочитать: #имя",
        },
        "notes.none": {
            "en": "No notes yet. Admins save one with /save name text.",
            "ru": "Заметок пока нет. Администраторы сохраняют их командой /save имя текст.",
        },
        # /summary
        "summary.usage": {
            "en": "Usage: /summary, /summary 100 (messages), /summary 30m or /summary 2h.",
            "ru": "Использование: /summary, /summary 100 (сообщений), /summary 30m или /summary 2h.",
        },
        "summary.empty": {
            "en": "I have no messages of this chat to summarise in that window.",
            "ru": "За этот период у меня нет сообщений этого чата для пересказа.",
        },
        "summary.sent_private": {
            "en": "I sent you the summary in a private message.",
            "ru": "Я отправил вам пересказ в личные сообщения.",
        },
    }
)
