"""The control API under `/_emulator/`: play the people in the chats and inspect what the bot did.

JSON in and out; refusals are HTTP 400/403/404 with {"error": "..."} saying what is wrong. The
full list of endpoints is in the docstring of `app.py`.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .bot_api import EMULATOR_KEY
from .emulator import TelegramEmulator
from .state import ControlError

routes = web.RouteTableDef()


def _emulator(request: web.Request) -> TelegramEmulator:
    return request.app[EMULATOR_KEY]


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.body_exists:
        return {}
    try:
        body = await request.json()
    except ValueError as exc:
        raise ControlError(400, "the body must be a JSON object") from exc
    if not isinstance(body, dict):
        raise ControlError(400, "the body must be a JSON object")
    return body


def _int(request: web.Request, name: str) -> int:
    try:
        return int(request.match_info[name])
    except ValueError as exc:
        raise ControlError(400, f"{name} must be an integer") from exc


@web.middleware
async def control_errors(request: web.Request, handler):
    """Turns a ControlError into its JSON answer; other paths pass through untouched."""
    try:
        return await handler(request)
    except ControlError as error:
        return web.json_response({"error": error.message}, status=error.status)
    except (web.HTTPNotFound, web.HTTPMethodNotAllowed) as error:
        if not request.path.startswith("/_emulator/"):
            raise
        return web.json_response(
            {"error": f"no control endpoint {request.method} {request.path} (see the docstring of app.py)"},
            status=error.status,
        )


@routes.post("/_emulator/messages")
async def post_message(request: web.Request) -> web.Response:
    """A user writes a message. Body: {"chat_id", "chat_title"?, "from": {"id", "first_name",
    "username"?}, "text", "reply_to_message_id"?, "entities"?, "media"? ("photo" | "video" |
    "document" | "sticker" | "voice" | "animation" | "video_note" | "audio" | "poll" | "dice" | "location" |
    "story" | "game" or {"kind", ...fields, e.g. "premium_animation" or "type": "custom_emoji" for a
    sticker}; the text becomes its caption), "forward_origin"? (any MessageOrigin: user, hidden_user,
    chat, channel), "reply_markup"? {"inline_keyboard": [[...]]},
    "caption"?, "forward_from_chat"? {"id", "title"} (a forward from a channel),
    "sender_chat"? {"id", "title"} (posted on behalf of a channel), "contact"? {"phone_number",
    "first_name"}, "external_reply"? (ExternalReplyInfo), "via_bot"? (username or User)}.
    chat_id < 0 is a group (created on its first message; its creator is the silent "Group owner", user id 1);
    chat_id == from.id is a private message to the bot. Muted or banned users get 403.
    Answer: {"message_id", "date"}."""
    message = _emulator(request).post_user_message(await _body(request))
    return web.json_response({"message_id": message.message_id, "date": message.date})


@routes.post("/_emulator/reactions")
async def react(request: web.Request) -> web.Response:
    """A user sets their reactions on a message: {"chat_id", "message_id", "from", "reaction": ["👍", ...]}
    ([] takes them back) → {"ok": true}; queues a message_reaction update (old and new reactions).
    403 when the user is banned or restricted without can_react_to_messages."""
    _emulator(request).react(await _body(request))
    return web.json_response({"ok": True})


@routes.get("/_emulator/chats/{chat_id}/reactions/{user_id}")
async def reactions_of(request: web.Request) -> web.Response:
    """{"message_ids": [...]}: the messages the user currently has reactions on."""
    ids = _emulator(request).reactions_of(_int(request, "chat_id"), _int(request, "user_id"))
    return web.json_response({"message_ids": ids})


@routes.post("/_emulator/messages/edit")
async def edit_message(request: web.Request) -> web.Response:
    """A user edits their message: {"chat_id", "message_id", "text"} → {"ok": true}; queues edited_message."""
    body = await _body(request)
    _emulator(request).edit_user_message(body.get("chat_id"), body.get("message_id"), body.get("text"))
    return web.json_response({"ok": True})


@routes.post("/_emulator/callback")
async def press_button(request: web.Request) -> web.Response:
    """A user presses an inline button: {"chat_id", "message_id", "from", "data"} →
    {"callback_query_id"}; the message must carry a button with that callback_data."""
    body = await _body(request)
    callback_id = _emulator(request).press_button(
        body.get("chat_id"), body.get("message_id"), body.get("from"), body.get("data")
    )
    return web.json_response({"callback_query_id": callback_id})


@routes.get("/_emulator/callbacks/{callback_query_id}")
async def callback_answer(request: web.Request) -> web.Response:
    """How the bot answered a button press: {"answered", "text", "show_alert", "url"}."""
    record = _emulator(request).callbacks.get(request.match_info["callback_query_id"])
    if record is None:
        raise ControlError(404, "no such callback_query_id")
    return web.json_response({k: record[k] for k in ("answered", "text", "show_alert", "url")})


@routes.get("/_emulator/chats")
async def chats(request: web.Request) -> web.Response:
    """Every chat: [{"chat_id", "title", "type"}]."""
    return web.json_response(_emulator(request).chat_list())


@routes.get("/_emulator/chats/{chat_id}/messages")
async def chat_messages(request: web.Request) -> web.Response:
    """Every message of the chat, the bot's and deleted ones included."""
    return web.json_response(_emulator(request).chat_messages(_int(request, "chat_id")))


@routes.get("/_emulator/chats/{chat_id}/action")
async def chat_action(request: web.Request) -> web.Response:
    """The bot's chat action as the chat header shows it ("typing…"): {"action", "since"}; action is
    null when none was sent, it lapsed (5 s) or the bot's message has arrived since."""
    return web.json_response(_emulator(request).chat_action(_int(request, "chat_id")))


@routes.get("/_emulator/chats/{chat_id}/members")
async def chat_members(request: web.Request) -> web.Response:
    """[{"user_id", "first_name", "username", "is_bot", "status", "until_date"}], the bot included."""
    return web.json_response(_emulator(request).member_list(_int(request, "chat_id")))


@routes.get("/_emulator/chats/{chat_id}/members/{user_id}")
async def member(request: web.Request) -> web.Response:
    """{"status", "until_date"}: until_date is set for restricted/kicked (0 = forever), else null."""
    return web.json_response(_emulator(request).member_control(_int(request, "chat_id"), _int(request, "user_id")))


@routes.post("/_emulator/chats/{chat_id}/members/{user_id}")
async def set_member(request: web.Request) -> web.Response:
    """An admin changes a member in the Telegram app: {"status": "member" | "administrator" |
    "restricted" | "left" | "kicked", "until_date"?, "permissions"?, "rights"?} → {"status",
    "until_date"}; queues a chat_member update from the chat's creator (my_chat_member when the
    user is the bot)."""
    emulator = _emulator(request)
    result = emulator.set_member_status(_int(request, "chat_id"), _int(request, "user_id"), await _body(request))
    return web.json_response(result)


@routes.post("/_emulator/chats/{chat_id}/join")
async def join(request: web.Request) -> web.Response:
    """A user joins the group (by invite link): {"from": {"id", "first_name", "username"?}} →
    {"message_id", "date"}; queues a `message` with new_chat_members (and chat_member when asked for)."""
    body = await _body(request)
    message = _emulator(request).join_chat(_int(request, "chat_id"), body.get("from"))
    return web.json_response({"message_id": message.message_id, "date": message.date})


@routes.post("/_emulator/raw_updates")
async def raw_update(request: web.Request) -> web.Response:
    """{"update": {...}} → {"update_id"}: the JSON is queued for the bot as it is (an update_id is
    added when missing), for updates the bot may not be able to parse."""
    body = await _body(request)
    if "update" not in body:
        raise ControlError(400, 'the body must be {"update": {...}}')
    return web.json_response({"update_id": _emulator(request).queue_raw_update(body["update"])})


@routes.post("/_emulator/chats/{chat_id}/migrate")
async def migrate(request: web.Request) -> web.Response:
    """→ {"new_chat_id"}: the group becomes a supergroup with a new id (migrate_to_chat_id /
    migrate_from_chat_id service messages; calls to the old id answer 400 with
    parameters.migrate_to_chat_id)."""
    return web.json_response({"new_chat_id": _emulator(request).migrate_chat(_int(request, "chat_id"))})


@routes.post("/_emulator/chats/{chat_id}/admins")
async def make_admin(request: web.Request) -> web.Response:
    """{"user_id"} → makes that user an administrator of the chat."""
    body = await _body(request)
    _emulator(request).make_admin(_int(request, "chat_id"), body.get("user_id"))
    return web.json_response({"ok": True})


@routes.post("/_emulator/users/{user_id}/start")
async def start(request: web.Request) -> web.Response:
    """The user opens the bot in private and presses Start (body optional: {"first_name",
    "username"}); queues their "/start" message. Answer: {"message_id", "date"}."""
    message = _emulator(request).start_user(_int(request, "user_id"), await _body(request))
    return web.json_response({"message_id": message.message_id, "date": message.date})


@routes.get("/_emulator/users/{user_id}/messages")
async def user_messages(request: web.Request) -> web.Response:
    """What the bot wrote to that user in private (same shape as chat messages)."""
    return web.json_response(_emulator(request).user_messages(_int(request, "user_id")))


@routes.post("/_emulator/faults")
async def faults(request: web.Request) -> web.Response:
    """{"method", "error_code" (400/403/429/500/502), "retry_after"?, "times"?, "description"?}:
    the next `times` calls of that method fail so."""
    _emulator(request).add_fault(await _body(request))
    return web.json_response({"ok": True})


@routes.get("/_emulator/calls")
async def calls(request: web.Request) -> web.Response:
    """Every Bot API call: [{"method", "chat_id", "at", "ok", "error_code", ...}]; ?method=X filters."""
    method = request.query.get("method")
    entries = _emulator(request).calls
    if method:
        entries = [c for c in entries if c["method"].lower() == method.lower()]
    return web.json_response(entries)


@routes.get("/_emulator/webhook/deliveries")
async def webhook_deliveries(request: web.Request) -> web.Response:
    """Each webhook POST and how the bot answered: [{"update_id", "status"}] (0 = no connection)."""
    return web.json_response(_emulator(request).webhook_deliveries)


@routes.get("/_emulator/config")
async def config(request: web.Request) -> web.Response:
    """Who the bot is and how the emulator is set: {"bot_id", "bot_username", "bot_first_name",
    "can_read_all_group_messages", "group_messages_per_minute", "now"}."""
    emulator = _emulator(request)
    return web.json_response(
        {
            "bot_id": emulator.bot_id,
            "bot_username": emulator.bot_username,
            "bot_first_name": emulator.bot_first_name,
            "can_read_all_group_messages": emulator.can_read_all_group_messages,
            "group_messages_per_minute": emulator.group_messages_per_minute,
            "now": emulator.now(),
        }
    )


@routes.post("/_emulator/bot")
async def bot_profile(request: web.Request) -> web.Response:
    """What BotFather would change: {"can_read_all_group_messages": bool} (privacy mode off = true),
    reported by getMe → {"can_read_all_group_messages"}."""
    emulator = _emulator(request)
    body = await _body(request)
    value = body.get("can_read_all_group_messages", emulator.can_read_all_group_messages)
    if not isinstance(value, bool):
        raise ControlError(400, '"can_read_all_group_messages" must be true or false')
    emulator.can_read_all_group_messages = value
    return web.json_response({"can_read_all_group_messages": value})


@routes.get("/_emulator/clock")
async def clock(request: web.Request) -> web.Response:
    """{"now"}: the emulator's clock, Unix seconds."""
    return web.json_response({"now": _emulator(request).now()})


@routes.post("/_emulator/clock")
async def advance_clock(request: web.Request) -> web.Response:
    """{"advance": seconds} moves the clock forward → {"now"}."""
    advance = (await _body(request)).get("advance")
    if not isinstance(advance, (int, float)) or isinstance(advance, bool):
        raise ControlError(400, '"advance" must be a number of seconds')
    return web.json_response({"now": _emulator(request).advance_clock(float(advance))})


@routes.post("/_emulator/limits")
async def limits(request: web.Request) -> web.Response:
    """{"group_messages_per_minute": N} (0 = off): more sendMessage + editMessageText calls than
    that in one group within 60 s get 429 with retry_after."""
    return web.json_response(_emulator(request).set_limits(await _body(request)))


@routes.post("/_emulator/reset")
async def reset(request: web.Request) -> web.Response:
    """Forgets everything: chats, users, updates, calls, faults, limits, clock offset."""
    _emulator(request).reset()
    return web.json_response({"ok": True})
