"""Texts of the newcomer gate: captcha, raid mode, join requests, approvals, linked groups.

Names, questions and answers arrive as values, so `render` escapes them.
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # --- captcha ---------------------------------------------------------------------------------
    "captcha.prompt": {
        "en": "👋 Welcome, {names}!\nTo write here, press the button with <b>{subject}</b> within {seconds} s. "
        "A wrong button removes you from the group.",
        "ru": "👋 Добро пожаловать, {names}!\nЧтобы писать здесь, нажмите кнопку <b>{subject}</b> в течение {seconds} с. "
        "Неверная кнопка удалит вас из группы.",
    },
    "captcha.prompt.math": {
        "en": "👋 Welcome, {names}!\nTo write here, press the button with the answer to <b>{subject}</b> within "
        "{seconds} s. A wrong button removes you from the group.",
        "ru": "👋 Добро пожаловать, {names}!\nЧтобы писать здесь, нажмите кнопку с ответом на <b>{subject}</b> в течение "
        "{seconds} с. Неверная кнопка удалит вас из группы.",
    },
    "captcha.passed": {"en": "✅ Welcome! You can write now.", "ru": "✅ Добро пожаловать! Теперь можно писать."},
    "captcha.wrong": {
        "en": "❌ Wrong button: you were removed from the group. You may join again later.",
        "ru": "❌ Неверная кнопка: вы удалены из группы. Можно вступить снова позже.",
    },
    "captcha.not_yours": {
        "en": "This challenge is for new members only.",
        "ru": "Эта проверка только для новых участников.",
    },
    "captcha.stale": {
        "en": "This challenge has been replaced; use the newest one.",
        "ru": "Эта проверка устарела; используйте самую новую.",
    },
    "captcha.timed_out": {
        "en": "⏱ Removed (no answer to the welcome challenge in time): {names}. They may join again.",
        "ru": "⏱ Удалены (не ответили на проверку вовремя): {names}. Они могут вступить снова.",
    },
    # --- raid mode -------------------------------------------------------------------------------
    "raid.started": {
        "en": "🚨 <b>Raid mode is on</b> in {chat}: {joins} joins within {window} s. New members are {action} "
        "until {until} UTC; links and media from newcomers are blocked.",
        "ru": "🚨 <b>Режим рейда включён</b> в {chat}: {joins} вступлений за {window} с. Новые участники {action} "
        "до {until} UTC; ссылки и медиа от новичков блокируются.",
    },
    "raid.action.kick": {"en": "removed at once", "ru": "удаляются сразу"},
    "raid.action.captcha": {"en": "held until they solve a challenge", "ru": "ограничены до прохождения проверки"},
    "raid.manual": {
        "en": "🚨 <b>Raid mode is on</b> in {chat} until {until} UTC (turned on by an admin).",
        "ru": "🚨 <b>Режим рейда включён</b> в {chat} до {until} UTC (включил администратор).",
    },
    "raid.end_button": {"en": "End raid mode", "ru": "Выключить режим рейда"},
    "raid.ended": {"en": "✅ Raid mode is off in {chat}.", "ru": "✅ Режим рейда выключен в {chat}."},
    "raid.not_on": {"en": "Raid mode is not on.", "ru": "Режим рейда не включён."},
    "raid.status_on": {
        "en": "🚨 Raid mode is on until {until} UTC. /antiraid off ends it.",
        "ru": "🚨 Режим рейда включён до {until} UTC. /antiraid off выключает его.",
    },
    "raid.status_off": {
        "en": "Raid mode is off. It turns on by itself at {joins} joins within {window} s{guard}. "
        "/antiraid on | off | 30m | threshold 10 60",
        "ru": "Режим рейда выключен. Он включается сам при {joins} вступлениях за {window} с{guard}. "
        "/antiraid on | off | 30m | threshold 10 60",
    },
    "raid.guard_off": {"en": " (the automatic guard is off)", "ru": " (автоматическая защита выключена)"},
    "raid.usage": {
        "en": "Use /antiraid on, /antiraid off, /antiraid 30m (a duration), or /antiraid threshold 10 60 "
        "(joins, seconds: 2–10000 joins within 1–3600 s).",
        "ru": "Используйте /antiraid on, /antiraid off, /antiraid 30m (длительность) или /antiraid threshold 10 60 "
        "(вступлений, секунд: 2–10000 вступлений за 1–3600 с).",
    },
    # --- approved members ------------------------------------------------------------------------
    "approve.done": {
        "en": "✅ {member} is approved: automated moderation, captcha and locks no longer apply to them.",
        "ru": "✅ {member} одобрен(а): автоматическая модерация, проверка и ограничения к нему (ней) не применяются.",
    },
    "approve.already": {"en": "{member} is already approved.", "ru": "{member} уже одобрен(а)."},
    "unapprove.done": {
        "en": "{member} is no longer approved: automated moderation applies again.",
        "ru": "{member} больше не одобрен(а): автоматическая модерация снова действует.",
    },
    "unapprove.not": {"en": "{member} was not approved.", "ru": "{member} не был(а) одобрен(а)."},
    "approved.list": {"en": "✅ Approved members:\n{rows}", "ru": "✅ Одобренные участники:\n{rows}"},
    "approved.none": {"en": "No approved members yet.", "ru": "Одобренных участников пока нет."},
    "approve.usage": {
        "en": "Reply to the member's message with /{command}, or give their numeric id: /{command} 12345.",
        "ru": "Отправьте /{command} ответом на сообщение участника или укажите его числовой id: /{command} 12345.",
    },
    "not_admin": {
        "en": "Only the group's admins can use /{command}.",
        "ru": "Команда /{command} доступна только администраторам группы.",
    },
    "groups_only": {"en": "This command works in a group.", "ru": "Эта команда работает в группе."},
    # --- settings --------------------------------------------------------------------------------
    "settings.title": {
        "en": "🚪 <b>Newcomer gate</b>\nPress a button to change it.",
        "ru": "🚪 <b>Вход для новичков</b>\nНажмите кнопку, чтобы изменить.",
    },
    "btn.gate": {"en": "🚪 Newcomer gate", "ru": "🚪 Вход для новичков"},
    "btn.captcha": {"en": "{icon} Captcha for newcomers", "ru": "{icon} Проверка новичков"},
    "btn.captcha_kind": {"en": "🧩 Challenge: {kind}", "ru": "🧩 Проверка: {kind}"},
    "btn.captcha_timeout": {"en": "⏱ Time to solve: {seconds} s", "ru": "⏱ Время на ответ: {seconds} с"},
    "btn.raid_guard": {
        "en": "{icon} Raid guard ({joins} joins / {window} s)",
        "ru": "{icon} Защита от рейдов ({joins} / {window} с)",
    },
    "btn.raid_action": {"en": "🚨 During a raid: {action}", "ru": "🚨 Во время рейда: {action}"},
    "btn.join_requests": {"en": "📨 Join requests: {mode}", "ru": "📨 Заявки на вступление: {mode}"},
    "btn.cas": {"en": "{icon} Shared ban list (CAS)", "ru": "{icon} Общий бан-лист (CAS)"},
    "btn.back": {"en": "⬅️ Back", "ru": "⬅️ Назад"},
    "kind.buttons": {"en": "find the picture", "ru": "найти картинку"},
    "kind.math": {"en": "arithmetic", "ru": "арифметика"},
    "raid_action.kick": {"en": "remove joins", "ru": "удалять вступивших"},
    "raid_action.captcha": {"en": "hold for captcha", "ru": "держать до проверки"},
    "jr.off": {"en": "left to admins", "ru": "решают админы"},
    "jr.screen": {"en": "screened", "ru": "проверяются"},
    "jr.ask": {"en": "question first", "ru": "сначала вопрос"},
    "saved": {"en": "Saved.", "ru": "Сохранено."},
    # --- join requests ---------------------------------------------------------------------------
    "jr.question": {
        "en": "👋 You asked to join {chat}. Before the admins let you in, please answer in this chat:\n\n{question}",
        "ru": "👋 Вы подали заявку в {chat}. Прежде чем вас примут, ответьте, пожалуйста, в этом чате:\n\n{question}",
    },
    "jr.default_question": {
        "en": "In a few words: why do you want to join this group?",
        "ru": "В нескольких словах: зачем вы хотите вступить в эту группу?",
    },
    "jr.approved": {"en": "✅ Welcome to {chat}!", "ru": "✅ Добро пожаловать в {chat}!"},
    "jr.declined": {
        "en": "Your request to join {chat} was declined ({reason}). If this is a mistake, ask the group's admins.",
        "ru": "Ваша заявка в {chat} отклонена ({reason}). Если это ошибка, напишите администраторам группы.",
    },
    "appeal.button": {"en": "Appeal", "ru": "Обжаловать"},
    "appeal.sent": {
        "en": "Your appeal was sent to the admins of {chat}.",
        "ru": "Ваша жалоба отправлена администраторам {chat}.",
    },
    "appeal.expired": {"en": "There is nothing to appeal any more.", "ru": "Обжаловать больше нечего."},
    "appeal.to_admins": {
        "en": "📨 <b>Appeal</b>: {name} (id {user_id}) was declined entry to {chat} ({reasons}) and asks to be let in.",
        "ru": "📨 <b>Жалоба</b>: {name} (id {user_id}) получил(а) отказ во вступлении в {chat} ({reasons}) и просит впустить.",
    },
    "appeal.let_in": {"en": "Let them in", "ru": "Впустить"},
    "appeal.accepted": {
        "en": "✅ The admins of {chat} accepted your appeal: send your join request again and you will be let in.",
        "ru": "✅ Администраторы {chat} приняли жалобу: подайте заявку снова, и вас примут.",
    },
    "appeal.done": {"en": "✅ {name} is approved and may join.", "ru": "✅ {name} одобрен(а) и может вступить."},
    "jr.wrong_answer": {
        "en": "That is not the answer the admins expect. Your request to join {chat} was declined.",
        "ru": "Это не тот ответ, который ждут администраторы. Заявка в {chat} отклонена.",
    },
    "question.saved": {
        "en": "❓ Question saved ({lang}), {n} accepted answer(s).",
        "ru": "❓ Вопрос сохранён ({lang}), принятых ответов: {n}.",
    },
    "question.cleared": {"en": "❓ Question removed.", "ru": "❓ Вопрос удалён."},
    "question.usage": {
        "en": "Use /setquestion en|ru Question? | answer one | answer two — or /setquestion off.",
        "ru": "Используйте /setquestion en|ru Вопрос? | ответ один | ответ два — или /setquestion off.",
    },
    # --- linked groups ---------------------------------------------------------------------------
    "link.offer": {
        "en": "🔗 To link this group with {chat}, an admin of that group sends there: <code>/linkgroup confirm {code}</code>",
        "ru": "🔗 Чтобы связать эту группу с {chat}, администратор той группы отправляет там: <code>/linkgroup confirm {code}</code>",
    },
    "link.done": {
        "en": "🔗 Linked with {chat}: bans for spam or scam in one group now apply in both.",
        "ru": "🔗 Связано с {chat}: баны за спам или мошенничество в одной группе действуют в обеих.",
    },
    "link.bad_code": {
        "en": "That code is unknown or expired, or it was made for another group.",
        "ru": "Код неизвестен, устарел или выдан для другой группы.",
    },
    "link.removed": {"en": "🔗 Unlinked from {chat}.", "ru": "🔗 Связь с {chat} удалена."},
    "link.list": {"en": "🔗 Linked groups:\n{rows}", "ru": "🔗 Связанные группы:\n{rows}"},
    "link.none": {"en": "No linked groups.", "ru": "Связанных групп нет."},
    "link.usage": {
        "en": "Use /linkgroup CHAT_ID (then confirm in the other group), /linkgroup remove CHAT_ID, or /linkgroup to list.",
        "ru": "Используйте /linkgroup ID_ЧАТА (затем подтвердите в другой группе), /linkgroup remove ID_ЧАТА или /linkgroup для списка.",
    },
    "link.self": {"en": "A group cannot be linked with itself.", "ru": "Группу нельзя связать саму с собой."},
    # --- reasons (audit and declines) ------------------------------------------------------------
    "reason.cas": {"en": "listed in a shared spam ban list", "ru": "в общем списке спамеров"},
    "reason.linked": {"en": "banned for spam in a linked group", "ru": "забанен(а) за спам в связанной группе"},
    "reason.bio_link": {"en": "links in the profile", "ru": "ссылки в профиле"},
    "reason.spam_words": {"en": "spam words in the profile", "ru": "спам-слова в профиле"},
    "reason.imitates_admin": {"en": "a name imitating an admin", "ru": "имя, подражающее администратору"},
}
