"""An OpenAI-compatible chat server that plays both of the bot's models, for tests and the sandbox.

Answers are deterministic so tests can assert on them: assistant replies start with
"[emulated LLM] " and echo the question; moderation calls (those with a JSON `response_format`,
or whose user turn carries a `<message_data>` block) get a verdict from a small keyword
heuristic: one verdict object for one block, `{"verdicts": [{"id", ...}, ...]}` for a batch
(blocks whose JSON carries an "id"). A control API under `/_llm/...` scripts answers,
slows the model down, injects faults and shows every request the bot sent.

| call | body → answer |
|---|---|
| `GET /v1/models` | the model names it plays (any name is accepted in calls) |
| `POST /v1/chat/completions` | OpenAI chat completion; `stream: true` answers SSE chunks and `data: [DONE]` |
| `GET /_llm/config`, `POST /_llm/config` | `{"first_token_delay", "token_delay", "judge_delay", "reply_length", "fault", "fault_times", "structured_output", "slots", "reject_stream_options"}` (any subset) → the whole config |
| `POST /_llm/script` | `{"contains", "verdict": {...}}` or `{"contains", "reply": "..."}` → `{"scripts": n}` |
| `GET /_llm/requests` | every chat-completion body received, oldest first |
| `POST /_llm/reset` | forget config, scripts and requests; release held requests |

Faults (`fault_times` N > 0 applies the fault to the next N calls it fits, 0 until cleared):
`timeout` holds the request open, `500` answers an OpenAI-style error, `malformed_json` answers
non-JSON content to a JSON call or a broken chunk in a stream, `garbage_verdict` answers valid
JSON that breaks the verdict schema (JSON calls only). Two faults play the ways a real server cuts
a stream short (streamed calls only): `interrupt` sends the first half of the reply and then a bare
`data: [DONE]` with no `finish_reason` (what llama-cpp-python's server does when a second request
interrupts a running one), `disconnect` sends the first half and drops the connection.

A `max_tokens` in the request is honoured (one word is one token here): a longer reply is cut and
ends with `finish_reason: "length"`; otherwise it ends with `"stop"`.

JSON that breaks the verdict schema (JSON calls only), `partial_batch` leaves the last verdict
out of a batched answer (batched calls only).

`structured_output` plays the servers the judge meets: `json_schema` (default; OpenAI, vLLM,
Ollama) takes both JSON formats; `json_object` refuses `{"type": "json_schema"}` the way
llama-cpp-python 0.3 does (HTTP 500, "Input should be 'text' or 'json_object'") and takes
`{"type": "json_object", "schema": ...}`; `prompt` refuses any `response_format` (HTTP 400) and
answers judge calls in prose with the JSON inside ("Sure! Here is my verdict: {...}").
`slots` N > 0 serves at most N chat completions at a time, the rest wait in line (llama.cpp's
one-slot server); 0 serves all at once. `judge_delay` is the time each judge call takes.
A stream asked for `stream_options: {"include_usage": true}` ends with a usage chunk (4
characters a token), unless `reject_stream_options` plays a server that refuses the option
with a 400.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

import structlog
from aiohttp import web

log = structlog.get_logger(__name__)

EMULATED_PREFIX = "[emulated LLM] "
PLAYED_MODELS = ("emulated-assistant", "emulated-judge")
FAULTS = frozenset({"timeout", "500", "malformed_json", "garbage_verdict", "partial_batch", "interrupt", "disconnect"})
# Faults that only a streamed reply can play.
STREAM_FAULTS = frozenset({"interrupt", "disconnect"})
STRUCTURED_OUTPUTS = ("json_schema", "json_object", "prompt")
# What llama-cpp-python's server answers (HTTP 500) to a json_schema response_format.
LLAMA_CPP_REFUSAL = (
    "[{'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), "
    "'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema', "
    "'ctx': {'expected': \"'text' or 'json_object'\"}}]"
)
PROSE_PREFIX = "Sure! Here is my verdict: "

# A held ("timeout") request gives up after this long even if nobody resets the emulator, so a
# forgotten fault cannot pin a connection forever.
_MAX_HOLD_SECONDS = 600.0
_HOLD_POLL_SECONDS = 0.05
_ECHO_LIMIT = 300
_FILLER = "This answer is padded by the LLM emulator to reach the requested length. "

# The judge puts the member's message inside this block as JSON; the heuristic reads only that,
# so the group's rules text ("no spam here") never makes a message look like spam.
_DATA_BLOCK = re.compile(r"<message_data>(.*?)</message_data>", re.DOTALL)

_SCAM_MARKERS = (
    "seed phrase",
    "private key",
    "verify your wallet",
    "double your",
    "guaranteed profit",
    "сид фраз",
    "удвоим",
    "гарантированн",
)
_SPAM_MARKERS = (
    "buy now",
    "free money",
    "click here",
    "casino",
    "crypto",
    "airdrop",
    "giveaway",
    "investment",
    "earn $",
    "dm me",
    "whatsapp",
    "promo code",
    "discount",
    "subscribe to",
    "заработ",
    "крипт",
    "казино",
    "инвест",
    "скидк",
    "подпишись",
    "пиши в лс",
)
_LINK_MARKERS = ("http://", "https://", "t.me/", "www.", "bit.ly")
_ABUSE_MARKERS = (
    "idiot",
    "stupid",
    "moron",
    "dumb",
    "fuck",
    "shut up",
    "loser",
    "retard",
    "идиот",
    "дурак",
    "тупой",
    "урод",
    "придурок",
    "заткнись",
)


@dataclass
class EmulatorConfig:
    first_token_delay: float = 0.0
    token_delay: float = 0.0
    judge_delay: float = 0.0
    reply_length: int | None = None  # pad assistant replies to this many characters
    fault: str | None = None
    fault_times: int = 0  # 0 = the fault stays until cleared
    structured_output: str = "json_schema"
    slots: int = 0  # chat completions served at once; 0 = no limit
    # Play an older server that answers 400 to `stream_options` (clients must retry without it).
    reject_stream_options: bool = False


@dataclass
class _Script:
    contains: str
    verdict: dict[str, Any] | None = None
    reply: str | None = None


@dataclass
class LlmEmulator:
    """State of one emulated provider: its config, scripted answers and the requests it saw."""

    config: EmulatorConfig = field(default_factory=EmulatorConfig)
    scripts: list[_Script] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    # Set on reset and shutdown so held requests end at once instead of blocking cleanup.
    release: asyncio.Event = field(default_factory=asyncio.Event)
    # The line for `slots`; replaced whenever `slots` changes.
    slot_gate: asyncio.Semaphore | None = None

    def configure(self, changes: dict[str, Any]) -> None:
        """Apply a partial config; raises ValueError on an unknown key or a bad value."""
        current = asdict(self.config)
        unknown = set(changes) - set(current)
        if unknown:
            raise ValueError(f"unknown config keys: {sorted(unknown)}")
        for name in ("first_token_delay", "token_delay", "judge_delay"):
            if name in changes:
                current[name] = _non_negative_number(name, changes[name])
        if "reply_length" in changes:
            value = changes["reply_length"]
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
                raise ValueError("reply_length must be a non-negative integer or null")
            current["reply_length"] = value
        if "reject_stream_options" in changes:
            if not isinstance(changes["reject_stream_options"], bool):
                raise ValueError("reject_stream_options must be true or false")
            current["reject_stream_options"] = changes["reject_stream_options"]
        if "fault" in changes:
            fault = changes["fault"]
            if fault is not None and fault not in FAULTS:
                raise ValueError(f"fault must be null or one of {sorted(FAULTS)}")
            current["fault"] = fault
        if "fault_times" in changes:
            current["fault_times"] = _non_negative_int("fault_times", changes["fault_times"])
        if "structured_output" in changes:
            if changes["structured_output"] not in STRUCTURED_OUTPUTS:
                raise ValueError(f"structured_output must be one of {list(STRUCTURED_OUTPUTS)}")
            current["structured_output"] = changes["structured_output"]
        if "slots" in changes:
            slots = _non_negative_int("slots", changes["slots"])
            current["slots"] = slots
            self.slot_gate = asyncio.Semaphore(slots) if slots else None
        self.config = EmulatorConfig(**current)

    def add_script(self, contains: str, *, verdict: dict[str, Any] | None = None, reply: str | None = None) -> None:
        if not contains:
            raise ValueError("contains must be a non-empty string")
        if (verdict is None) == (reply is None):
            raise ValueError("give exactly one of verdict or reply")
        self.scripts.append(_Script(contains, verdict, reply))

    def reset(self) -> None:
        self.config = EmulatorConfig()
        self.slot_gate = None
        self.scripts.clear()
        self.requests.clear()
        self.release.set()
        self.release = asyncio.Event()

    def take_fault(self, *, json_call: bool, stream: bool = False) -> str | None:
        """The fault to play on this call, if any, counting it against `fault_times`."""
        fault = self.config.fault
        if fault is None or (fault in ("garbage_verdict", "partial_batch") and not json_call):
            return None
        if fault in STREAM_FAULTS and not stream:
            return None
        if self.config.fault_times > 0:
            self.config.fault_times -= 1
            if self.config.fault_times == 0:
                self.config.fault = None
        return fault

    def scripted(self, texts: list[str], *, want_verdict: bool) -> _Script | None:
        for script in reversed(self.scripts):  # the latest script wins
            if (script.verdict is not None) != want_verdict:
                continue
            if any(script.contains.lower() in text.lower() for text in texts):
                return script
        return None

    def verdict_for(self, user_turn: str) -> dict[str, Any]:
        message_text = _message_text(user_turn)
        script = self.scripted([message_text, user_turn], want_verdict=True)
        if script is not None:
            return dict(script.verdict or {})
        return heuristic_verdict(message_text)

    def answer_for(self, user_turn: str, *, partial: bool = False) -> dict[str, Any]:
        """One verdict for one block; a verdict per id for a batch (blocks carrying an "id")."""
        blocks = _blocks(user_turn)
        if not any(isinstance(block, dict) and "id" in block for block in blocks):
            return self.verdict_for(user_turn)
        verdicts = []
        for block in blocks:
            if not isinstance(block, dict) or "id" not in block:
                continue
            text = _block_text(block)
            script = self.scripted([text], want_verdict=True)
            verdict = dict(script.verdict or {}) if script is not None else heuristic_verdict(text)
            verdicts.append({"id": block["id"], **verdict})
        if partial and verdicts:
            verdicts.pop()
        return {"verdicts": verdicts}

    def reply_for(self, user_turn: str) -> str:
        script = self.scripted([user_turn], want_verdict=False)
        if script is not None:
            return script.reply or ""
        return emulated_reply(user_turn, self.config.reply_length)


def heuristic_verdict(text: str) -> dict[str, Any]:
    lowered = text.lower()
    if any(marker in lowered for marker in _SCAM_MARKERS):
        return _verdict("delete", "scam", 0.92, "asks for wallet secrets or promises profit")
    spam_hits = [marker for marker in _SPAM_MARKERS if marker in lowered]
    has_link = any(marker in lowered for marker in _LINK_MARKERS)
    if (spam_hits and has_link) or len(spam_hits) >= 2:
        return _verdict("delete", "spam", 0.93, "advertising with a link or several spam phrases")
    if spam_hits or has_link:
        return _verdict("delete", "spam", 0.75, "looks like advertising")
    if any(marker in lowered for marker in _ABUSE_MARKERS):
        return _verdict("delete", "abuse", 0.88, "insults another member")
    return _verdict("allow", "none", 0.9, "ordinary message")


def emulated_reply(user_turn: str, reply_length: int | None) -> str:
    question = " ".join(user_turn.split())
    if len(question) > _ECHO_LIMIT:
        question = question[:_ECHO_LIMIT] + "..."
    text = f"{EMULATED_PREFIX}You asked: \u201c{question}\u201d. This is a canned answer from the LLM emulator."
    if reply_length is not None and reply_length > len(text):
        text += " "
        while len(text) < reply_length:
            text += _FILLER
        text = text[:reply_length]
    return text


def split_tokens(text: str) -> list[str]:
    """Word pieces whose concatenation is exactly `text` (whitespace rides with the word before it)."""
    return re.findall(r"\S+\s*|\s+", text)


EMULATOR_KEY = web.AppKey("llm_emulator", LlmEmulator)


def create_llm_emulator_app(emulator: LlmEmulator) -> web.Application:
    app = web.Application(client_max_size=16 * 1024 * 1024)
    app[EMULATOR_KEY] = emulator
    app.router.add_get("/v1/models", _list_models)
    app.router.add_post("/v1/chat/completions", _chat_completions)
    app.router.add_get("/_llm/config", _get_config)
    app.router.add_post("/_llm/config", _set_config)
    app.router.add_post("/_llm/script", _add_script)
    app.router.add_get("/_llm/requests", _get_requests)
    app.router.add_post("/_llm/reset", _reset)

    async def _release_held(_: web.Application) -> None:
        emulator.release.set()

    app.on_shutdown.append(_release_held)
    return app


async def start_llm_emulator(
    host: str,
    port: int,
    emulator: LlmEmulator | None = None,
) -> tuple[LlmEmulator, web.AppRunner, int]:
    """Serve the emulator on host:port (0 picks a free port); returns the bound port too.
    The caller ends it with `await runner.cleanup()`."""
    emulator = emulator or LlmEmulator()
    # handler_cancellation: a client that gives up (its timeout) ends the held handler with it.
    runner = web.AppRunner(
        create_llm_emulator_app(emulator), handler_cancellation=True, shutdown_timeout=2.0, access_log=None
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_port = int(runner.addresses[0][1])
    log.info("llm_emulator.started", host=host, port=bound_port)
    return emulator, runner, bound_port


# --- OpenAI API -------------------------------------------------------------------------------


async def _list_models(request: web.Request) -> web.Response:
    created = int(time.time())
    data = [
        {"id": name, "object": "model", "created": created, "owned_by": "luka-bot-emulator"} for name in PLAYED_MODELS
    ]
    return web.json_response({"object": "list", "data": data})


async def _chat_completions(request: web.Request) -> web.StreamResponse:
    emulator: LlmEmulator = request.app[EMULATOR_KEY]
    try:
        body = await request.json()
    except ValueError:
        return _openai_error(400, "request body is not JSON", "invalid_request_error")
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        return _openai_error(400, "'messages' is required", "invalid_request_error")
    emulator.requests.append(body)
    gate = emulator.slot_gate
    if gate is None:
        return await _complete(request, emulator, body)
    async with gate:  # a one-slot server: requests wait in line for the one before them
        return await _complete(request, emulator, body)


async def _complete(request: web.Request, emulator: LlmEmulator, body: dict[str, Any]) -> web.StreamResponse:
    if emulator.config.reject_stream_options and "stream_options" in body:
        return _openai_error(400, "Unrecognized request argument supplied: stream_options", "invalid_request_error")
    model = str(body.get("model") or PLAYED_MODELS[0])
    refusal = _format_refusal(emulator.config.structured_output, body.get("response_format"))
    if refusal is not None:
        return refusal
    user_turn = _last_user_text(body["messages"])
    json_call = _is_json_call(body)
    judge_call = json_call or _DATA_BLOCK.search(user_turn) is not None
    fault = emulator.take_fault(json_call=judge_call, stream=bool(body.get("stream")))
    if fault == "timeout":
        await _hold(request, emulator)
        return _openai_error(504, "emulated timeout ended", "server_error")
    if fault == "500":
        return _openai_error(500, "The emulated server had an error while processing your request.", "server_error")

    if judge_call:
        await _sleep_or_release(emulator, emulator.config.judge_delay)
        if fault == "malformed_json":
            content = "Sure! The message looks fine to me, action allow {"
        elif fault == "garbage_verdict":
            content = json.dumps({"action": "explode", "category": "chaos", "confidence": "very"})
        else:
            content = json.dumps(emulator.answer_for(user_turn, partial=fault == "partial_batch"), ensure_ascii=False)
        if not json_call:  # asked in the prompt only: a chatty model wraps its JSON in prose
            content = f"{PROSE_PREFIX}{content}\nLet me know if you need anything else."
        tokens = [content]
    else:
        tokens = split_tokens(emulator.reply_for(user_turn))

    max_tokens = body.get("max_tokens") or body.get("max_completion_tokens")
    finish_reason = "stop"
    if isinstance(max_tokens, int) and 0 < max_tokens < len(tokens):
        tokens, finish_reason = tokens[:max_tokens], "length"

    if body.get("stream"):
        return await _stream(
            request,
            emulator,
            body,
            model,
            tokens,
            finish_reason,
            broken=fault == "malformed_json" and not judge_call,
            cut=fault if fault in STREAM_FAULTS else None,
        )
    if not judge_call:
        await _sleep_or_release(emulator, emulator.config.first_token_delay)
    if fault == "malformed_json" and not judge_call:
        return web.Response(status=200, text='{"id": "chatcmpl-broken", "choices": [', content_type="application/json")
    content = "".join(tokens)
    return web.json_response(
        {
            "id": _completion_id(),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "logprobs": None,
                    "finish_reason": finish_reason,
                }
            ],
            "usage": _usage(body, content),
        }
    )


async def _stream(
    request: web.Request,
    emulator: LlmEmulator,
    body: dict[str, Any],
    model: str,
    tokens: list[str],
    finish_reason: str,
    *,
    broken: bool,
    cut: str | None = None,
) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    completion_id, created = _completion_id(), int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None) -> bytes:
        payload = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "system_fingerprint": None,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()

    if cut is not None:
        tokens = tokens[: max(1, len(tokens) // 2)]
    try:
        await response.write(chunk({"role": "assistant", "content": ""}, None))
        await _sleep_or_release(emulator, emulator.config.first_token_delay)
        for index, token in enumerate(tokens):
            if index:
                await _sleep_or_release(emulator, emulator.config.token_delay)
            await response.write(chunk({"content": token}, None))
            if broken and index == 0:
                await response.write(b'data: {"id": "' + completion_id.encode() + b'", "choices": [{\n\n')
                break
        if cut == "disconnect":
            # Drop the connection in the middle of the chunked body, as a crashed server would.
            if request.transport is not None:
                request.transport.abort()
            return response
        if cut == "interrupt":
            await response.write(b"data: [DONE]\n\n")
            await response.write_eof()
            return response
        await response.write(chunk({}, finish_reason))
        stream_options = body.get("stream_options")
        if isinstance(stream_options, dict) and stream_options.get("include_usage"):
            await response.write(
                b"data: "
                + json.dumps(
                    {
                        "id": completion_id,
                        "object": "chat.completion.chunk",
                        "created": created,
                        "model": model,
                        "choices": [],
                        "usage": _usage(body, "".join(tokens)),
                    }
                ).encode()
                + b"\n\n"
            )
        await response.write(b"data: [DONE]\n\n")
        await response.write_eof()
    except ConnectionError:
        # The client went away mid-stream (it timed out or stopped reading): nothing to finish.
        log.info("llm_emulator.stream_abandoned", model=model)
    return response


# --- control API -------------------------------------------------------------------------------


async def _get_config(request: web.Request) -> web.Response:
    return web.json_response(asdict(request.app[EMULATOR_KEY].config))


async def _set_config(request: web.Request) -> web.Response:
    emulator: LlmEmulator = request.app[EMULATOR_KEY]
    body = await _json_object(request)
    try:
        emulator.configure(body)
    except ValueError as exc:
        raise web.HTTPBadRequest(text=json.dumps({"error": str(exc)}), content_type="application/json") from exc
    return web.json_response(asdict(emulator.config))


async def _add_script(request: web.Request) -> web.Response:
    emulator: LlmEmulator = request.app[EMULATOR_KEY]
    body = await _json_object(request)
    verdict, reply = body.get("verdict"), body.get("reply")
    try:
        if verdict is not None and not isinstance(verdict, dict):
            raise ValueError("verdict must be an object")
        if reply is not None and not isinstance(reply, str):
            raise ValueError("reply must be a string")
        emulator.add_script(str(body.get("contains") or ""), verdict=verdict, reply=reply)
    except ValueError as exc:
        raise web.HTTPBadRequest(text=json.dumps({"error": str(exc)}), content_type="application/json") from exc
    return web.json_response({"scripts": len(emulator.scripts)})


async def _get_requests(request: web.Request) -> web.Response:
    return web.json_response(request.app[EMULATOR_KEY].requests)


async def _reset(request: web.Request) -> web.Response:
    request.app[EMULATOR_KEY].reset()
    return web.json_response({"ok": True})


# --- helpers -------------------------------------------------------------------------------------


async def _hold(request: web.Request, emulator: LlmEmulator) -> None:
    """Keep a request open like a hung provider, until the client leaves, a reset, or shutdown."""
    release = emulator.release
    deadline = time.monotonic() + _MAX_HOLD_SECONDS
    while time.monotonic() < deadline and not release.is_set():
        transport = request.transport
        if transport is None or transport.is_closing():
            return
        try:
            await asyncio.wait_for(release.wait(), _HOLD_POLL_SECONDS)
        except TimeoutError:
            continue


async def _sleep_or_release(emulator: LlmEmulator, seconds: float) -> None:
    if seconds <= 0:
        return
    try:
        await asyncio.wait_for(emulator.release.wait(), seconds)
    except TimeoutError:
        pass


async def _json_object(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as exc:
        raise web.HTTPBadRequest(text='{"error": "body is not JSON"}', content_type="application/json") from exc
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text='{"error": "body must be a JSON object"}', content_type="application/json")
    return body


def _openai_error(status: int, message: str, error_type: str) -> web.Response:
    return web.json_response(
        {"error": {"message": message, "type": error_type, "param": None, "code": None}}, status=status
    )


def _format_refusal(supported: str, response_format: Any) -> web.Response | None:
    """The error a server of the `supported` kind answers to `response_format`, or None."""
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind in (None, "text"):
        return None
    if supported == "json_object" and kind != "json_object":
        return _openai_error(500, LLAMA_CPP_REFUSAL, "internal_server_error")
    if supported == "prompt":
        return _openai_error(400, f"response_format {kind!r} is not supported by this server", "invalid_request_error")
    return None


def _is_json_call(body: dict[str, Any]) -> bool:
    response_format = body.get("response_format")
    return isinstance(response_format, dict) and response_format.get("type") in ("json_schema", "json_object")


def _last_user_text(messages: list[Any]) -> str:
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            return _content_text(message.get("content"))
    return ""


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # multi-part content: keep the text parts
        return "\n".join(
            str(part.get("text", "")) for part in content if isinstance(part, dict) and part.get("type") == "text"
        )
    return ""


def _message_text(user_turn: str) -> str:
    """The member's text from the judge's data block, or the whole turn when there is none."""
    blocks = _DATA_BLOCK.findall(user_turn)
    if not blocks:
        return user_turn
    try:
        data = json.loads(blocks[-1])
    except ValueError:
        return blocks[-1]
    if not isinstance(data, dict):
        return blocks[-1]
    return _block_text(data)


def _blocks(user_turn: str) -> list[Any]:
    """Every data block of the turn, decoded (a block that is not JSON stays a string)."""
    decoded: list[Any] = []
    for raw in _DATA_BLOCK.findall(user_turn):
        try:
            decoded.append(json.loads(raw))
        except ValueError:
            decoded.append(raw)
    return decoded


def _block_text(data: dict[str, Any]) -> str:
    urls = data.get("link_urls") or []
    return " ".join([str(data.get("text") or "")] + [str(url) for url in urls if isinstance(url, str)])


def _verdict(action: str, category: str, confidence: float, reason: str) -> dict[str, Any]:
    return {"action": action, "category": category, "confidence": confidence, "reason": reason}


def _non_negative_int(name: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer")
    return value


def _non_negative_number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{name} must be a non-negative number of seconds")
    return float(value)


def _completion_id() -> str:
    return f"chatcmpl-emu{uuid.uuid4().hex[:20]}"


def _usage(body: dict[str, Any], content: str) -> dict[str, int]:
    # Rough counts (4 characters a token) so clients that read usage see plausible numbers.
    prompt = sum(len(_content_text(m.get("content"))) for m in body.get("messages", []) if isinstance(m, dict))
    prompt_tokens, completion_tokens = max(1, prompt // 4), max(1, len(content) // 4)
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
    }
