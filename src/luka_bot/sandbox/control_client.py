"""One client for the emulators' control APIs (`/_emulator/...` and `/_llm/...`).

The end-to-end tests and the benchmarks both play the people in the chats and read what the bot
did through it, so a change to the control API is made in one place. It speaks plain HTTP to a
running emulator; the routes are documented in telegram_emulator/app.py and llm_emulator.py.
"""

from __future__ import annotations

from typing import Any

import aiohttp


class ControlError(RuntimeError):
    """The emulator refused a control call (4xx/5xx); the message carries its answer."""


class EmulatorClient:
    """Drives the Telegram emulator at `tg_url` and the LLM emulator at `llm_url`."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        tg_url: str,
        llm_url: str = "",
        *,
        bot_id: int = 123456,
        bot_token: str = "123456:test-token",
    ) -> None:
        self.session, self.tg_url, self.llm_url = session, tg_url, llm_url
        self.bot_id, self.bot_token = bot_id, bot_token

    async def request(self, method: str, url: str, body: Any = None) -> Any:
        """A control call by full URL; raises ControlError on a 4xx/5xx answer."""
        async with self.session.request(method, url, json=body) as response:
            payload = await response.json()
            if response.status >= 400:
                raise ControlError(f"{method} {url} -> {response.status}: {payload}")
            return payload

    async def _tg(self, method: str, path: str, body: Any = None) -> Any:
        return await self.request(method, f"{self.tg_url}/_emulator/{path}", body)

    async def _llm(self, method: str, path: str, body: Any = None) -> Any:
        return await self.request(method, f"{self.llm_url}/_llm/{path}", body)

    # --- people in the chats --------------------------------------------------------------------
    async def send(
        self,
        chat_id: int,
        user: dict[str, Any],
        text: str,
        *,
        chat_title: str | None = None,
        reply_to: int | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """`user` writes `text` in `chat_id` (chat_id == user id: in private); returns
        `{"message_id", "date"}`. `extra`: entities, media, caption, forward_from_chat, ..."""
        body: dict[str, Any] = {"chat_id": chat_id, "from": user, "text": text, **extra}
        if chat_title is not None:
            body["chat_title"] = chat_title
        if reply_to is not None:
            body["reply_to_message_id"] = reply_to
        result: dict[str, Any] = await self._tg("POST", "messages", body)
        return result

    async def edit(self, chat_id: int, message_id: int, text: str) -> None:
        await self._tg("POST", "messages/edit", {"chat_id": chat_id, "message_id": message_id, "text": text})

    async def press(self, chat_id: int, message_id: int, user: dict[str, Any], data: str) -> str:
        """`user` presses the inline button with callback `data`; returns the callback query id."""
        body = {"chat_id": chat_id, "message_id": message_id, "from": user, "data": data}
        return str((await self._tg("POST", "callback", body))["callback_query_id"])

    async def callback_answer(self, callback_query_id: str) -> dict[str, Any]:
        """`{"answered", "text", "show_alert", "url"}` as the bot answered the press."""
        result: dict[str, Any] = await self._tg("GET", f"callbacks/{callback_query_id}")
        return result

    async def join(self, chat_id: int, user: dict[str, Any]) -> int:
        return int((await self._tg("POST", f"chats/{chat_id}/join", {"from": user}))["message_id"])

    async def request_join(self, chat_id: int, user: dict[str, Any], **extra: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self._tg("POST", f"chats/{chat_id}/join_requests", {"from": user, **extra})
        return result

    async def join_requests(self, chat_id: int) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._tg("GET", f"chats/{chat_id}/join_requests")
        return result

    async def start_private(self, user_id: int, **profile: Any) -> dict[str, Any]:
        """The user opens a private chat with the bot (`/start`)."""
        result: dict[str, Any] = await self._tg("POST", f"users/{user_id}/start", profile or None)
        return result

    async def private_messages(self, user_id: int) -> list[dict[str, Any]]:
        """What the bot wrote to `user_id` in private."""
        result: list[dict[str, Any]] = await self._tg("GET", f"users/{user_id}/messages")
        return result

    async def set_profile(self, user_id: int, **profile: Any) -> dict[str, Any]:
        result: dict[str, Any] = await self._tg("POST", f"users/{user_id}/profile", profile)
        return result

    # --- chats and members ---------------------------------------------------------------------
    async def messages(self, chat_id: int) -> list[dict[str, Any]]:
        """Every message in the chat, the bot's and deleted ones too."""
        result: list[dict[str, Any]] = await self._tg("GET", f"chats/{chat_id}/messages")
        return result

    async def make_admin(self, chat_id: int, user_id: int) -> None:
        await self._tg("POST", f"chats/{chat_id}/admins", {"user_id": user_id})

    async def members(self, chat_id: int) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._tg("GET", f"chats/{chat_id}/members")
        return result

    async def member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        """`{"status", "until_date"}` of one member."""
        result: dict[str, Any] = await self._tg("GET", f"chats/{chat_id}/members/{user_id}")
        return result

    async def set_member(self, chat_id: int, user_id: int, status: str, **extra: Any) -> dict[str, Any]:
        """Changes a member's status (user_id == the bot's id: the bot's own, with `rights`)."""
        result: dict[str, Any] = await self._tg(
            "POST", f"chats/{chat_id}/members/{user_id}", {"status": status, **extra}
        )
        return result

    # --- the emulator itself -------------------------------------------------------------------
    async def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        """The Bot API calls the bot made, oldest first; only `method`'s when given."""
        calls: list[dict[str, Any]] = await self._tg("GET", "calls")
        return [c for c in calls if method is None or c["method"] == method]

    async def fault(
        self, method: str, error_code: int, times: int = 1, retry_after: int | None = None, **extra: Any
    ) -> None:
        body: dict[str, Any] = {"method": method, "error_code": error_code, "times": times, **extra}
        if retry_after is not None:
            body["retry_after"] = retry_after
        await self._tg("POST", "faults", body)

    async def advance_clock(self, seconds: float) -> float:
        return float((await self._tg("POST", "clock", {"advance": seconds}))["now"])

    async def now(self) -> float:
        return float((await self._tg("GET", "clock"))["now"])

    async def set_privacy_off(self, can_read_all_group_messages: bool) -> None:
        """What getMe reports as the bot's privacy mode (delivery is unchanged)."""
        await self._tg("POST", "bot", {"can_read_all_group_messages": can_read_all_group_messages})

    async def set_cas(self, **body: Any) -> dict[str, Any]:
        """The CAS-like list: `user_id` + `listed`, or `delay` for every lookup."""
        result: dict[str, Any] = await self._tg("POST", "cas", body)
        return result

    async def webhook_deliveries(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._tg("GET", "webhook/deliveries")
        return result

    async def reset(self) -> None:
        await self._tg("POST", "reset")

    async def bot_api(self, method: str, body: Any = None) -> Any:
        """Calls the Bot API as the bot would (getWebhookInfo, getMyCommands, ...); returns `result`."""
        answer = await self.request("POST", f"{self.tg_url}/bot{self.bot_token}/{method}", body)
        return answer["result"]

    # --- the LLM emulator ----------------------------------------------------------------------
    async def llm_config(self, **config: Any) -> None:
        await self._llm("POST", "config", config)

    async def llm_script(self, **rule: Any) -> None:
        await self._llm("POST", "script", rule)

    async def llm_requests(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = await self._llm("GET", "requests")
        return result

    async def llm_reset(self) -> None:
        await self._llm("POST", "reset")
