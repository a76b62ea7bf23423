"""The Bot API over HTTP: `/bot<token>/<method>`, answered in Telegram's own envelope.

Requests come as query strings, urlencoded or multipart forms (aiogram sends multipart) or JSON;
in forms, nested values (reply_markup, permissions, message_ids, ...) are JSON strings, as in the
real API. Method names are case-insensitive there, so they are here.
"""

from __future__ import annotations

import builtins
import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiohttp import web

from .emulator import TelegramEmulator
from .state import BotApiError, bad_request

log = structlog.get_logger(__name__)

EMULATOR_KEY = web.AppKey("emulator", TelegramEmulator)

_TOKEN_RE = re.compile(r"^(\d{1,20}):([A-Za-z0-9_-]{1,100})$")
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "reply_parameters",
        "message_ids",
        "permissions",
        "allowed_updates",
        "entities",
        "commands",
        "scope",
        "link_preview_options",
        "caption_entities",
    }
)


class Params:
    """Typed access to one request's parameters, refusing bad values with Telegram's texts."""

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    def get(self, name: str) -> Any:
        value = self.raw.get(name)
        if name in _JSON_FIELDS and isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError as exc:
                raise bad_request(f"can't parse {name} JSON object") from exc
        return value

    def int(self, name: str) -> int | None:
        value = self.raw.get(name)
        if value is None or value == "":
            return None
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            return value
        try:
            return int(str(value).strip())
        except ValueError:
            return None

    def chat_id(self) -> Any:
        value = self.raw.get("chat_id")
        parsed = self.int("chat_id")
        if value in (None, ""):
            raise bad_request("chat_id is empty")
        return parsed if parsed is not None else str(value)

    def bool(self, name: str) -> bool:
        value = self.raw.get(name)
        if isinstance(value, str):
            return value.strip().lower() in ("true", "1", "yes")
        return bool(value)

    def str(self, name: str) -> str | None:
        value = self.raw.get(name)
        return None if value is None else str(value)

    # `str` below is the method above; the annotation means the type.
    def float(self, name: builtins.str, default: float = 0.0) -> float:
        value = self.raw.get(name)
        try:
            return float(value) if value not in (None, "") else default
        except (TypeError, ValueError):
            return default


Handler = Callable[[TelegramEmulator, Params, int], Awaitable[Any]]


def _reply_target(p: Params) -> tuple[int | None, bool]:
    parameters = p.get("reply_parameters")
    if isinstance(parameters, dict) and parameters.get("message_id") is not None:
        return int(parameters["message_id"]), bool(parameters.get("allow_sending_without_reply"))
    return p.int("reply_to_message_id"), p.bool("allow_sending_without_reply")


async def _get_me(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return {
        **emu.bot_user(),
        "can_join_groups": True,
        "can_read_all_group_messages": emu.can_read_all_group_messages,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


async def _get_updates(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    allowed = p.get("allowed_updates")
    if allowed is not None and not isinstance(allowed, list):
        raise bad_request("can't parse allowed_updates JSON object")
    limit = p.int("limit") or 100
    return await emu.get_updates(p.int("offset"), limit, min(p.float("timeout"), 50.0), allowed)


async def _delete_webhook(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return emu.delete_webhook(p.bool("drop_pending_updates"))


async def _set_webhook(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return emu.set_webhook(
        p.str("url"), p.str("secret_token"), p.get("allowed_updates"), p.bool("drop_pending_updates")
    )


async def _get_webhook_info(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return emu.webhook_info()


async def _send_message(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    reply_to, without_reply = _reply_target(p)
    return emu.send_message(
        p.chat_id(),
        p.str("text"),
        parse_mode=p.str("parse_mode"),
        entities=p.get("entities"),
        reply_to_message_id=reply_to,
        allow_sending_without_reply=without_reply,
        reply_markup=p.get("reply_markup"),
    )


async def _edit_message_text(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    if p.raw.get("inline_message_id"):
        raise bad_request("message to edit not found")
    return emu.edit_message_text(
        p.chat_id(),
        p.int("message_id"),
        p.str("text"),
        parse_mode=p.str("parse_mode"),
        entities=p.get("entities"),
        reply_markup=p.get("reply_markup"),
    )


async def _edit_message_reply_markup(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return emu.edit_message_reply_markup(p.chat_id(), p.int("message_id"), p.get("reply_markup"))


async def _delete_message(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return emu.delete_message(p.chat_id(), p.int("message_id"))


async def _delete_messages(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return emu.delete_messages(p.chat_id(), p.get("message_ids"))


async def _send_chat_action(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return emu.send_chat_action(p.chat_id(), p.str("action"))


async def _get_chat(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return emu.get_chat(p.chat_id())


async def _get_chat_member(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return emu.get_chat_member(p.chat_id(), p.int("user_id"))


async def _get_chat_administrators(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return emu.get_chat_administrators(p.chat_id())


async def _get_chat_member_count(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return emu.get_chat_member_count(p.chat_id())


async def _restrict_chat_member(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return emu.restrict_chat_member(p.chat_id(), p.int("user_id"), p.get("permissions"), p.raw.get("until_date"))


async def _ban_chat_member(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return emu.ban_chat_member(p.chat_id(), p.int("user_id"), p.raw.get("until_date"))


async def _unban_chat_member(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return emu.unban_chat_member(p.chat_id(), p.int("user_id"), p.bool("only_if_banned"))


async def _ban_chat_sender_chat(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return emu.ban_chat_sender_chat(p.chat_id(), p.int("sender_chat_id"))


async def _unban_chat_sender_chat(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return emu.unban_chat_sender_chat(p.chat_id(), p.int("sender_chat_id"))


async def _answer_callback_query(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return emu.answer_callback_query(p.str("callback_query_id"), p.str("text"), p.bool("show_alert"), p.str("url"))


async def _approve_chat_join_request(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return emu.approve_chat_join_request(p.chat_id(), p.int("user_id"))


async def _decline_chat_join_request(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return emu.decline_chat_join_request(p.chat_id(), p.int("user_id"))


async def _leave_chat(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return emu.leave_chat(p.chat_id())


async def _set_my_commands(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return emu.set_my_commands(p.get("commands"), p.get("scope"), p.str("language_code"))


async def _get_my_commands(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return emu.get_my_commands(p.get("scope"), p.str("language_code"))


async def _delete_my_commands(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return emu.delete_my_commands(p.get("scope"), p.str("language_code"))


async def _delete_message_reaction(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return emu.delete_message_reaction(p.chat_id(), p.int("message_id"), p.int("user_id"))


async def _delete_all_message_reactions(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return emu.delete_all_message_reactions(p.chat_id(), p.int("user_id"))


async def _get_file(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return emu.get_file(p.str("file_id"))


async def handle_file_download(request: web.Request) -> web.Response:
    """GET /file/bot<token>/<file_path>: the bytes of a file getFile named."""
    emulator: TelegramEmulator = request.app[EMULATOR_KEY]
    if _TOKEN_RE.match(request.match_info["token"]) is None:
        return web.Response(status=401, text="Unauthorized")
    content = emulator.file_content(request.match_info["path"])
    if content is None:
        return web.Response(status=404, text="Not Found")
    return web.Response(body=content, content_type="application/octet-stream")


async def _true(emu: TelegramEmulator, p: Params, bot_id: int) -> Any:
    return True


METHODS: dict[str, Handler] = {
    name.lower(): handler
    for name, handler in {
        "getMe": _get_me,
        "getUpdates": _get_updates,
        "deleteWebhook": _delete_webhook,
        "setWebhook": _set_webhook,
        "getWebhookInfo": _get_webhook_info,
        "setMyCommands": _set_my_commands,
        "getMyCommands": _get_my_commands,
        "deleteMyCommands": _delete_my_commands,
        "sendMessage": _send_message,
        "editMessageText": _edit_message_text,
        "editMessageReplyMarkup": _edit_message_reply_markup,
        "deleteMessage": _delete_message,
        "deleteMessages": _delete_messages,
        "sendChatAction": _send_chat_action,
        "getChat": _get_chat,
        "getFile": _get_file,
        "deleteMessageReaction": _delete_message_reaction,
        "deleteAllMessageReactions": _delete_all_message_reactions,
        "getChatMember": _get_chat_member,
        "getChatAdministrators": _get_chat_administrators,
        "getChatMemberCount": _get_chat_member_count,
        "restrictChatMember": _restrict_chat_member,
        "banChatMember": _ban_chat_member,
        "unbanChatMember": _unban_chat_member,
        "banChatSenderChat": _ban_chat_sender_chat,
        "unbanChatSenderChat": _unban_chat_sender_chat,
        "answerCallbackQuery": _answer_callback_query,
        "leaveChat": _leave_chat,
        "approveChatJoinRequest": _approve_chat_join_request,
        "declineChatJoinRequest": _decline_chat_join_request,
        "close": _true,
        "logOut": _true,
        "setMyDescription": _true,
        "setMyShortDescription": _true,
        "setMyName": _true,
    }.items()
}


async def _read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.method != "POST" or not request.body_exists:
        return params
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError as exc:
            raise bad_request("can't parse JSON object") from exc
        if not isinstance(body, dict):
            raise bad_request("can't parse JSON object")
        params.update(body)
    else:
        form = await request.post()
        params.update({key: value for key, value in form.items() if isinstance(value, str)})
    return params


def _answer(error: BotApiError) -> web.Response:
    payload: dict[str, Any] = {"ok": False, "error_code": error.error_code, "description": error.description}
    if error.retry_after is not None:
        payload["parameters"] = {"retry_after": error.retry_after}
    if error.migrate_to_chat_id is not None:
        payload["parameters"] = {"migrate_to_chat_id": error.migrate_to_chat_id}
    return web.json_response(payload, status=error.error_code)


async def handle_bot_api(request: web.Request) -> web.Response:
    emulator: TelegramEmulator = request.app[EMULATOR_KEY]
    token = request.match_info["token"]
    method = request.match_info["method"]
    match = _TOKEN_RE.match(token)
    if match is None:
        return _answer(BotApiError(401, "Unauthorized"))
    bot_id = int(match.group(1))
    emulator.bot_id = bot_id
    handler = METHODS.get(method.lower())
    if handler is None:
        return _answer(BotApiError(404, "Not Found"))
    entry: dict[str, Any] = {"method": method, "chat_id": None, "at": emulator.now(), "ok": True, "error_code": None}
    try:
        params = Params(await _read_params(request))
        entry["chat_id"] = params.int("chat_id") if params.int("chat_id") is not None else params.raw.get("chat_id")
        for key in ("message_id", "user_id"):
            if params.int(key) is not None:
                entry[key] = params.int(key)
        if method.lower() == "deletemessages":
            ids = params.get("message_ids")
            entry["message_ids"] = ids if isinstance(ids, list) else None
        fault = emulator.take_fault(method)
        if fault is not None:
            raise fault
        result = await handler(emulator, params, bot_id)
    except BotApiError as error:
        entry.update(ok=False, error_code=error.error_code, description=error.description)
        emulator.record_call(entry)
        log.info("emulator.bot_api_refused", method=method, error_code=error.error_code, description=error.description)
        return _answer(error)
    emulator.record_call(entry)
    return web.json_response({"ok": True, "result": result})
