"""Texts of the admin console (web pages) and of the /console command, in English and Russian.

The pages render these through Jinja2 with autoescape on, so they are plain text, never HTML;
the /console replies go through `render` like every other chat text.
"""

from __future__ import annotations

from luka_bot.texts import Catalog

TEXTS: Catalog = {
    # --- chat side (/console) ------------------------------------------------------------
    "cmd.private_only": {
        "en": "Write /console to me in a private chat: the sign-in link is personal.",
        "ru": "Напишите /console мне в личные сообщения: ссылка для входа личная.",
    },
    "cmd.no_groups": {
        "en": "You are not an admin of any group I am in, so there is nothing to administer.",
        "ru": "Вы не админ ни одной группы, где я есть, так что управлять нечем.",
    },
    "cmd.link": {
        "en": "Your sign-in link to the admin console ({groups}). It works once and for {minutes} minutes:\n{url}",
        "ru": "Ваша ссылка для входа в консоль ({groups}). Она действует один раз и {minutes} минут:\n{url}",
    },
    "cmd.off": {
        "en": "The admin console is not available on this bot.",
        "ru": "Консоль администратора на этом боте недоступна.",
    },
    # --- pages ---------------------------------------------------------------------------
    "title": {"en": "Admin console", "ru": "Консоль администратора"},
    "groups": {"en": "Your groups", "ru": "Ваши группы"},
    "no_groups": {"en": "No groups.", "ru": "Групп нет."},
    "operator": {"en": "operator (all groups)", "ru": "оператор (все группы)"},
    "signed_in_as": {"en": "Signed in as", "ru": "Вход выполнен:"},
    "sign_out": {"en": "Sign out", "ru": "Выйти"},
    "tab.settings": {"en": "Settings", "ru": "Настройки"},
    "tab.audit": {"en": "Audit trail", "ru": "Журнал"},
    "tab.cases": {"en": "Cases", "ru": "Случаи"},
    "tab.samples": {"en": "Learned samples", "ru": "Выученные примеры"},
    "tab.playground": {"en": "Policy playground", "ru": "Песочница правил"},
    "tab.backtest": {"en": "Backtest", "ru": "Проверка на истории"},
    "save": {"en": "Save", "ru": "Сохранить"},
    "saved": {"en": "Saved.", "ru": "Сохранено."},
    "refused": {"en": "Not saved: {reason}", "ru": "Не сохранено: {reason}"},
    "set.moderation_enabled": {"en": "Moderation", "ru": "Модерация"},
    "set.dry_run": {"en": "Dry run (decide, act on nothing)", "ru": "Пробный режим (решать, но не действовать)"},
    "set.moderate_admins": {"en": "Moderate admins too", "ru": "Модерировать и админов"},
    "set.assistant_enabled": {"en": "Assistant", "ru": "Ассистент"},
    "set.announce_achievements": {"en": "Announce achievements", "ru": "Объявлять достижения"},
    "set.llm_judge": {"en": "LLM judge", "ru": "LLM-судья"},
    "set.language": {"en": "Group language", "ru": "Язык группы"},
    "set.llm_daily_budget": {"en": "LLM calls per day", "ru": "Вызовов LLM в день"},
    "set.rules_text": {"en": "Group rules", "ru": "Правила группы"},
    "set.locks": {
        "en": "Locks (admins and approved members are exempt)",
        "ru": "Запреты (администраторы и одобренные участники не ограничены)",
    },
    "lock.off": {"en": "allowed", "ru": "разрешено"},
    "lock.all": {"en": "locked for everyone", "ru": "запрещено всем"},
    "lock.newcomers": {"en": "locked for newcomers", "ru": "запрещено новичкам"},
    "policy": {"en": "Rule-check policy", "ru": "Политика проверок"},
    "policy.path": {"en": "setting", "ru": "параметр"},
    "policy.value": {"en": "value", "ru": "значение"},
    "policy.op": {"en": "operation", "ru": "действие"},
    "policy.apply": {"en": "Apply", "ru": "Применить"},
    "filter": {"en": "Filter", "ru": "Фильтр"},
    "col.when": {"en": "when", "ru": "когда"},
    "col.member": {"en": "member", "ru": "участник"},
    "col.message": {"en": "message", "ru": "сообщение"},
    "col.tier": {"en": "tier", "ru": "уровень"},
    "col.action": {"en": "action", "ru": "действие"},
    "col.category": {"en": "category", "ru": "категория"},
    "col.reason": {"en": "reason", "ru": "причина"},
    "col.done": {"en": "done", "ru": "сделано"},
    "col.status": {"en": "status", "ru": "статус"},
    "col.label": {"en": "label", "ru": "метка"},
    "col.user": {"en": "user id", "ru": "id участника"},
    "any": {"en": "any", "ru": "любое"},
    "nothing": {"en": "Nothing here yet.", "ru": "Здесь пока пусто."},
    "restore": {"en": "Restore", "ru": "Восстановить"},
    "confirm": {"en": "Confirm", "ru": "Подтвердить"},
    "case.restored": {
        "en": "Restored: the sanction is lifted and the message reposted.",
        "ru": "Восстановлено: санкция снята, сообщение опубликовано снова.",
    },
    "case.confirmed": {"en": "Confirmed.", "ru": "Подтверждено."},
    "case.already": {"en": "This case was already decided.", "ru": "Этот случай уже решён."},
    "pg.text": {"en": "Message", "ru": "Сообщение"},
    "pg.newcomer": {"en": "from a newcomer (first message)", "ru": "от новичка (первое сообщение)"},
    "pg.check": {"en": "Check", "ru": "Проверить"},
    "pg.band": {"en": "Band", "ru": "Зона"},
    "pg.verdict": {"en": "Verdict", "ru": "Решение"},
    "pg.rules": {"en": "Rules tier", "ru": "Уровень правил"},
    "pg.classifier": {"en": "Classifier tier", "ru": "Уровень классификатора"},
    "pg.llm": {"en": "LLM judge tier", "ru": "Уровень LLM-судьи"},
    "pg.p_spam": {"en": "probability of spam", "ru": "вероятность спама"},
    "pg.no_hits": {"en": "no rule matched", "ru": "ни одно правило не сработало"},
    "pg.certain": {"en": "certain", "ru": "точно"},
    "pg.signal": {"en": "a signal", "ru": "сигнал"},
    "pg.llm_would": {"en": "would be asked (mode: {mode})", "ru": "будет спрошен (режим: {mode})"},
    "pg.llm_not": {"en": "not asked (mode: {mode})", "ru": "не спрашивается (режим: {mode})"},
    "bt.intro": {
        "en": "Replay the group's last recorded messages under a changed policy and see what would change.",
        "ru": "Прогоните последние сообщения группы через изменённую политику и посмотрите, что изменится.",
    },
    "bt.count": {"en": "messages", "ru": "сообщений"},
    "bt.run": {"en": "Run backtest", "ru": "Запустить проверку"},
    # {total} arrives counted ("3 messages", "3 сообщения"), so the plural agrees in both languages.
    "bt.result": {
        "en": "Checked {total}: {changed} would be decided differently.",
        "ru": "Проверено: {total}. Решение изменится: {changed}.",
    },
    "bt.now": {"en": "now", "ru": "сейчас"},
    "bt.then": {"en": "with the change", "ru": "с изменением"},
    "bt.save": {"en": "Save this change", "ru": "Сохранить это изменение"},
    "err.forbidden": {"en": "You are not an admin of this group.", "ru": "Вы не админ этой группы."},
    "err.csrf": {
        "en": "The form has expired; reload the page and try again.",
        "ru": "Форма устарела; обновите страницу и попробуйте снова.",
    },
    "err.link": {
        "en": "This sign-in link has expired or was already used. Write /console to the bot for a new one.",
        "ru": "Ссылка для входа устарела или уже использована. Напишите боту /console, чтобы получить новую.",
    },
    "err.signin": {
        "en": "Sign in with the link the bot sends for /console.",
        "ru": "Войдите по ссылке, которую бот присылает на /console.",
    },
}
