"""Control calls of the newcomer gate's emulation, and the CAS-like ban-list endpoint."""

from __future__ import annotations

import asyncio

from aiohttp import web

from .control import _body, _emulator, _int
from .state import ControlError

routes = web.RouteTableDef()


@routes.post("/_emulator/chats/{chat_id}/join_requests")
async def file_join_request(request: web.Request) -> web.Response:
    """A user asks to join a group that approves new members: {"from", "bio"?} →
    {"user_chat_id", "date"}; queues `chat_join_request` (with the bio, as Telegram sends it)."""
    made = _emulator(request).file_join_request(_int(request, "chat_id"), await _body(request))
    return web.json_response({"user_chat_id": made.user_id, "date": made.date})


@routes.get("/_emulator/chats/{chat_id}/join_requests")
async def join_requests(request: web.Request) -> web.Response:
    """Requests not yet approved or declined: [{"user_id", "date"}]."""
    return web.json_response(_emulator(request).pending_join_requests(_int(request, "chat_id")))


@routes.post("/_emulator/users/{user_id}/profile")
async def profile(request: web.Request) -> web.Response:
    """Sets a user's profile: {"first_name"?, "last_name"?, "username"?, "bio"?} → the user with bio;
    getChat on the user answers with that bio."""
    return web.json_response(_emulator(request).set_profile(_int(request, "user_id"), await _body(request)))


@routes.post("/_emulator/cas")
async def cas(request: web.Request) -> web.Response:
    """The CAS-like list: {"user_id"?, "listed"? (default true), "delay"? s} → {"listed", "delay", "queries"}."""
    return web.json_response(_emulator(request).set_cas(await _body(request)))


@routes.get("/cas/check")
async def cas_check(request: web.Request) -> web.Response:
    """`GET /cas/check?user_id=N` as the CAS API answers it: {"ok": true, "result"} when listed."""
    emulator = _emulator(request)
    try:
        user_id = int(request.query.get("user_id", ""))
    except ValueError as exc:
        raise ControlError(400, "user_id must be an integer") from exc
    if emulator.cas_delay:
        await asyncio.sleep(emulator.cas_delay)
    return web.json_response(emulator.cas_answer(user_id))
