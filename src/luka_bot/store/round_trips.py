"""Commands of many callers, queued in the same turn of the event loop, sent in one round trip.

The gateway takes in a whole getUpdates batch at once (one task per update) and the worker runs a
batch of jobs side by side; their Redis steps line up: every update's intake, every job's first
look, every job's ack come in the same turn. Sent one pipeline per caller, each step costs a round
trip per message, and most of the client's CPU is per round trip (a pooled connection, a write, a
read loop, a timeout), not per command. Here the first caller of a turn opens a batch, every
caller of that turn queues its commands on it, and one pipeline is sent once the turn is over
(`loop.call_soon` runs after every task step already due in this turn).

What each caller gets is exactly what its own pipeline would have given: its commands' replies,
in order, or the first error among them (raised to that caller only); a connection fault fails
every caller of the batch, as it would have failed each of their round trips. The batch is not a
transaction: each caller's atomic step must be one command (a Lua script), which is how the
callers here write anything that must not be half done.

Scripts go by EVALSHA (the body is not sent every time). A server that does not know one (after
a restart or SCRIPT FLUSH) answers NOSCRIPT for it alone; the batch then loads the missing bodies
and sends those commands again, so a script may run after the other commands of its batch, never
twice and never not at all. Callers queue nothing that reads a script's effect in the same batch.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import NoScriptError, ResponseError


@dataclass(frozen=True, slots=True)
class Script:
    """A Lua script known by its SHA1, so batches send EVALSHA, never the body."""

    body: str
    sha: str

    @classmethod
    def of(cls, body: str) -> Script:
        return cls(body, hashlib.sha1(body.encode()).hexdigest())

    def queue(self, pipe: Any, keys: Sequence[Any], args: Sequence[Any]) -> None:
        """Queue one call of this script on `pipe`: EVALSHA on a batch (which mends a NOSCRIPT);
        EVAL with the body on any other pipeline, where a NOSCRIPT inside a MULTI could not be
        mended (the server caches the compiled body by its hash either way)."""
        note = getattr(pipe, "note_script", None)
        if note is None:
            pipe.eval(self.body, len(keys), *keys, *args)
            return
        note(self)
        # As a raw command: redis-py's cluster pipeline blocks its `evalsha` method (not the
        # command), and routes a raw EVALSHA by its first key like any keyed command.
        pipe.execute_command("EVALSHA", self.sha, len(keys), *keys, *args)


def _commands(pipe: Any) -> list[Sequence[Any]]:
    """The commands queued on `pipe`, each as its arguments: a plain pipeline keeps them in
    `command_stack` (with their options), a cluster pipeline in its strategy's queue."""
    stack = getattr(pipe, "command_stack", None)
    if stack is not None:
        return [args for args, _ in stack]
    return [command.args for command in pipe._execution_strategy._command_queue]


def _is_noscript(reply: Any) -> bool:
    return isinstance(reply, NoScriptError) or (isinstance(reply, ResponseError) and str(reply).startswith("NOSCRIPT"))


class CallerPipe:
    """One caller's view of the batch: it queues as on a pipeline of its own (its length and
    command stack count its own commands only, so index-keeping helpers work unchanged)."""

    def __init__(self, batch: _Batch) -> None:
        self._batch = batch
        self._pipe = batch.pipe
        self._start = len(batch.pipe)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pipe, name)

    def __len__(self) -> int:
        return len(self._pipe) - self._start

    @property
    def command_stack(self) -> list[Any]:
        return _commands(self._pipe)[self._start :]

    def note_script(self, script: Script) -> None:
        self._batch.lua_bodies[script.sha] = script.body


class _Batch:
    __slots__ = ("done", "lua_bodies", "pipe")

    def __init__(self, pipe: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.pipe = pipe  # a redis-py pipeline without MULTI (the client's own kind: plain or cluster)
        self.done: asyncio.Future[list[Any]] = loop.create_future()
        self.lua_bodies: dict[str, str] = {}  # sha -> body of the scripts queued, to mend a NOSCRIPT


class RoundTrips:
    def __init__(self, redis: aioredis.Redis, *, on_round_trip: Callable[[int], None] | None = None) -> None:
        self._redis = redis
        self._batch: _Batch | None = None
        self._on_round_trip = on_round_trip  # told each batch's size (a metric)
        self._flushes: set[asyncio.Task[None]] = set()

    async def send(self, queue: Callable[[Any], object]) -> list[Any]:
        """`queue(pipe)` queues this caller's commands; returns their replies, in order.

        Raises the first error among them (a NOSCRIPT is mended first), or the batch's
        connection fault."""
        batch = self._batch
        if batch is None:
            loop = asyncio.get_running_loop()
            batch = self._batch = _Batch(self._redis.pipeline(transaction=False), loop)
            loop.call_soon(self._flush, batch)
        start = len(batch.pipe)
        queue(CallerPipe(batch))
        end = len(batch.pipe)
        results = await asyncio.shield(batch.done)
        mine = results[start:end]
        for reply in mine:
            if isinstance(reply, Exception):
                raise reply
        return mine

    async def call(self, script: Script, keys: Sequence[Any], args: Sequence[Any]) -> Any:
        """One script call, sharing the turn's round trip."""
        (reply,) = await self.send(lambda pipe: script.queue(pipe, keys, args))
        return reply

    # --- sending -----------------------------------------------------------------------------
    def _flush(self, batch: _Batch) -> None:
        if self._batch is batch:
            self._batch = None  # callers from now on open the next batch
        task = asyncio.ensure_future(self._execute(batch))
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)

    async def _execute(self, batch: _Batch) -> None:
        stack = _commands(batch.pipe)  # execute() empties it
        try:
            if not stack:
                batch.done.set_result([])
                return
            if self._on_round_trip is not None:
                self._on_round_trip(len(stack))
            results = list(await batch.pipe.execute(raise_on_error=False))
            missing = [i for i, reply in enumerate(results) if _is_noscript(reply)]
            if missing:
                await self._resend_scripts(batch.lua_bodies, stack, results, missing)
        except asyncio.CancelledError:  # the loop is shutting down: so are its callers
            batch.done.cancel()
            raise
        except Exception as exc:  # noqa: BLE001 - a connection fault: every caller of the batch sees it
            batch.done.set_exception(exc)
            return
        finally:
            await batch.pipe.reset()
        batch.done.set_result(results)

    async def _resend_scripts(
        self, scripts: dict[str, str], stack: list[Sequence[Any]], results: list[Any], missing: list[int]
    ) -> None:
        """Load the scripts the server lost and run the commands that met NOSCRIPT again (rare:
        after a restart or SCRIPT FLUSH). The loads go as plain commands, so a cluster client
        loads them on every node."""
        for sha in {str(stack[i][1]) for i in missing}:
            body = scripts.get(sha)
            if body is not None:  # not ours: the NOSCRIPT stands
                await self._redis.script_load(body)
        async with self._redis.pipeline(transaction=False) as pipe:
            for i in missing:
                pipe.execute_command(*stack[i])
            replies = await pipe.execute(raise_on_error=False)
        for i, reply in zip(missing, replies, strict=True):
            results[i] = reply
        if self._on_round_trip is not None:
            self._on_round_trip(len(replies))

    @property
    def in_flight(self) -> int:
        return len(self._flushes)
