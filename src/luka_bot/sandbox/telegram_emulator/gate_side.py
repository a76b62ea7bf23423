"""Join requests, profile bios and a CAS-like ban list: what the newcomer gate needs of Telegram.

A join request (`chat_join_request`) opens the applicant's private chat for the bot, as Telegram
does, so the bot may ask a question there; approveChatJoinRequest lets the applicant in (the
usual new_chat_members message and chat_member update follow), declineChatJoinRequest drops the
request. `GET /cas/check?user_id=N` answers like the CAS API (https://cas.chat/api), from the
listings set by the control API, optionally after a delay (to test the bot's time limit).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .people import PeopleActions
from .state import ControlError, bad_request


@dataclass
class JoinRequest:
    user_id: int
    date: float


class GateSide(PeopleActions):
    def _clear(self) -> None:
        super()._clear()
        self.join_requests: dict[int, dict[int, JoinRequest]] = {}
        self.bios: dict[int, str] = {}
        self.cas_listed: set[int] = set()
        self.cas_delay = 0.0
        self.cas_queries = 0

    # --- control side --------------------------------------------------------------------------
    def set_profile(self, user_id: int, body: dict[str, Any]) -> dict[str, Any]:
        user = self.remember_user(
            {**self.users.get(user_id, {}), **{k: v for k, v in body.items() if k != "bio"}, "id": user_id}
        )
        bio = body.get("bio")
        if bio is not None:
            if not isinstance(bio, str) or len(bio) > 140:
                raise ControlError(400, '"bio" must be a string of at most 140 characters, as in Telegram')
            self.bios[user_id] = bio
        return {**user, "bio": self.bios.get(user_id, "")}

    def file_join_request(self, chat_id: Any, body: dict[str, Any]) -> JoinRequest:
        chat = self._control_chat(chat_id)
        if not chat.is_group:
            raise ControlError(400, "only groups take join requests")
        user = self.remember_user(body.get("from"))  # it refuses a missing "from"
        if "bio" in body:
            self.set_profile(user["id"], {"bio": body["bio"]})
        current = self.member(chat, user["id"])
        if current is not None and current.status not in ("left",):
            raise ControlError(400, f"user {user['id']} is {current.status} in chat {chat.id}: no request possible")
        request = JoinRequest(user["id"], self.now())
        self.join_requests.setdefault(chat.id, {})[user["id"]] = request
        # Telegram lets the bot write to an applicant (user_chat_id) while the request is open.
        self.started_users.add(user["id"])
        self._private(user["id"])  # so what the bot writes there is kept
        if self._bot_receives(chat):
            update: dict[str, Any] = {
                "chat": self.chat_api(chat),
                "from": user,
                "user_chat_id": user["id"],
                "date": int(request.date),
            }
            if self.bios.get(user["id"]):
                update["bio"] = self.bios[user["id"]]
            self.queue_update("chat_join_request", update)
        return request

    def pending_join_requests(self, chat_id: int) -> list[dict[str, Any]]:
        self._control_chat(chat_id)
        return [{"user_id": r.user_id, "date": r.date} for r in self.join_requests.get(chat_id, {}).values()]

    def set_cas(self, body: dict[str, Any]) -> dict[str, Any]:
        user_id, listed = body.get("user_id"), body.get("listed", True)
        if user_id is not None:
            if not isinstance(user_id, int):
                raise ControlError(400, '"user_id" must be an integer')
            (self.cas_listed.add if listed else self.cas_listed.discard)(user_id)
        delay = body.get("delay")
        if delay is not None:
            if not isinstance(delay, (int, float)) or delay < 0 or delay > 60:
                raise ControlError(400, '"delay" must be seconds between 0 and 60')
            self.cas_delay = float(delay)
        return {"listed": sorted(self.cas_listed), "delay": self.cas_delay, "queries": self.cas_queries}

    def cas_answer(self, user_id: int) -> dict[str, Any]:
        self.cas_queries += 1
        if user_id in self.cas_listed:
            return {
                "ok": True,
                "result": {"offenses": 1, "messages": ["spam"], "time_added": "2024-01-01T00:00:00.000Z"},
            }
        return {"ok": False, "description": "Record not found."}

    # --- Bot API side --------------------------------------------------------------------------
    def get_chat(self, chat_id: Any) -> dict[str, Any]:
        result = super().get_chat(chat_id)  # type: ignore[misc]
        if result.get("type") == "private" and self.bios.get(chat_id):
            result["bio"] = self.bios[chat_id]
        return result

    def _take_request(self, chat_id: Any, user_id: Any) -> tuple[int, JoinRequest]:
        chat = self._chat_for_bot(chat_id)
        if not chat.is_group:
            raise bad_request("method is available only for supergroups")
        if not self._bot_can(chat, "can_invite_users"):
            raise bad_request("not enough rights to manage join requests")
        request = self.join_requests.get(chat.id, {}).pop(user_id, None) if isinstance(user_id, int) else None
        if request is None:
            raise bad_request("HIDE_REQUESTER_MISSING")
        return chat.id, request

    def approve_chat_join_request(self, chat_id: Any, user_id: Any) -> bool:
        chat_id, request = self._take_request(chat_id, user_id)
        self.join_chat(chat_id, self.users[request.user_id])
        return True

    def decline_chat_join_request(self, chat_id: Any, user_id: Any) -> bool:
        self._take_request(chat_id, user_id)
        return True
