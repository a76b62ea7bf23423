"""Bot API methods: what the bot may do, refused with Telegram's own error texts."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import math
import re
import time
from collections import deque
from typing import Any

import aiohttp

from .auto_entities import find_entities, strip_text
from .html_text import HtmlParseError, parse_html, utf16_len
from .state import (
    CONFLICT,
    DEFAULT_UPDATE_TYPES,
    DELETE_WINDOW_S,
    FOREVER_ABOVE_S,
    FOREVER_BELOW_S,
    MAX_CAPTION_UTF16,
    MAX_TEXT_UTF16,
    NOT_MODIFIED,
    PERMISSION_NAMES,
    WEBHOOK_CONFLICT,
    BotApiError,
    Chat,
    ControlError,
    EmulatorState,
    Member,
    StoredMessage,
    bad_request,
)

KNOWN_UPDATE_TYPES = DEFAULT_UPDATE_TYPES | {"chat_member", "message_reaction", "message_reaction_count"}


class BotMethods(EmulatorState):
    """The Bot API side of the emulator; each method is one Bot API method (or its core)."""

    def _formatted(
        self, text: str | None, parse_mode: str | None, entities: list[dict] | None, *, caption: bool = False
    ):
        """Plain text and entities as Telegram would store them, or its refusal."""
        text = text or ""
        mode = (parse_mode or "").lower()
        if mode == "html":
            try:
                text, parsed = parse_html(text)
            except HtmlParseError as exc:
                raise bad_request(f"can't parse entities: {exc}") from exc
        elif mode in ("markdown", "markdownv2"):
            parsed = []  # not used by this bot; the text is kept as written
        elif mode:
            raise bad_request("unsupported parse_mode")
        else:
            parsed = [dict(e) for e in entities or []]
        text, parsed = strip_text(text, parsed)
        if not text and not caption:
            raise bad_request("message text is empty")
        limit = MAX_CAPTION_UTF16 if caption else MAX_TEXT_UTF16
        if utf16_len(text) > limit:
            raise bad_request("message caption is too long" if caption else "message is too long")
        for entity in parsed:
            if entity.get("type") == "text_mention":
                entity["user"] = self._user_for(int(entity["user"]["id"]))
        return text, find_entities(text, parsed)

    def _check_flood(self, chat: Chat) -> None:
        limit = self.group_messages_per_minute
        if not limit or not chat.is_group:
            return
        now = self.now()
        sent = self._group_sends.setdefault(chat.id, deque())
        while sent and sent[0] <= now - 60:
            sent.popleft()
        if len(sent) >= limit:
            retry_after = max(1, math.ceil(sent[0] + 60 - now))
            raise BotApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)

    def _count_send(self, chat: Chat) -> None:
        if self.group_messages_per_minute and chat.is_group:
            self._group_sends.setdefault(chat.id, deque()).append(self.now())

    @staticmethod
    def _inline_markup(reply_markup: Any) -> dict | None:
        """The inline keyboard Telegram keeps on a message; other keyboards are not stored on it."""
        if reply_markup is None:
            return None
        if not isinstance(reply_markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in reply_markup:
            return None
        rows = reply_markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request("can't parse inline keyboard button: InlineKeyboardButton must be an Object")
        clean_rows = []
        for row in rows:
            clean_row = []
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise bad_request(
                        "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                    )
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise bad_request("BUTTON_DATA_INVALID")
                if not any(
                    k in button
                    for k in (
                        "callback_data",
                        "url",
                        "switch_inline_query",
                        "login_url",
                        "web_app",
                        "copy_text",
                        "pay",
                        "callback_game",
                        "switch_inline_query_current_chat",
                        "switch_inline_query_chosen_chat",
                    )
                ):
                    raise bad_request(
                        "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                    )
                clean_row.append({k: v for k, v in button.items() if v is not None})
            if clean_row:
                clean_rows.append(clean_row)
        return {"inline_keyboard": clean_rows} if clean_rows else None

    def send_message(
        self,
        chat_id: Any,
        text: str | None,
        *,
        parse_mode: str | None = None,
        entities: list[dict] | None = None,
        reply_to_message_id: int | None = None,
        allow_sending_without_reply: bool = False,
        reply_markup: Any = None,
    ) -> dict[str, Any]:
        chat = self._chat_for_bot(chat_id, sending=True)
        plain, found = self._formatted(text, parse_mode, entities)
        markup = self._inline_markup(reply_markup)
        if reply_to_message_id:
            target = chat.messages.get(reply_to_message_id)
            if target is None or target.deleted_at is not None:
                if not allow_sending_without_reply:
                    raise bad_request("message to be replied not found")
                reply_to_message_id = None
        self._check_flood(chat)
        message = self._store(
            chat,
            StoredMessage(
                chat_id=chat.id,
                message_id=0,
                from_user=self.bot_user(),
                date=self.now(),
                text=plain,
                entities=found,
                reply_to_message_id=reply_to_message_id or None,
                reply_markup=markup,
            ),
        )
        self._count_send(chat)
        return self.message_api(chat, message)

    def _bot_message(self, chat_id: Any, message_id: Any, missing: str) -> tuple[Chat, StoredMessage]:
        if not isinstance(message_id, int):
            raise bad_request(missing)
        chat = self._chat_for_bot(chat_id)
        message = chat.messages.get(message_id)
        if message is None or message.deleted_at is not None:
            raise bad_request(missing)
        return chat, message

    def edit_message_text(
        self,
        chat_id: Any,
        message_id: Any,
        text: str | None,
        *,
        parse_mode: str | None = None,
        entities: list[dict] | None = None,
        reply_markup: Any = None,
    ) -> dict[str, Any]:
        chat, message = self._bot_message(chat_id, message_id, "message to edit not found")
        plain, found = self._formatted(text, parse_mode, entities)
        markup = self._inline_markup(reply_markup)
        if message.from_user is None or message.from_user.get("id") != self.bot_id:
            raise bad_request("message can't be edited")
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        if plain == message.text and found == message.entities and markup == message.reply_markup:
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        self._check_flood(chat)
        message.text, message.entities, message.reply_markup = plain, found, markup
        message.edited_at = self.now()
        self._count_send(chat)
        return self.message_api(chat, message)

    def edit_message_reply_markup(self, chat_id: Any, message_id: Any, reply_markup: Any) -> dict[str, Any]:
        chat, message = self._bot_message(chat_id, message_id, "message to edit not found")
        markup = self._inline_markup(reply_markup)
        if message.from_user is None or message.from_user.get("id") != self.bot_id:
            raise bad_request("message can't be edited")
        if markup == message.reply_markup:
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        message.reply_markup = markup
        message.edited_at = self.now()
        return self.message_api(chat, message)

    def _deletable(self, chat: Chat, message: StoredMessage) -> str | None:
        """None when the bot may delete the message now, else Telegram's reason."""
        if self.now() - message.date > DELETE_WINDOW_S:
            return "message can't be deleted for everyone"
        own = message.from_user is not None and message.from_user.get("id") == self.bot_id
        if chat.is_group and not own and not self._bot_can(chat, "can_delete_messages"):
            return "message can't be deleted for everyone"
        return None

    def delete_message_reaction(self, chat_id: Any, message_id: Any, user_id: Any) -> bool:
        chat = self._chat_for_bot(chat_id)
        message = chat.messages.get(message_id) if isinstance(message_id, int) else None
        if message is None:
            raise bad_request("message to delete reaction not found")
        message.extra.get("_reactions", {}).pop(user_id, None)
        return True

    def delete_all_message_reactions(self, chat_id: Any, user_id: Any) -> bool:
        chat = self._chat_for_bot(chat_id)
        for message in chat.messages.values():
            message.extra.get("_reactions", {}).pop(user_id, None)
        return True

    def reactions_of(self, chat_id: int, user_id: int) -> list[int]:
        """Message ids the user currently has reactions on (control API)."""
        chat = self.chats.get(chat_id)
        return (
            []
            if chat is None
            else [m.message_id for m in chat.messages.values() if user_id in m.extra.get("_reactions", {})]
        )

    def get_file(self, file_id: Any) -> dict[str, Any]:
        stored = self.files.get(file_id) if isinstance(file_id, str) else None
        if stored is None:
            raise bad_request("wrong file_id or the file is temporarily unavailable")
        return {
            "file_id": file_id,
            "file_unique_id": stored["file_unique_id"],
            "file_size": len(stored["content"]),
            "file_path": f"files/{file_id}",
        }

    def file_content(self, path: str) -> bytes | None:
        stored = self.files.get(path.removeprefix("files/"))
        return None if stored is None else stored["content"]

    def delete_message(self, chat_id: Any, message_id: Any) -> bool:
        chat, message = self._bot_message(chat_id, message_id, "message to delete not found")
        reason = self._deletable(chat, message)
        if reason:
            raise bad_request(reason)
        message.deleted_at = self.now()
        return True

    def delete_messages(self, chat_id: Any, message_ids: Any) -> bool:
        if not isinstance(message_ids, list) or not message_ids:
            raise bad_request("message identifiers are not specified")
        if len(message_ids) > 100:
            raise bad_request("too many messages to delete")
        chat = self._chat_for_bot(chat_id)
        for message_id in message_ids:
            message = chat.messages.get(message_id) if isinstance(message_id, int) else None
            # Telegram answers true for the batch and silently skips what is gone or not allowed.
            if message is not None and message.deleted_at is None and self._deletable(chat, message) is None:
                message.deleted_at = self.now()
        return True

    def send_chat_action(self, chat_id: Any, action: str | None) -> bool:
        if not action:
            raise bad_request("action is empty")
        chat = self._chat_for_bot(chat_id, sending=True)
        self.chat_actions[chat.id] = {"action": action, "at": self.now()}
        return True

    # Telegram shows a chat action for up to 5 seconds, or until the bot's next message arrives.
    CHAT_ACTION_LIFETIME = 5.0

    def chat_action(self, chat_id: int) -> dict[str, Any]:
        """What the chat's header shows now: {"action": "typing" | ... | None, "since"}."""
        chat = self.chats.get(chat_id)
        if chat is None:
            raise ControlError(404, f"chat {chat_id} not found: a group appears with its first message")
        record = self.chat_actions.get(chat.id)
        if record is None or self.now() - record["at"] > self.CHAT_ACTION_LIFETIME:
            return {"action": None, "since": None}
        answered = any(
            m.from_user and m.from_user.get("id") == self.bot_id and m.date >= record["at"]
            for m in list(chat.messages.values())[-20:]
        )
        if answered:
            return {"action": None, "since": None}
        return {"action": record["action"], "since": record["at"]}

    def get_chat(self, chat_id: Any) -> dict[str, Any]:
        chat = self._chat_for_bot(chat_id)
        result = self.chat_api(chat)
        result.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        )
        if chat.is_group:
            result["permissions"] = {
                name: True
                for name in PERMISSION_NAMES
                if name not in ("can_change_info", "can_pin_messages", "can_manage_topics", "can_edit_tag")
            }
        return result

    def _known_user(self, user_id: Any) -> int:
        if not isinstance(user_id, int) or (user_id not in self.users and user_id != self.bot_id):
            raise bad_request("user not found")
        return user_id

    def get_chat_member(self, chat_id: Any, user_id: Any) -> dict[str, Any]:
        chat = self._chat_for_bot(chat_id)
        user_id = self._known_user(user_id)
        if not chat.is_group:
            return self._member_to_api(Member(user_id, "member"))
        return self.member_api(chat, user_id)

    def get_chat_administrators(self, chat_id: Any) -> list[dict[str, Any]]:
        chat = self._chat_for_bot(chat_id)
        if not chat.is_group:
            raise bad_request("there are no administrators in the private chat")
        ids = [
            uid
            for uid in chat.members
            if (member := self.member(chat, uid)) is not None and member.status in ("creator", "administrator")
        ]
        if chat.bot_member is not None and chat.bot_member.status == "administrator":
            ids.append(self.bot_id)
        return [self.member_api(chat, uid) for uid in ids]

    def get_chat_member_count(self, chat_id: Any) -> int:
        chat = self._chat_for_bot(chat_id)
        if not chat.is_group:
            return 2
        present = [
            uid
            for uid in chat.members
            if (member := self.member(chat, uid)) is not None and member.status not in ("left", "kicked")
        ]
        return len(present) + (1 if self._bot_receives(chat) else 0)

    def _group_for_restriction(self, chat_id: Any, user_id: Any, not_enough: str) -> tuple[Chat, int]:
        chat = self._chat_for_bot(chat_id)
        if not chat.is_group:
            raise bad_request("method is available only for supergroups")
        user_id = self._known_user(user_id)
        if not self._bot_can(chat, "can_restrict_members"):
            raise bad_request(not_enough)
        if user_id == self.bot_id:
            raise bad_request("can't restrict self")
        current = self.member(chat, user_id)
        if current is not None and current.status in ("creator", "administrator"):
            raise bad_request("user is an administrator of the chat")
        return chat, user_id

    def _until(self, until_date: Any) -> float:
        """A bot's until_date on the emulator clock (0 = forever).

        The bot computes until_date from its own (real) clock, so the span is measured against
        real time and then laid onto the emulator clock: a one-hour mute stays one hour even after
        a test has moved the emulator clock forward.
        """
        if not until_date:
            return 0.0
        try:
            until = float(until_date)
        except (TypeError, ValueError) as exc:
            raise bad_request("invalid until_date specified") from exc
        span = until - time.time()
        return 0.0 if span < FOREVER_BELOW_S or span > FOREVER_ABOVE_S else self.now() + span

    def restrict_chat_member(self, chat_id: Any, user_id: Any, permissions: Any, until_date: Any) -> bool:
        chat, user_id = self._group_for_restriction(
            chat_id, user_id, "not enough rights to restrict/unrestrict chat member"
        )
        if not isinstance(permissions, dict):
            raise bad_request("can't parse permissions JSON object")
        granted = {name: bool(permissions.get(name, False)) for name in PERMISSION_NAMES}
        old = self._current(chat, user_id)
        member = chat.members.setdefault(user_id, Member(user_id, "member"))
        if all(
            granted[name]
            for name in PERMISSION_NAMES
            if name not in ("can_change_info", "can_pin_messages", "can_manage_topics", "can_edit_tag")
        ):
            member.status, member.until_date, member.permissions = "member", 0.0, None
        else:
            member.status, member.until_date, member.permissions = "restricted", self._until(until_date), granted
        self._announce_change(chat, old, member.snapshot(), self.bot_id)
        return True

    def ban_chat_member(self, chat_id: Any, user_id: Any, until_date: Any) -> bool:
        chat, user_id = self._group_for_restriction(
            chat_id, user_id, "not enough rights to restrict/unrestrict chat member"
        )
        old = self._current(chat, user_id)
        member = chat.members.setdefault(user_id, Member(user_id, "left"))
        member.status, member.until_date, member.permissions = "kicked", self._until(until_date), None
        self._announce_change(chat, old, member.snapshot(), self.bot_id)
        return True

    def unban_chat_member(self, chat_id: Any, user_id: Any, only_if_banned: bool) -> bool:
        chat, user_id = self._group_for_restriction(
            chat_id, user_id, "not enough rights to restrict/unrestrict chat member"
        )
        member = self.member(chat, user_id)
        if member is None:
            return True
        old = member.snapshot()
        if member.status == "kicked":
            member.status, member.until_date = "left", 0.0
        elif not only_if_banned:
            # Without only_if_banned Telegram removes the user from the chat, as documented.
            member.status, member.until_date, member.permissions = "left", 0.0, None
        self._announce_change(chat, old, member.snapshot(), self.bot_id)
        return True

    def ban_chat_sender_chat(self, chat_id: Any, sender_chat_id: Any) -> bool:
        """The channel may no longer post in the group as itself (until unbanned)."""
        chat = self._chat_for_bot(chat_id)
        if not chat.is_group:
            raise bad_request("method is available only for supergroups")
        if not self._bot_can(chat, "can_restrict_members"):
            raise bad_request("not enough rights to ban a sender chat")
        if not isinstance(sender_chat_id, int) or sender_chat_id >= 0:
            raise bad_request("invalid sender_chat_id")
        chat.banned_sender_chats.add(sender_chat_id)
        return True

    def unban_chat_sender_chat(self, chat_id: Any, sender_chat_id: Any) -> bool:
        chat = self._chat_for_bot(chat_id)
        if not self._bot_can(chat, "can_restrict_members"):
            raise bad_request("not enough rights to unban a sender chat")
        chat.banned_sender_chats.discard(sender_chat_id)
        return True

    def leave_chat(self, chat_id: Any) -> bool:
        chat = self._chat_for_bot(chat_id)
        if not chat.is_group:
            raise bad_request("chat member status can't be changed in private chats")
        chat.bot_member = Member(self.bot_id, "left")
        return True

    def answer_callback_query(
        self, callback_query_id: Any, text: str | None, show_alert: bool, url: str | None
    ) -> bool:
        record = self.callbacks.get(str(callback_query_id))
        if record is None or record["answered"]:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        if text and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        record.update(answered=True, text=text, show_alert=show_alert, url=url, answered_at=self.now())
        return True

    @staticmethod
    def _commands_key(scope: Any, language_code: str | None) -> str:
        scope_type = scope.get("type", "default") if isinstance(scope, dict) else "default"
        return f"{scope_type}:{scope.get('chat_id', '') if isinstance(scope, dict) else ''}:{language_code or ''}"

    def set_my_commands(self, commands: Any, scope: Any, language_code: str | None) -> bool:
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("can't parse commands JSON object")
        clean = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad_request("can't parse commands JSON object")
            name, description = str(command.get("command", "")), str(command.get("description", ""))
            if not (1 <= len(name) <= 32) or not all(c.islower() or c.isdigit() or c == "_" for c in name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not (1 <= len(description) <= 256):
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": name, "description": description})
        self.commands[self._commands_key(scope, language_code)] = clean
        return True

    def get_my_commands(self, scope: Any, language_code: str | None) -> list[dict[str, str]]:
        return copy.deepcopy(self.commands.get(self._commands_key(scope, language_code), []))

    def delete_my_commands(self, scope: Any, language_code: str | None) -> bool:
        self.commands.pop(self._commands_key(scope, language_code), None)
        return True

    async def get_updates(
        self, offset: int | None, limit: int, timeout: float, allowed_updates: list[str] | None
    ) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise BotApiError(409, WEBHOOK_CONFLICT)
        if allowed_updates is not None:
            self.allowed_updates = frozenset(allowed_updates) if allowed_updates else DEFAULT_UPDATE_TYPES
        if offset:
            if offset > 0:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
            else:
                self.updates = self.updates[offset:]
        # A newer getUpdates ends the one still waiting, exactly like Telegram's 409 Conflict.
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(timeout, 0.0)
        while True:
            if generation != self._poll_generation:
                raise BotApiError(409, CONFLICT)
            ready = [u for u in self.updates if self._is_wanted(u)][: max(1, min(limit, 100))]
            ready.sort(key=lambda u: u["update_id"] if isinstance(u.get("update_id"), int) else 0)
            remaining = deadline - loop.time()
            if ready or remaining <= 0:
                return copy.deepcopy(ready)
            event = self._update_event
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                pass

    def _is_wanted(self, update: dict[str, Any]) -> bool:
        kind = next((key for key in update if key != "update_id"), None)
        if kind is None or kind not in KNOWN_UPDATE_TYPES:
            return True  # a raw update of no known kind (POST /_emulator/raw_updates) is delivered as is
        return kind in self.allowed_updates

    def drop_pending_updates(self) -> None:
        self.updates.clear()

    # ----- webhooks -----------------------------------------------------------------------------

    def set_webhook(self, url: str | None, secret_token: str | None, allowed_updates: Any, drop_pending: bool) -> bool:
        if not url:
            return self.delete_webhook(drop_pending)
        secret_token = secret_token or None
        if not url.startswith(("https://", "http://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        if secret_token is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret_token):
            raise bad_request("secret token contains unallowed characters")
        if allowed_updates is not None:
            if not isinstance(allowed_updates, list):
                raise bad_request("can't parse allowed_updates JSON object")
            self.allowed_updates = frozenset(allowed_updates) if allowed_updates else DEFAULT_UPDATE_TYPES
        if drop_pending:
            self.drop_pending_updates()
        self.webhook = {"url": url, "secret_token": secret_token, "last_error_date": None, "last_error_message": None}
        self._poll_generation += 1  # a long poll still waiting ends, as Telegram's would
        self._notify()
        if self._webhook_task is None or self._webhook_task.done():
            self._webhook_task = asyncio.get_running_loop().create_task(self._deliver_webhooks())
        return True

    def delete_webhook(self, drop_pending: bool) -> bool:
        self.webhook = None
        if drop_pending:
            self.drop_pending_updates()
        self._notify()  # the delivery loop sees the webhook gone and ends
        return True

    def webhook_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self.updates),
        }
        if self.webhook and self.webhook["last_error_date"]:
            info.update(
                last_error_date=self.webhook["last_error_date"], last_error_message=self.webhook["last_error_message"]
            )
        if self.webhook:
            info["allowed_updates"] = sorted(self.allowed_updates)
        return info

    async def stop_webhook_delivery(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver_webhooks(self) -> None:
        """POSTs each update to the webhook in order, with the secret token header; an update stays
        queued until the bot answers 2xx, and is retried with a growing pause, as Telegram does."""
        backoff = 0.2
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            while self.webhook is not None:
                ready = [u for u in self.updates if self._is_wanted(u)]
                if not ready:
                    event = self._update_event
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(event.wait(), 1.0)
                    continue
                update, hook = ready[0], self.webhook
                headers = {"X-Telegram-Bot-Api-Secret-Token": hook["secret_token"]} if hook["secret_token"] else {}
                try:
                    async with session.post(hook["url"], json=update, headers=headers) as response:
                        status = response.status
                        reason = response.reason or ""
                except (aiohttp.ClientError, TimeoutError) as exc:
                    status, reason = 0, f"Connection failed: {type(exc).__name__}"
                self.webhook_deliveries.append({"update_id": update["update_id"], "status": status})
                del self.webhook_deliveries[:-1000]
                if 200 <= status < 300:
                    self.updates = [u for u in self.updates if u["update_id"] != update["update_id"]]
                    backoff = 0.2
                    continue
                if self.webhook is hook:
                    hook["last_error_date"] = int(self.now())
                    hook["last_error_message"] = (
                        f"Wrong response from the webhook: {status} {reason}".strip() if status else reason
                    )
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
