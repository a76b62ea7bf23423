"""Cases: what a sanction notice refers to, kept so its buttons carry only a short id.

A case is keyed by the group and the id of the message that was judged (known before any notice
is sent, and the same for the member's notice and the log chat's record). Its buttons carry an
action from a closed enum and two integers; everything else is read back from Redis, so nothing a
button says is trusted beyond naming the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import redis.asyncio as aioredis
import structlog
from aiogram import Bot
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from luka_bot.moderation.verdict import Category
from luka_bot.policy.ladder_settings import SanctionKind
from luka_bot.store.keys import APPEAL_TTL, Keys
from luka_bot.store.redis import fields_to_store, text_fields
from luka_bot.texts import render
from luka_bot.texts.commands import TEXTS
from luka_bot.texts.community import category_label, format_duration

log = structlog.get_logger(__name__)

TEXT_EXCERPT = 1000


class CaseAction(StrEnum):
    APPEAL = "appeal"
    NOT_SPAM = "not_spam"
    RESTORE = "restore"
    CONFIRM = "confirm"


class CaseStatus(StrEnum):
    OPEN = "open"
    APPEALED = "appealed"
    RESTORED = "restored"
    CONFIRMED = "confirmed"


class CaseCallback(CallbackData, prefix="case"):
    action: CaseAction
    chat_id: int
    message_id: int


@dataclass(frozen=True, slots=True)
class Case:
    chat_id: int
    message_id: int
    user_id: int
    name: str
    text: str
    category: Category
    sanction: SanctionKind | None
    duration_s: int | None
    removed: bool
    revision: int = 0
    chat_title: str = ""
    status: CaseStatus = CaseStatus.OPEN
    counted: bool = True  # a violation was recorded for it, so a restore takes it back
    violation_id: str = ""  # the id it was counted under, so a restore takes back exactly it
    by_admin: bool = False  # an admin's /spam, not an automatic action: the log card says so

    def fields(self) -> dict[str, str]:
        return {
            "chat_id": str(self.chat_id),
            "message_id": str(self.message_id),
            "revision": str(self.revision),
            "user_id": str(self.user_id),
            "name": self.name,
            "text": self.text[:TEXT_EXCERPT],
            "category": self.category.value,
            "sanction": self.sanction.value if self.sanction else "",
            "duration_s": "" if self.duration_s is None else str(self.duration_s),
            "removed": "1" if self.removed else "0",
            "chat_title": self.chat_title,
            "status": self.status.value,
            "counted": "1" if self.counted else "0",
            "violation_id": self.violation_id,
            "by_admin": "1" if self.by_admin else "0",
        }

    @classmethod
    def from_fields(cls, fields: dict[str, str]) -> Case:
        return cls(
            chat_id=int(fields["chat_id"]),
            message_id=int(fields["message_id"]),
            revision=int(fields.get("revision") or 0),
            user_id=int(fields["user_id"]),
            name=fields.get("name", ""),
            text=fields.get("text", ""),
            category=Category(fields.get("category") or "other"),
            sanction=SanctionKind(fields["sanction"]) if fields.get("sanction") else None,
            duration_s=int(fields["duration_s"]) if fields.get("duration_s") else None,
            removed=fields.get("removed") == "1",
            chat_title=fields.get("chat_title", ""),
            status=CaseStatus(fields.get("status") or "open"),
            counted=fields.get("counted", "1") == "1",
            violation_id=fields.get("violation_id", ""),
            by_admin=fields.get("by_admin") == "1",
        )

    def sanction_label(self, lang: str) -> str:
        if self.sanction is None:
            return render(TEXTS, "sanction.removed", lang)
        label = render(TEXTS, f"sanction.{self.sanction.value}", lang)
        if self.sanction is not SanctionKind.WARN:
            label += " " + (format_duration(self.duration_s, lang) if self.duration_s else "∞")
        return label


# Moves a case from an open state to a final one exactly once, whoever presses first.
_SETTLE = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return 0 end
for i = 2, #ARGV do
  if status == ARGV[i] then
    redis.call('HSET', KEYS[1], 'status', ARGV[1])
    return 1
  end
end
return 0
"""


class CaseStore:
    def __init__(self, redis: aioredis.Redis, keys: Keys) -> None:
        self._redis = redis
        self._keys = keys
        self._settle = redis.register_script(_SETTLE)

    async def open(self, case: Case) -> None:
        key = self._keys.notice(case.chat_id, case.message_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.hset(key, mapping=fields_to_store(case.fields()))
            pipe.expire(key, APPEAL_TTL)
            await pipe.execute()

    async def get(self, chat_id: int, message_id: int) -> Case | None:
        fields = text_fields(await self._redis.hgetall(self._keys.notice(chat_id, message_id)))
        if not fields:
            return None
        try:
            return Case.from_fields(fields)
        except (KeyError, ValueError):
            log.warning("cases.malformed", chat_id=chat_id, message_id=message_id)
            return None

    async def move(
        self, chat_id: int, message_id: int, to: CaseStatus, *, allowed_from: tuple[CaseStatus, ...]
    ) -> bool:
        """True when this call moved the case; False when it was already past `allowed_from`."""
        moved = await self._settle(
            keys=[self._keys.notice(chat_id, message_id)], args=[to.value, *(s.value for s in allowed_from)]
        )
        return bool(moved)

    async def logged(self, chat_id: int, message_id: int) -> bool:
        """Whether the case was posted to the log chat already (a retried post checks this)."""
        return bool(await self._redis.hexists(self._keys.notice(chat_id, message_id), "logged"))

    async def mark_logged(self, chat_id: int, message_id: int) -> None:
        """Written after the post went out: at-least-once, a crash in between posts it again."""
        await self._redis.hset(self._keys.notice(chat_id, message_id), "logged", "1")

    async def log_chat(self, chat_id: int) -> int | None:
        value = await self._redis.get(self._keys.log_chat(chat_id))
        try:
            return int(value) if value else None
        except ValueError:
            return None

    async def set_log_chat(self, chat_id: int, target: int | None) -> None:
        if target is None:
            await self._redis.delete(self._keys.log_chat(chat_id))
        else:
            await self._redis.set(self._keys.log_chat(chat_id), str(target))


def _button(action: CaseAction, case: Case, key: str, lang: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=render(TEXTS, key, lang),
        callback_data=CaseCallback(action=action, chat_id=case.chat_id, message_id=case.message_id).pack(),
    )


def notice_keyboard(case: Case, lang: str, *, public: bool) -> InlineKeyboardMarkup:
    """The member's Appeal; on a public notice also the admins' Not spam."""
    row = [_button(CaseAction.APPEAL, case, "btn.appeal", lang)]
    if public and case.category is Category.SPAM:
        row.append(_button(CaseAction.NOT_SPAM, case, "btn.not_spam", lang))
    return InlineKeyboardMarkup(inline_keyboard=[row])


def log_keyboard(case: Case, lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(CaseAction.RESTORE, case, "btn.restore", lang),
                _button(CaseAction.CONFIRM, case, "btn.confirm", lang),
            ]
        ]
    )


def log_text(case: Case, lang: str, *, appeal: bool, in_group: bool = False) -> str:
    # Posted in the group itself, the removed text would put the spam (and its links) back in
    # front of everyone, for good: there it is named, not shown.
    text = render(TEXTS, "log.text_hidden", lang) if in_group else (case.text[:TEXT_EXCERPT] or "—")
    key = "log.appeal" if appeal else "log.admin_action" if case.by_admin else "log.action"
    return render(
        TEXTS,
        key,
        lang,
        chat=case.chat_title or case.chat_id,
        member=case.name,
        user_id=case.user_id,
        reason=category_label(case.category, lang),
        sanction=case.sanction_label(lang),
        text=text,
    )


async def post_to_log(
    bot: Bot, store: CaseStore, case: Case, lang: str, *, appeal: bool, fallback_to_group: bool
) -> int | None:
    """Posts the case with Restore / Confirm to the group's log chat; the message id or None.

    Without a log chat, an appeal still has to reach the admins, so it goes to the group itself
    (`fallback_to_group`); automatic actions are then only in the audit trail.
    """
    target = await store.log_chat(case.chat_id)
    if target is None:
        if not fallback_to_group:
            return None
        target = case.chat_id
    sent = await bot.send_message(
        target,
        log_text(case, lang, appeal=appeal, in_group=target == case.chat_id),
        parse_mode="HTML",
        reply_markup=log_keyboard(case, lang),
    )
    return sent.message_id
