"""Every argument a handler or filter of the bot's routers asks for is one the dispatcher has:
a field of `Services`, what aiogram itself supplies, or what a filter before it gives. A renamed
service or a misspelled parameter fails here, not at the first update that reaches the handler."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import fields
from typing import Any

from aiogram import Router

import luka_bot.telegram.routers as routers_package
from luka_bot.telegram.services import Services

# What aiogram puts in the data itself, what the app adds at startup (`me`) or per update
# (middlewares), and what filters give the handlers after them.
AIOGRAM = {"bot", "event_update", "event_router", "event_from_user", "event_chat", "event_thread_id", "handler"}
# No "state", "raw_state" or "fsm_storage": the dispatcher runs without aiogram's FSM (app.py).
AIOGRAM |= {"dispatcher", "event_context", "event_business_connection_id"}
APP = {"me", "received_at", "services"}
FROM_FILTERS = {"command", "callback_data", "call", "target"}


def _routers() -> Iterator[Router]:
    for info in pkgutil.iter_modules(routers_package.__path__):
        module = importlib.import_module(f"{routers_package.__name__}.{info.name}")
        if hasattr(module, "create_router"):
            yield module.create_router()


def _callables(router: Router) -> Iterator[tuple[str, Callable[..., Any]]]:
    for observer in router.observers.values():
        for handler in observer.handlers:
            yield handler.callback.__qualname__, handler.callback
            for flt in handler.filters or ():
                yield f"{handler.callback.__qualname__} filter", flt.callback


def test_every_handler_argument_is_in_the_dispatchers_data() -> None:
    known = {f.name for f in fields(Services)} | AIOGRAM | APP | FROM_FILTERS
    missing: dict[str, list[str]] = {}
    seen = 0
    for router in _routers():
        for name, callback in _callables(router):
            params = list(inspect.signature(callback).parameters.values())[1:]  # the event is first
            required = [
                p.name
                for p in params
                if p.default is inspect.Parameter.empty and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
            ]
            seen += 1
            unknown = [p for p in required if p not in known]
            if unknown:
                missing[name] = unknown
    assert seen > 50  # the walk reached the routers' handlers
    assert not missing, f"handlers ask for what the dispatcher does not have: {missing}"


def test_the_dispatchers_data_is_every_service_and_the_whole() -> None:
    # Built from a Services whose fields are stand-ins: only the names and the identity matter here.
    stand_ins: dict[str, Any] = {f.name: object() for f in fields(Services)}
    services = Services(**stand_ins)
    data = services.workflow_data()
    assert Services.of(data) is services
    assert {k: v for k, v in data.items() if k != "services"} == stand_ins
