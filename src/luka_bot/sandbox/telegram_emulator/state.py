"""The emulated Telegram's shared state: chats, members, messages, the update queue, the clock.

Everything lives in memory and belongs to one `TelegramEmulator` (emulator.py). Bot API methods
(bot_methods.py) and the people's actions (people.py) build on `EmulatorState`; the HTTP layers
(`bot_api.py`, `control.py`) only parse requests and shape answers. Bot API refusals raise `BotApiError` with Telegram's own error texts; control
refusals raise `ControlError` with a plain explanation for the person driving the emulator.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import structlog

log = structlog.get_logger(__name__)

MAX_TEXT_UTF16 = 4096
MAX_CAPTION_UTF16 = 1024
DELETE_WINDOW_S = 48 * 3600
DEFAULT_BOT_ID = 1000000001
# Telegram treats restrictions shorter than 30 s or longer than 366 days as forever.
FOREVER_BELOW_S = 30
FOREVER_ABOVE_S = 366 * 86400
# chat_member, message_reaction and message_reaction_count arrive only when a bot asks for them.
DEFAULT_UPDATE_TYPES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "chat_boost",
        "removed_chat_boost",
        "purchased_paid_media",
    }
)

PERMISSION_NAMES = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",
    "can_edit_tag",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)
ADMIN_RIGHTS = {
    "can_manage_chat": True,
    "can_delete_messages": True,
    "can_manage_video_chats": True,
    "can_restrict_members": True,
    "can_promote_members": False,
    "can_change_info": True,
    "can_invite_users": True,
    "can_post_stories": False,
    "can_edit_stories": False,
    "can_delete_stories": False,
    "can_send_welcome_messages": False,
    "can_pin_messages": True,
    "can_manage_topics": False,
}
GROUP_OWNER_ID = 1
GROUP_OWNER: dict[str, Any] = {
    "id": GROUP_OWNER_ID,
    "is_bot": False,
    "first_name": "Group owner",
    "username": "group_owner",
}
MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
CHANNEL_BOT: dict[str, Any] = {"id": 136817688, "is_bot": True, "first_name": "Channel", "username": "Channel_Bot"}

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
MIGRATED = "Bad Request: group chat was upgraded to a supergroup chat"
CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)


class BotApiError(Exception):
    """A Bot API refusal: what Telegram would answer with ok=false."""

    def __init__(
        self, error_code: int, description: str, retry_after: int | None = None, migrate_to_chat_id: int | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id


class ControlError(Exception):
    """A control API call that cannot be done; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad_request(text: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {text}")


@dataclass
class Member:
    user_id: int
    status: str
    until_date: float = 0.0  # 0 = forever, for restricted and kicked
    permissions: dict[str, bool] | None = None
    rights: dict[str, bool] | None = None

    def snapshot(self) -> Member:
        return copy.deepcopy(self)


@dataclass
class StoredMessage:
    chat_id: int
    message_id: int
    from_user: dict[str, Any] | None
    date: float
    text: str | None = None
    entities: list[dict] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[dict] = field(default_factory=list)
    media_kind: str | None = None
    media: Any = None
    reply_to_message_id: int | None = None
    reply_markup: dict | None = None
    edited_at: float | None = None
    deleted_at: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_from_bot_account(self) -> bool:
        return bool(self.from_user and self.from_user.get("is_bot"))


@dataclass
class Chat:
    id: int
    type: str  # "supergroup" or "private"
    title: str | None = None
    members: dict[int, Member] = field(default_factory=dict)
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    bot_member: Member | None = None
    creator_id: int | None = None
    next_message_id: int = 1
    banned_sender_chats: set[int] = field(default_factory=set)  # channels barred from posting as themselves
    migrated_to: int | None = None  # the supergroup this group became; calls naming it are refused

    @property
    def is_group(self) -> bool:
        return self.type != "private"


class EmulatorState:
    """What every part of the emulator shares: clock, users, chats, members, the update queue.

    `TelegramEmulator` (emulator.py) adds the Bot API methods (bot_methods.py) and the actions of
    the people in the chats (people.py) on top of it.
    """

    def __init__(self, bot_username: str = "luka_test_bot", bot_first_name: str = "Luka") -> None:
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.bot_id = DEFAULT_BOT_ID
        # getMe's privacy-mode flag (BotFather's /setprivacy); reported only, delivery is unchanged.
        self.can_read_all_group_messages = True
        # Files users posted with content (media "content_base64"): file_id -> unique id and bytes,
        # served by getFile and /file/bot<token>/files/<file_id>.
        self.files: dict[str, dict[str, Any]] = {}
        self._update_event = asyncio.Event()
        self._poll_generation = 0
        # Update ids only grow, across resets too: a polling bot's offset must never skip new ones.
        self._update_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        # The bot's own setting (it sends it with getUpdates); a reset of the world keeps it.
        self.allowed_updates: frozenset[str] = DEFAULT_UPDATE_TYPES
        # setWebhook: {"url", "secret_token", "last_error_date", "last_error_message"}; while set,
        # updates are POSTed there and getUpdates answers 409, as in Telegram. Kept across resets.
        self.webhook: dict[str, Any] | None = None
        self.webhook_deliveries: list[dict[str, Any]] = []  # [{"update_id", "status"}], newest last
        self._webhook_task: asyncio.Task[None] | None = None
        self._clear()

    def _clear(self) -> None:
        self.clock_offset = 0.0
        self.users: dict[int, dict[str, Any]] = {}
        self.started_users: set[int] = set()
        self.chats: dict[int, Chat] = {}
        self.updates: list[dict[str, Any]] = []
        self.calls: list[dict[str, Any]] = []
        self.faults: dict[str, deque[dict[str, Any]]] = {}
        self.callbacks: dict[str, dict[str, Any]] = {}
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.chat_actions: dict[int, dict[str, Any]] = {}  # chat id -> the bot's last sendChatAction
        self.group_messages_per_minute = 0
        self._group_sends: dict[int, deque[float]] = {}

    def reset(self) -> None:
        """Forgets chats, users, pending updates, calls, faults, limits and the clock offset."""
        self._clear()
        self._notify()

    def now(self) -> float:
        return time.time() + self.clock_offset

    def advance_clock(self, seconds: float) -> float:
        if seconds < 0:
            raise ControlError(400, "advance must be >= 0: the emulator clock never goes back")
        self.clock_offset += seconds
        return self.now()

    def bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": self.bot_first_name, "username": self.bot_username}

    def remember_user(self, raw: object) -> dict[str, Any]:
        """Stores (or refreshes) a human user given as {"id", "first_name", "username"?}."""
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), int) or raw["id"] <= 0:
            raise ControlError(400, '"from" must be an object with a positive integer "id"')
        known = self.users.get(raw["id"], {})
        first_name = raw.get("first_name") or known.get("first_name") or f"User {raw['id']}"
        user: dict[str, Any] = {
            "id": raw["id"],
            "is_bot": bool(raw.get("is_bot", False)),
            "first_name": str(first_name),
        }
        for optional in ("last_name", "username", "language_code"):
            value = raw.get(optional, known.get(optional))
            if value:
                user[optional] = str(value)
        self.users[user["id"]] = user
        return user

    def _user_for(self, user_id: int) -> dict[str, Any]:
        if user_id == self.bot_id:
            return self.bot_user()
        return self.users.get(user_id) or {"id": user_id, "is_bot": False, "first_name": f"User {user_id}"}

    def chat_api(self, chat: Chat) -> dict[str, Any]:
        if chat.is_group:
            return {"id": chat.id, "type": chat.type, "title": chat.title}
        user = self._user_for(chat.id)
        result = {"id": chat.id, "type": "private", "first_name": user["first_name"]}
        if user.get("username"):
            result["username"] = user["username"]
        return result

    def _group(self, chat_id: int, title: str | None, first_poster: int) -> Chat:
        chat = self.chats.get(chat_id)
        if chat is not None and chat.migrated_to is not None:
            raise ControlError(400, f"chat {chat_id} was upgraded to the supergroup {chat.migrated_to}: post there")
        if chat is None:
            chat = Chat(id=chat_id, type="supergroup", title=title or f"Group {chat_id}")
            chat.bot_member = Member(self.bot_id, "administrator", rights=dict(ADMIN_RIGHTS))
            # The group belongs to an owner who never posts; whoever posts first is a plain member,
            # so moderation applies to every poster until the control API makes someone an admin.
            self.users.setdefault(GROUP_OWNER_ID, dict(GROUP_OWNER))
            chat.creator_id = GROUP_OWNER_ID
            chat.members[GROUP_OWNER_ID] = Member(GROUP_OWNER_ID, "creator")
            self.chats[chat_id] = chat
            log.info("emulator.group_created", chat_id=chat_id, creator_id=GROUP_OWNER_ID, first_poster=first_poster)
        elif title:
            chat.title = title
        return chat

    def _private(self, user_id: int) -> Chat:
        chat = self.chats.get(user_id)
        if chat is None:
            chat = Chat(id=user_id, type="private")
            self.chats[user_id] = chat
        return chat

    def member(self, chat: Chat, user_id: int) -> Member | None:
        """The member as of the emulator clock: lapsed restrictions and bans are lifted on read."""
        if user_id == self.bot_id:
            if chat.bot_member is not None:
                chat.bot_member.user_id = self.bot_id  # the group may predate the bot's first call
            return chat.bot_member
        member = chat.members.get(user_id)
        if member is None:
            return None
        if member.status in ("restricted", "kicked") and member.until_date and member.until_date <= self.now():
            # A lapsed ban leaves the user outside the chat (free to join); a lapsed mute is a member.
            member.status = "member" if member.status == "restricted" else "left"
            member.until_date = 0.0
            member.permissions = None
        return member

    def member_api(self, chat: Chat, user_id: int) -> dict[str, Any]:
        member = self.member(chat, user_id) or Member(user_id, "left")
        return self._member_to_api(member)

    def _member_to_api(self, member: Member) -> dict[str, Any]:
        result: dict[str, Any] = {"status": member.status, "user": self._user_for(member.user_id)}
        if member.status == "creator":
            result["is_anonymous"] = False
        elif member.status == "administrator":
            result.update(can_be_edited=False, is_anonymous=False, **(member.rights or ADMIN_RIGHTS))
        elif member.status == "restricted":
            permissions = member.permissions or {}
            result["is_member"] = True
            result.update({name: bool(permissions.get(name, False)) for name in PERMISSION_NAMES})
            result["until_date"] = int(member.until_date)
        elif member.status == "kicked":
            result["until_date"] = int(member.until_date)
        return result

    def _chat_for_bot(self, chat_id: Any, *, sending: bool = False) -> Chat:
        """The chat a Bot API call names, with Telegram's refusals for chats the bot cannot use."""
        if not isinstance(chat_id, int):
            raise bad_request("chat not found")
        chat = self.chats.get(chat_id)
        if chat_id > 0:
            if chat_id not in self.users:
                raise bad_request("chat not found")
            if chat_id not in self.started_users and sending:
                raise BotApiError(403, "Forbidden: bot can't initiate conversation with a user")
            return chat or Chat(id=chat_id, type="private")  # not stored: nothing was said yet
        if chat is None:
            raise bad_request("chat not found")
        if chat.migrated_to is not None:
            raise BotApiError(400, MIGRATED, migrate_to_chat_id=chat.migrated_to)
        bot = chat.bot_member
        if bot is not None and bot.status == "kicked":
            raise BotApiError(403, "Forbidden: bot was kicked from the supergroup chat")
        if bot is not None and bot.status == "left":
            raise BotApiError(403, "Forbidden: bot is not a member of the supergroup chat")
        return chat

    def _bot_can(self, chat: Chat, right: str) -> bool:
        bot = chat.bot_member
        return bot is not None and bot.status == "administrator" and bool((bot.rights or {}).get(right))

    def _notify(self) -> None:
        # Waiters hold the old event; setting it wakes them all, the fresh one serves the next wait.
        self._update_event.set()
        self._update_event = asyncio.Event()

    def queue_update(self, kind: str, payload: dict[str, Any]) -> int | None:
        """Queues an update for the bot; kinds it did not ask for are never stored, as in Telegram."""
        if kind not in self.allowed_updates:
            return None
        update_id = next(self._update_ids)
        self.updates.append({"update_id": update_id, kind: payload})
        self._notify()
        return update_id

    def queue_raw_update(self, update: Any) -> int:
        """Queues JSON as it is, for updates the bot may fail to parse; an update_id is added when
        missing. Its kind is not checked against allowed_updates unless it is a known kind."""
        if not isinstance(update, dict):
            raise ControlError(400, '"update" must be a JSON object')
        update = copy.deepcopy(update)
        given = update.get("update_id")
        if given is None:
            update = {"update_id": next(self._update_ids), **update}
        elif not isinstance(given, int) or isinstance(given, bool):
            raise ControlError(400, '"update_id" must be an integer when given')
        else:
            # Later ids must stay above it, or a polling bot's offset would skip them.
            ahead = given - self._peek_update_id() + 1
            for _ in range(max(0, ahead)):
                next(self._update_ids)
        self.updates.append(update)
        self._notify()
        return update["update_id"]

    def _peek_update_id(self) -> int:
        value = next(self._update_ids)
        self._update_ids = itertools.count(value)
        return value

    def _bot_receives(self, chat: Chat) -> bool:
        return chat.bot_member is None or chat.bot_member.status not in ("left", "kicked")

    def _store(self, chat: Chat, message: StoredMessage) -> StoredMessage:
        message.message_id = chat.next_message_id
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        return message

    def message_api(self, chat: Chat, message: StoredMessage, *, with_reply: bool = True) -> dict[str, Any]:
        result: dict[str, Any] = {"message_id": message.message_id}
        if message.from_user is not None:
            result["from"] = dict(message.from_user)
        result["date"] = int(message.date)
        result["chat"] = self.chat_api(chat)
        for key in (
            "sender_chat",
            "forward_origin",
            "via_bot",
            "external_reply",
            "contact",
            "new_chat_members",
            "migrate_to_chat_id",
            "migrate_from_chat_id",
        ):
            if key in message.extra:
                result[key] = copy.deepcopy(message.extra[key])
        if with_reply and message.reply_to_message_id:
            target = chat.messages.get(message.reply_to_message_id)
            if target is not None and target.deleted_at is None:
                result["reply_to_message"] = self.message_api(chat, target, with_reply=False)
        if message.edited_at is not None:
            result["edit_date"] = int(message.edited_at)
        if message.text is not None:
            result["text"] = message.text
            if message.entities:
                result["entities"] = copy.deepcopy(message.entities)
        if message.media_kind:
            result[message.media_kind] = copy.deepcopy(message.media)
        if message.caption is not None:
            result["caption"] = message.caption
            if message.caption_entities:
                result["caption_entities"] = copy.deepcopy(message.caption_entities)
        if message.reply_markup is not None:
            result["reply_markup"] = copy.deepcopy(message.reply_markup)
        return result

    def message_control(self, message: StoredMessage) -> dict[str, Any]:
        sender = message.from_user or {}
        return {
            "message_id": message.message_id,
            "from": {
                "id": sender.get("id"),
                "is_bot": bool(sender.get("is_bot")),
                "first_name": sender.get("first_name"),
                "username": sender.get("username"),
            },
            "text": message.text if message.text is not None else message.caption,
            "entities": copy.deepcopy(message.entities or message.caption_entities),
            "media": message.media_kind,
            "sender_chat": copy.deepcopy(message.extra.get("sender_chat")),
            "forwarded": "forward_origin" in message.extra,
            "date": message.date,
            "reply_to_message_id": message.reply_to_message_id,
            "edited_at": message.edited_at,
            "deleted_at": message.deleted_at,
            "reply_markup": copy.deepcopy(message.reply_markup),
        }

    def _announce_change(self, chat: Chat, old: Member, new: Member, actor_id: int) -> None:
        """Telegram tells the bot about every member change, its own actions included (chat_member)."""
        if old == new:
            return
        update = {
            "chat": self.chat_api(chat),
            "from": self._user_for(actor_id),
            "date": int(self.now()),
            "old_chat_member": self._member_to_api(old),
            "new_chat_member": self._member_to_api(new),
        }
        self.queue_update("my_chat_member" if new.user_id == self.bot_id else "chat_member", update)

    def _current(self, chat: Chat, user_id: int) -> Member:
        return (self.member(chat, user_id) or Member(user_id, "left")).snapshot()

    def take_fault(self, method: str) -> BotApiError | None:
        queue = self.faults.get(method.lower())
        if not queue:
            return None
        fault = queue.popleft()
        return BotApiError(fault["error_code"], fault["description"], fault["retry_after"])

    def record_call(self, entry: dict[str, Any]) -> None:
        self.calls.append(entry)
