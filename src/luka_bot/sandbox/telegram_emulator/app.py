"""The Telegram Bot API emulator as an aiohttp application (`luka-bot emulator`).

Bot API
-------
`/bot<token>/<method>` (GET or POST; query, urlencoded, multipart or JSON bodies) answers exactly
like Telegram: `{"ok": true, "result": ...}` or `{"ok": false, "error_code", "description",
"parameters": {"retry_after"}}` with the same HTTP status. Any `<digits>:<secret>` token works
(the digits are the bot's id); others get 401. Supported: getMe, getUpdates (long poll,
allowed_updates), setWebhook (updates are then POSTed to the URL with the
X-Telegram-Bot-Api-Secret-Token header, each kept and retried until the bot answers 2xx; getUpdates
answers 409 meanwhile), deleteWebhook, getWebhookInfo (last_error_message of a refused delivery), set/get/deleteMyCommands, sendMessage,
editMessageText, editMessageReplyMarkup, deleteMessage, deleteMessages, sendChatAction, getChat,
getChatMember, getChatAdministrators, getChatMemberCount, restrictChatMember, banChatMember,
unbanChatMember, banChatSenderChat, unbanChatSenderChat, answerCallbackQuery, leaveChat, close, logOut,
approveChatJoinRequest, declineChatJoinRequest. Anything else is 404.

Control API (JSON in and out; times are Unix seconds as floats on the emulator's clock;
refusals are 400/403/404 with {"error": "..."})
-----------------------------------------------------------------------------------------------
| call | body → answer |
|---|---|
| `POST /_emulator/messages` | `{"chat_id", "chat_title"?, "from": {"id", "first_name", "username"?}, "text", "reply_to_message_id"?, "entities"?, "media"? ("photo"/"video"/"document"/"sticker"/"voice"/"animation"/"video_note"/"audio"/"poll"/"dice"/"location"/"story"/"game" or `{"kind", "content_base64"?, ...}`; text becomes the caption; with content the file is served by getFile and `/file/bot<token>/<path>`), "forward_origin"? (any MessageOrigin), "reply_markup"? (inline keyboard), "caption"?, "forward_from_chat"? `{"id", "title"}`, "sender_chat"? `{"id", "title"}`, "contact"? `{"phone_number", "first_name"}`, "external_reply"?, "via_bot"?}` → `{"message_id", "date"}`; chat_id == from.id is a private message; muted/banned users → 403 |
| `POST /_emulator/raw_updates` | `{"update": {...}}` → `{"update_id"}`; queued as it is (`update_id` added when missing), for updates the bot may fail to parse |
| `POST /_emulator/chats/{chat_id}/migrate` | → `{"new_chat_id"}`; the group becomes a supergroup: `migrate_to_chat_id` / `migrate_from_chat_id` service messages, members and history move, Bot API calls naming the old id answer 400 with `parameters.migrate_to_chat_id` |
| `POST /_emulator/messages/edit` | `{"chat_id", "message_id", "text"}` → `{"ok": true}`; queues `edited_message` |
| `POST /_emulator/reactions` | `{"chat_id", "message_id", "from", "reaction": ["👍"]}` → `{"ok": true}`; queues `message_reaction` (old and new); 403 for a member without `can_react_to_messages` |
| `GET /_emulator/chats/{chat_id}/reactions/{user_id}` | `{"message_ids"}`: the messages the user still has reactions on |
| `POST /_emulator/callback` | `{"chat_id", "message_id", "from", "data"}` → `{"callback_query_id"}` |
| `GET /_emulator/callbacks/{callback_query_id}` | `{"answered", "text", "show_alert", "url"}` |
| `GET /_emulator/chats` | `[{"chat_id", "title", "type"}]` |
| `GET /_emulator/chats/{chat_id}/messages` | every message, the bot's and deleted ones too: `[{"message_id", "from": {"id", "is_bot", "first_name", "username"}, "text" (the caption for media), "entities", "media" (kind or null), "sender_chat", "forwarded", "date", "reply_to_message_id", "edited_at", "deleted_at", "reply_markup"}]` |
| `GET /_emulator/chats/{chat_id}/action` | `{"action", "since"}`: the bot's sendChatAction ("typing") while Telegram would show it (5 s, or until the bot's next message); `action` null otherwise |
| `GET /_emulator/chats/{chat_id}/members` | `[{"user_id", "first_name", "username", "is_bot", "status", "until_date"}]` |
| `GET /_emulator/chats/{chat_id}/members/{user_id}` | `{"status", "until_date"}` |
| `POST /_emulator/chats/{chat_id}/members/{user_id}` | `{"status", "until_date"?, "permissions"?, "rights"?}` → `{"status", "until_date"}`; queues `chat_member` from the creator, `my_chat_member` when `user_id` is the bot's (its rights: `"rights": {"can_pin_messages": false, ...}` over the defaults) |
| `POST /_emulator/chats/{chat_id}/join` | `{"from"}` → `{"message_id", "date"}`; a `new_chat_members` message (and `chat_member` when asked for) |
| `POST /_emulator/chats/{chat_id}/admins` | `{"user_id"}` → `{"ok": true}`; queues `chat_member` (member → administrator) |
| `POST /_emulator/users/{user_id}/start` | `{"first_name"?, "username"?}` → `{"message_id", "date"}`; queues the private `/start` |
| `GET /_emulator/users/{user_id}/messages` | what the bot wrote to that user in private |
| `POST /_emulator/faults` | `{"method", "error_code", "retry_after"?, "times", "description"?}` → `{"ok": true}` |
| `GET /_emulator/webhook/deliveries` | `[{"update_id", "status"}]`: each webhook POST and the HTTP status the bot answered (0: no connection) |
| `GET /_emulator/calls[?method=X]` | `[{"method", "chat_id", "at", "ok", "error_code", "message_id"?, "message_ids"?, "description"?}]` |
| `GET /_emulator/config` | `{"bot_id", "bot_username", "bot_first_name", "can_read_all_group_messages", "group_messages_per_minute", "now"}` |
| `POST /_emulator/bot` | `{"can_read_all_group_messages": bool}` → the same; what getMe reports (privacy mode off = true); delivery is unchanged |
| `GET /_emulator/clock` / `POST /_emulator/clock` | `{"advance": s}` → `{"now"}` |
| `POST /_emulator/limits` | `{"group_messages_per_minute": N}` (0 = off) → the same |
| `POST /_emulator/reset` | forgets everything → `{"ok": true}` |
| `POST /_emulator/chats/{chat_id}/join_requests` | `{"from", "bio"?}` → `{"user_chat_id", "date"}`; queues `chat_join_request`; the bot may write to the applicant |
| `GET /_emulator/chats/{chat_id}/join_requests` | open requests: `[{"user_id", "date"}]` |
| `POST /_emulator/users/{user_id}/profile` | `{"first_name"?, "last_name"?, "username"?, "bio"?}` → the user with `bio` (getChat shows it) |
| `POST /_emulator/cas` | `{"user_id"?, "listed"?, "delay"?}` → `{"listed", "delay", "queries"}`: the CAS-like list |
| `GET /cas/check?user_id=N` | the CAS API's answer: `{"ok": true, "result": {...}}` listed, `{"ok": false, "description"}` not |

Web chat page: `GET /` is `sandbox/static/chat.html`, `GET /static/{name}` the files beside it.

Behaviour worth knowing
-----------------------
- A group appears on its first message as a supergroup; its creator is a "Group owner" (user id 1) who never posts, so every poster is a plain member until `/_emulator/chats/{id}/admins` makes them an admin; the bot
  is an administrator with can_delete_messages and can_restrict_members. Message ids count from 1
  per chat, shared by users and the bot. Writing to a group joins it silently; use `/join` for a
  visible join.
- Updates of a kind the bot did not ask for (allowed_updates; chat_member is not in the default)
  are never stored, as in Telegram. The bot's own restrict/ban/unban produce chat_member updates
  too (from the bot). Update ids keep growing across `/reset`. A second getUpdates ends a waiting
  one with 409 Conflict.
- Texts are stored as Telegram returns them: HTML parsed to plain text + entities, surrounding
  whitespace trimmed, automatic mention/bot_command/url/email/hashtag entities (UTF-16 offsets).
  parse_mode Markdown/MarkdownV2 is accepted but not parsed.
- until_date from the bot is measured against the real clock (the bot's) and laid onto the
  emulator clock, so a one-hour mute stays one hour after `/clock` moved. Under 30 s or over 366
  days means forever (0). A lapsed mute reads as "member", a lapsed ban as "left" (the user may
  join again); unbanChatMember leaves a banned user "left", as Telegram does.
- The 48-hour delete window, message dates and restriction expiry use the emulator clock.
"""

from __future__ import annotations

from pathlib import Path

import structlog
from aiohttp import web

from .bot_api import EMULATOR_KEY, handle_bot_api, handle_file_download
from .control import control_errors, routes
from .emulator import TelegramEmulator
from .gate_control import routes as gate_routes

log = structlog.get_logger(__name__)

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


async def _chat_page(request: web.Request) -> web.StreamResponse:
    page = STATIC_DIR / "chat.html"
    if not page.is_file():
        raise web.HTTPNotFound(text="chat.html is not installed")
    return web.FileResponse(page)


async def _static(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    # Only plain names from the folder itself: no sub-paths, no way out of it.
    if "/" in name or "\\" in name or name.startswith("."):
        raise web.HTTPNotFound()
    path = STATIC_DIR / name
    if not path.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(path)


def create_emulator_app(emulator: TelegramEmulator) -> web.Application:
    """The Bot API, the control API and the chat page over one emulator."""
    app = web.Application(middlewares=[control_errors], client_max_size=60 * 1024 * 1024)
    app[EMULATOR_KEY] = emulator
    app.router.add_route("*", "/bot{token}/{method}", handle_bot_api)
    app.router.add_get("/file/bot{token}/{path:.+}", handle_file_download)
    app.router.add_routes(routes)
    app.router.add_routes(gate_routes)
    app.router.add_get("/", _chat_page)
    app.router.add_get("/static/{name}", _static)

    async def _stop_delivery(_: web.Application) -> None:
        await emulator.stop_webhook_delivery()

    app.on_cleanup.append(_stop_delivery)
    return app


async def start_emulator(
    host: str, port: int, bot_username: str = "luka_test_bot"
) -> tuple[TelegramEmulator, web.AppRunner, int]:
    """Starts the emulator on host:port (0 = any free port); returns it, its runner and the port."""
    emulator = TelegramEmulator(bot_username=bot_username)
    runner = web.AppRunner(create_emulator_app(emulator), access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1]
    log.info("emulator.started", host=host, port=bound, bot_username=bot_username)
    return emulator, runner, bound
