"""The people in the chats: users writing, editing, pressing buttons, joining, and admins acting."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections import deque
from typing import Any

from .auto_entities import find_entities
from .html_text import utf16_len
from .state import (
    ADMIN_RIGHTS,
    CHANNEL_BOT,
    GROUP_OWNER,
    MAX_TEXT_UTF16,
    MEMBER_STATUSES,
    PERMISSION_NAMES,
    Chat,
    ControlError,
    EmulatorState,
    Member,
    StoredMessage,
)


class PeopleActions(EmulatorState):
    """The control API side: what users and chat admins do, and the test knobs (faults, limits)."""

    def post_user_message(self, body: dict[str, Any]) -> StoredMessage:
        """A user writes to a group (chat_id < 0) or to the bot in private (chat_id == from.id)."""
        chat_id = body.get("chat_id")
        if not isinstance(chat_id, int) or chat_id == 0:
            raise ControlError(400, '"chat_id" must be a non-zero integer (negative: a group)')
        user = self.remember_user(body.get("from"))
        if chat_id > 0:
            if chat_id != user["id"]:
                raise ControlError(400, 'a positive "chat_id" is a private chat and must equal "from.id"')
            chat = self._private(chat_id)
            self.started_users.add(user["id"])
        else:
            chat = self._group(chat_id, body.get("chat_title"), user["id"])
            self._check_may_post(chat, user["id"])
            sender = body.get("sender_chat")
            if isinstance(sender, dict) and sender.get("id") in chat.banned_sender_chats:
                raise ControlError(403, f"channel {sender['id']} is banned in chat {chat.id} and cannot post")
        message = self._build_user_message(chat, user, body)
        self._store(chat, message)
        if self._bot_receives(chat):
            self.queue_update("message", self.message_api(chat, message))
        return message

    def _check_may_post(self, chat: Chat, user_id: int) -> None:
        member = self.member(chat, user_id)
        if member is None or member.status == "left":
            chat.members[user_id] = member = Member(user_id, "member")  # writing implies joining
        if member.status == "kicked":
            raise ControlError(403, f"user {user_id} is banned in chat {chat.id} and cannot post")
        if member.status == "restricted" and not (member.permissions or {}).get("can_send_messages"):
            until = "forever" if not member.until_date else f"until {member.until_date:.0f}"
            raise ControlError(403, f"user {user_id} is muted in chat {chat.id} ({until}) and cannot post")

    def _build_user_message(self, chat: Chat, user: dict[str, Any], body: dict[str, Any]) -> StoredMessage:
        text = body.get("text")
        if text is not None and not isinstance(text, str):
            raise ControlError(400, '"text" must be a string')
        media_kind, media = self._media(body.get("media"))
        caption = body.get("caption")
        if media_kind and caption is None:
            caption, text = text, None
        contact = body.get("contact")
        if not (text and text.strip()) and not media_kind and not contact:
            raise ControlError(400, 'the message needs a non-empty "text", a "media" or a "contact"')
        given_entities = body.get("entities")
        if given_entities is not None and not isinstance(given_entities, list):
            raise ControlError(400, '"entities" must be a list of MessageEntity objects')
        message = StoredMessage(chat_id=chat.id, message_id=0, from_user=user, date=self.now())
        if text:
            message.text = text
            message.entities = given_entities if given_entities is not None else find_entities(text)
            if utf16_len(text) > MAX_TEXT_UTF16:
                raise ControlError(400, "text is longer than Telegram allows (4096 UTF-16 units)")
        if media_kind:
            message.media_kind, message.media = media_kind, media
            if caption:
                message.caption = str(caption)
                message.caption_entities = (
                    given_entities if given_entities is not None else find_entities(message.caption)
                )
        if contact:
            if not isinstance(contact, dict) or not contact.get("phone_number") or not contact.get("first_name"):
                raise ControlError(400, '"contact" needs "phone_number" and "first_name"')
            message.extra["contact"] = dict(contact)
        reply_to = body.get("reply_to_message_id")
        if reply_to is not None:
            target = chat.messages.get(reply_to) if isinstance(reply_to, int) else None
            if target is None or target.deleted_at is not None:
                raise ControlError(400, f"reply_to_message_id {reply_to} is not a live message of chat {chat.id}")
            message.reply_to_message_id = reply_to
        self._add_origin(message, body)
        return message

    def _add_origin(self, message: StoredMessage, body: dict[str, Any]) -> None:
        forwarded = body.get("forward_from_chat")
        if forwarded is not None:
            message.extra["forward_origin"] = {
                "type": "channel",
                "chat": self._channel(forwarded, "forward_from_chat"),
                "message_id": int(body.get("forward_from_message_id", 1)),
                "date": int(self.now()) - 60,
            }
        origin = body.get("forward_origin")
        if origin is not None:
            # Any MessageOrigin: {"type": "user", "sender_user": {...}} | {"type": "hidden_user",
            # "sender_user_name"} | {"type": "chat", "sender_chat"} | {"type": "channel", "chat"}.
            if not isinstance(origin, dict) or origin.get("type") not in ("user", "hidden_user", "chat", "channel"):
                raise ControlError(
                    400, '"forward_origin" must be a MessageOrigin with type user, hidden_user, chat or channel'
                )
            origin = {"date": int(self.now()) - 60, **origin}
            defaults = {
                "user": ("sender_user", {"id": 555000001, "is_bot": False, "first_name": "Someone"}),
                "hidden_user": ("sender_user_name", "Hidden"),
                "chat": ("sender_chat", {"id": -1009000000002, "type": "supergroup", "title": "Other group"}),
                "channel": ("chat", {"id": -1009000000003, "type": "channel", "title": "Some channel"}),
            }
            field_name, default = defaults[origin["type"]]
            origin.setdefault(field_name, default)
            if origin["type"] == "channel":
                origin.setdefault("message_id", 1)
            message.extra["forward_origin"] = origin
        markup = body.get("reply_markup")
        if markup is not None:
            if not isinstance(markup, dict) or not isinstance(markup.get("inline_keyboard"), list):
                raise ControlError(400, '"reply_markup" must be an InlineKeyboardMarkup {"inline_keyboard": [[...]]}')
            message.reply_markup = markup
        sender_chat = body.get("sender_chat")
        if sender_chat is not None:
            message.extra["sender_chat"] = self._channel(sender_chat, "sender_chat")
            message.from_user = dict(CHANNEL_BOT)  # what Telegram shows as the author of such posts
        external = body.get("external_reply")
        if external is not None:
            if not isinstance(external, dict):
                raise ControlError(400, '"external_reply" must be an ExternalReplyInfo object')
            external = dict(external)
            external.setdefault(
                "origin", {"type": "hidden_user", "sender_user_name": "Hidden", "date": int(self.now()) - 60}
            )
            message.extra["external_reply"] = external
        via_bot = body.get("via_bot")
        if via_bot is not None:
            if isinstance(via_bot, str):
                via_bot = {
                    "id": 700000000 + len(via_bot),
                    "username": via_bot.lstrip("@"),
                    "first_name": via_bot.lstrip("@"),
                }
            if not isinstance(via_bot, dict) or "id" not in via_bot:
                raise ControlError(400, '"via_bot" must be a bot username or a User object')
            message.extra["via_bot"] = {"is_bot": True, "first_name": via_bot.get("username", "bot"), **via_bot}

    @staticmethod
    def _channel(raw: Any, name: str) -> dict[str, Any]:
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), int):
            raise ControlError(400, f'"{name}" must be an object with an integer "id" and a "title"')
        return {
            "id": raw["id"],
            "type": "channel",
            "title": str(raw.get("title") or f"Channel {raw['id']}"),
            **({"username": raw["username"]} if raw.get("username") else {}),
        }

    _MEDIA_KINDS = (
        "photo",
        "video",
        "document",
        "sticker",
        "voice",
        "animation",
        "video_note",
        "audio",
        "poll",
        "dice",
        "location",
        "story",
        "game",
    )
    # Kinds that are no file: no file_id/file_unique_id.
    _NOT_FILES = frozenset({"poll", "dice", "location", "story", "game"})

    def _media(self, raw: Any) -> tuple[str | None, Any]:
        if raw is None:
            return None, None
        kind = raw if isinstance(raw, str) else raw.get("kind") if isinstance(raw, dict) else None
        if kind not in self._MEDIA_KINDS:
            raise ControlError(400, f'"media" must be one of {list(self._MEDIA_KINDS)} or {{"kind": ...}}')
        overrides = (
            {k: v for k, v in raw.items() if k not in ("kind", "content_base64")} if isinstance(raw, dict) else {}
        )
        unique = hashlib.sha1(f"{kind}{self.now()}{len(self.updates)}".encode()).hexdigest()[:16]
        base: dict[str, Any] = (
            {} if kind in self._NOT_FILES else {"file_id": f"{kind}-{unique}", "file_unique_id": unique}
        )
        content = raw.get("content_base64") if isinstance(raw, dict) else None
        if content is not None and kind not in self._NOT_FILES:
            # A real file: the same bytes get the same file_unique_id, as in Telegram; each post a new file_id.
            try:
                data = base64.b64decode(content, validate=True)
            except (binascii.Error, TypeError, ValueError) as exc:
                raise ControlError(400, '"content_base64" must be base64') from exc
            unique = hashlib.sha1(data).hexdigest()[:16]
            file_id = f"{kind}-{unique}-{len(self.files)}"
            self.files[file_id] = {"file_unique_id": unique, "content": data}
            base = {"file_id": file_id, "file_unique_id": unique, "file_size": len(data)}
        if kind == "photo":
            return kind, [{**base, "width": 1280, "height": 720, "file_size": 120000, **overrides}]
        extras_by_kind: dict[str, dict[str, Any]] = {
            "video": {"width": 1280, "height": 720, "duration": 5},
            "document": {"file_name": "file.pdf", "mime_type": "application/pdf"},
            # A premium sticker: {"kind": "sticker", "premium_animation": {...}} or "type": "custom_emoji".
            "sticker": {
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "🙂",
            },
            "voice": {"duration": 3, "mime_type": "audio/ogg"},
            "animation": {
                "width": 480,
                "height": 270,
                "duration": 3,
                "file_name": "a.gif.mp4",
                "mime_type": "video/mp4",
            },
            "video_note": {"length": 240, "duration": 5},
            "audio": {"duration": 30, "mime_type": "audio/mpeg", "title": "Track"},
            "poll": {
                "id": unique,
                "question": "?",
                "options": [
                    {"text": "yes", "voter_count": 0, "persistent_id": "0"},
                    {"text": "no", "voter_count": 0, "persistent_id": "1"},
                ],
                "total_voter_count": 0,
                "is_closed": False,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
                "allows_revoting": False,
                "members_only": False,
            },
            "dice": {"emoji": "🎲", "value": 3},
            "location": {"latitude": 55.75, "longitude": 37.62},
            "story": {"chat": {"id": -1009000000001, "type": "channel", "title": "Some channel"}, "id": 7},
            "game": {
                "title": "Game",
                "description": "A game",
                "photo": [{"file_id": f"game-{unique}", "file_unique_id": f"g{unique}", "width": 640, "height": 360}],
            },
        }
        return kind, {**base, **extras_by_kind[kind], **overrides}

    def react(self, body: dict[str, Any]) -> None:
        """A user sets their reactions on a message: {"chat_id", "message_id", "from", "reaction": ["👍"]}
        (an empty list takes them back). Queues a message_reaction update with old and new reactions."""
        chat = self._control_chat(body.get("chat_id"))
        message_id = body.get("message_id")
        message = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if message is None or message.deleted_at is not None:
            raise ControlError(404, f"message {message_id} not found in chat {chat.id} (or deleted)")
        user = self.remember_user(body.get("from"))
        emojis = body.get("reaction", [])
        if not isinstance(emojis, list) or not all(isinstance(e, str) and e for e in emojis):
            raise ControlError(400, '"reaction" must be a list of emoji strings')
        member = self.member(chat, user["id"])
        if member is not None and member.status == "kicked":
            raise ControlError(403, f"user {user['id']} is banned in chat {chat.id} and cannot react")
        if (
            member is not None
            and member.status == "restricted"
            and not (member.permissions or {}).get("can_react_to_messages")
        ):
            raise ControlError(403, f"user {user['id']} may not react in chat {chat.id}")
        reactions: dict[int, list[str]] = message.extra.setdefault("_reactions", {})
        old = reactions.get(user["id"], [])
        reactions[user["id"]] = list(emojis)
        if not reactions[user["id"]]:
            del reactions[user["id"]]
        self.queue_update(
            "message_reaction",
            {
                "chat": self.chat_api(chat),
                "message_id": message.message_id,
                "user": user,
                "date": int(self.now()),
                "old_reaction": [{"type": "emoji", "emoji": e} for e in old],
                "new_reaction": [{"type": "emoji", "emoji": e} for e in emojis],
            },
        )

    def edit_user_message(self, chat_id: Any, message_id: Any, text: Any) -> StoredMessage:
        chat = self._control_chat(chat_id)
        message = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if message is None or message.deleted_at is not None:
            raise ControlError(404, f"message {message_id} not found in chat {chat_id} (or deleted)")
        if message.is_from_bot_account:
            raise ControlError(400, "that message was written by a bot; users can only edit their own messages")
        if not isinstance(text, str) or not text.strip():
            raise ControlError(400, '"text" must be a non-empty string')
        if message.media_kind:
            message.caption, message.caption_entities = text, find_entities(text)
        else:
            message.text, message.entities = text, find_entities(text)
        message.edited_at = self.now()
        if self._bot_receives(chat):
            self.queue_update("edited_message", self.message_api(chat, message))
        return message

    def press_button(self, chat_id: Any, message_id: Any, user_raw: Any, data: Any) -> str:
        chat = self._control_chat(chat_id)
        message = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if message is None or message.deleted_at is not None:
            raise ControlError(404, f"message {message_id} not found in chat {chat_id} (or deleted)")
        buttons = [b for row in (message.reply_markup or {}).get("inline_keyboard", []) for b in row]
        if not any(b.get("callback_data") == data for b in buttons):
            offered = [b.get("callback_data") for b in buttons if "callback_data" in b]
            raise ControlError(400, f"message {message_id} has no button with callback_data {data!r}; it has {offered}")
        user = self.remember_user(user_raw)
        callback_id = str(next(self._callback_ids) * 7919 + 4000000000000000000)
        self.callbacks[callback_id] = {
            "answered": False,
            "text": None,
            "show_alert": False,
            "url": None,
            "chat_id": chat.id,
            "message_id": message.message_id,
            "data": data,
        }
        chat_instance = str(int(hashlib.sha1(str(chat.id).encode()).hexdigest()[:15], 16))
        self.queue_update(
            "callback_query",
            {
                "id": callback_id,
                "from": user,
                "message": self.message_api(chat, message),
                "chat_instance": chat_instance,
                "data": data,
            },
        )
        return callback_id

    def _control_chat(self, chat_id: Any) -> Chat:
        chat = self.chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise ControlError(404, f"chat {chat_id} not found: a group appears with its first message")
        return chat

    def chat_messages(self, chat_id: int) -> list[dict[str, Any]]:
        chat = self._control_chat(chat_id)
        return [self.message_control(m) for m in chat.messages.values()]

    def chat_list(self) -> list[dict[str, Any]]:
        return [
            {"chat_id": c.id, "title": c.title if c.is_group else self._user_for(c.id)["first_name"], "type": c.type}
            for c in self.chats.values()
        ]

    def member_control(self, chat_id: int, user_id: int) -> dict[str, Any]:
        chat = self._control_chat(chat_id)
        member = self.member(chat, user_id) or Member(user_id, "left")
        until = member.until_date if member.status in ("restricted", "kicked") else None
        return {"status": member.status, "until_date": until}

    def member_list(self, chat_id: int) -> list[dict[str, Any]]:
        chat = self._control_chat(chat_id)
        ids = list(chat.members)
        if chat.bot_member is not None:
            ids.append(self.bot_id)
        result = []
        for user_id in ids:
            user = self._user_for(user_id)
            status = self.member_control(chat_id, user_id)
            result.append(
                {
                    "user_id": user_id,
                    "first_name": user["first_name"],
                    "username": user.get("username"),
                    "is_bot": user["is_bot"],
                    **status,
                }
            )
        return result

    def make_admin(self, chat_id: int, user_id: Any) -> None:
        chat = self._control_chat(chat_id)
        if not isinstance(user_id, int) or user_id not in self.users:
            raise ControlError(404, f"user {user_id} is unknown: users appear when they first post")
        member = self.member(chat, user_id)
        if member is not None and member.status in ("creator", "administrator"):
            return
        old = self._current(chat, user_id)
        new = Member(user_id, "administrator", rights=dict(ADMIN_RIGHTS))
        chat.members[user_id] = new
        # A promotion in the Telegram app reaches the bot as a chat_member update, as any change does.
        self._announce_change(chat, old, new, chat.creator_id if chat.creator_id is not None else user_id)

    def set_member_status(self, chat_id: int, user_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """An admin changes a member in the Telegram app; the bot hears of it as chat_member."""
        chat = self._control_chat(chat_id)
        status = body.get("status")
        if status not in MEMBER_STATUSES or status == "creator":
            raise ControlError(400, f'"status" must be one of {[s for s in MEMBER_STATUSES if s != "creator"]}')
        if user_id != self.bot_id and user_id not in self.users:
            raise ControlError(404, f"user {user_id} is unknown: users appear when they first post")
        current = self.member(chat, user_id) or Member(user_id, "left")
        if current.status == "creator":
            raise ControlError(400, "the creator's status cannot be changed")
        old = current.snapshot()
        until = body.get("until_date") or 0.0
        if not isinstance(until, (int, float)):
            raise ControlError(400, '"until_date" must be Unix seconds (0 = forever)')
        new = Member(user_id, status, until_date=float(until) if status in ("restricted", "kicked") else 0.0)
        if status == "restricted":
            permissions = body.get("permissions") or {}
            new.permissions = {name: bool(permissions.get(name, False)) for name in PERMISSION_NAMES}
        if status == "administrator":
            new.rights = {**ADMIN_RIGHTS, **(body.get("rights") or {})}
        if user_id == self.bot_id:
            chat.bot_member = new
        else:
            chat.members[user_id] = new
        actor_id = chat.creator_id if chat.creator_id is not None else user_id
        self._announce_change(chat, old, new, actor_id)
        return self.member_control(chat_id, user_id)

    def join_chat(self, chat_id: Any, user_raw: Any) -> StoredMessage:
        """A user joins the group by link: a new_chat_members service message and a chat_member update."""
        chat = self._control_chat(chat_id)
        if not chat.is_group:
            raise ControlError(400, "only groups can be joined")
        user = self.remember_user(user_raw)
        old = self._current(chat, user["id"])
        if old.status == "kicked":
            raise ControlError(403, f"user {user['id']} is banned in chat {chat.id} and cannot join")
        if old.status not in ("left",):
            raise ControlError(400, f"user {user['id']} is already in chat {chat.id} ({old.status})")
        chat.members[user["id"]] = Member(user["id"], "member")
        message = self._store(
            chat,
            StoredMessage(
                chat_id=chat.id, message_id=0, from_user=user, date=self.now(), extra={"new_chat_members": [user]}
            ),
        )
        if self._bot_receives(chat):
            self.queue_update("message", self.message_api(chat, message))
            self._announce_change(chat, old, Member(user["id"], "member"), user["id"])
        return message

    def migrate_chat(self, chat_id: int) -> int:
        """The group becomes a supergroup with a new id, as Telegram does it: the old chat gets a
        `migrate_to_chat_id` service message, the new one `migrate_from_chat_id`; members, the
        bot's rights and the history move (message ids are kept, so a late delete of an old
        message works under the new id); every Bot API call naming the old id then answers 400
        with `parameters.migrate_to_chat_id`."""
        chat = self._control_chat(chat_id)
        if not chat.is_group:
            raise ControlError(400, "only groups can become supergroups")
        if chat.migrated_to is not None:
            raise ControlError(400, f"chat {chat_id} was already upgraded to {chat.migrated_to}")
        new_id = -1009000000000 - len(self.chats)
        while new_id in self.chats:
            new_id -= 1
        new = Chat(
            id=new_id,
            type="supergroup",
            title=chat.title,
            members=chat.members,
            messages=dict(chat.messages),
            bot_member=chat.bot_member,
            creator_id=chat.creator_id,
            next_message_id=chat.next_message_id,
            banned_sender_chats=set(chat.banned_sender_chats),
        )
        self.chats[new_id] = new
        owner = self._user_for(chat.creator_id) if chat.creator_id is not None else GROUP_OWNER
        receives = self._bot_receives(chat)
        chat.type = "group"  # what it was, as Telegram shows the old chat in the service message
        to_message = self._store(
            chat,
            StoredMessage(
                chat_id=chat.id,
                message_id=0,
                from_user=dict(owner),
                date=self.now(),
                extra={"migrate_to_chat_id": new_id},
            ),
        )
        if receives:
            self.queue_update("message", self.message_api(chat, to_message))
        chat.migrated_to = new_id
        from_message = self._store(
            new,
            StoredMessage(
                chat_id=new_id,
                message_id=0,
                from_user=dict(GROUP_OWNER),
                date=self.now(),
                extra={"migrate_from_chat_id": chat.id},
            ),
        )
        if receives:
            self.queue_update("message", self.message_api(new, from_message))
        return new_id

    def start_user(self, user_id: int, body: dict[str, Any]) -> StoredMessage:
        """The user opens the bot and presses Start: the bot may now write to them."""
        return self.post_user_message({"chat_id": user_id, "from": {**body, "id": user_id}, "text": "/start"})

    def user_messages(self, user_id: int) -> list[dict[str, Any]]:
        chat = self.chats.get(user_id)
        if chat is None or chat.is_group:
            return []
        return [
            self.message_control(m)
            for m in chat.messages.values()
            if m.from_user and m.from_user.get("id") == self.bot_id
        ]

    def set_limits(self, body: dict[str, Any]) -> dict[str, Any]:
        value = body.get("group_messages_per_minute", self.group_messages_per_minute)
        if not isinstance(value, int) or value < 0:
            raise ControlError(400, '"group_messages_per_minute" must be an integer >= 0 (0 = off)')
        self.group_messages_per_minute = value
        self._group_sends.clear()
        return {"group_messages_per_minute": value}

    def add_fault(self, body: dict[str, Any]) -> None:
        method, code, times = body.get("method"), body.get("error_code"), body.get("times", 1)
        if not isinstance(method, str) or not method:
            raise ControlError(400, '"method" must name a Bot API method, e.g. "sendMessage"')
        if code not in (400, 403, 429, 500, 502):
            raise ControlError(400, '"error_code" must be one of 400, 403, 429, 500, 502')
        if not isinstance(times, int) or times < 1:
            raise ControlError(400, '"times" must be a positive integer')
        retry_after = body.get("retry_after", 1 if code == 429 else None)
        if code == 429 and (not isinstance(retry_after, int) or retry_after < 1):
            raise ControlError(400, '"retry_after" must be a positive integer for 429')
        description = body.get("description")
        texts = {
            429: f"Too Many Requests: retry after {retry_after}",
            500: "Internal Server Error",
            502: "Bad Gateway",
            400: "Bad Request: fault injected by the emulator",
            403: "Forbidden: fault injected by the emulator",
        }
        if description:
            prefix = {400: "Bad Request: ", 403: "Forbidden: "}.get(code, "")
            texts[code] = description if description.startswith(prefix) else prefix + description
        queue = self.faults.setdefault(method.lower(), deque())
        for _ in range(times):
            queue.append(
                {"error_code": code, "description": texts[code], "retry_after": retry_after if code == 429 else None}
            )
