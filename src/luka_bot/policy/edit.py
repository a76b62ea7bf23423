"""Changing one field of a group's rules policy by its dotted path, safely.

Admins write `/policy set floods.max_emojis 20` or `/policy add stop_words buy now`. The path is
looked up in the policy's own dumped data (so only existing fields can be named), the change is
made on that plain dict, and the whole policy is validated again by pydantic: a wrong type or an
out-of-range number is refused with pydantic's reason. Nothing here calls setattr.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from pydantic import ValidationError

from luka_bot.policy.rules import RulesPolicy

MAX_LIST_ITEMS = 500
MAX_ITEM_LENGTH = 200


class PolicyEditError(ValueError):
    """The edit cannot be made; the message says why, in plain words."""


class Operation(StrEnum):
    SET = "set"
    ADD = "add"
    REMOVE = "remove"


def _parent(data: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
    parts = path.split(".")
    node: Any = data
    for part in parts[:-1]:
        if not isinstance(node, dict) or part not in node or not isinstance(node[part], dict):
            raise PolicyEditError(f"unknown setting {path!r}")
        node = node[part]
    if not isinstance(node, dict) or parts[-1] not in node:
        raise PolicyEditError(f"unknown setting {path!r}")
    return node, parts[-1]


def _scalar(text: str) -> Any:
    lowered = text.strip().lower()
    if lowered in ("on", "true", "yes", "да", "вкл"):
        return True
    if lowered in ("off", "false", "no", "нет", "выкл"):
        return False
    try:
        return json.loads(text)  # numbers
    except ValueError:
        return text.strip()


def apply_edit(policy: RulesPolicy, operation: Operation, path: str, value: str) -> RulesPolicy:
    data = policy.model_dump(mode="json")
    node, name = _parent(data, path)
    current = node[name]
    if operation is Operation.SET:
        if isinstance(current, (list, dict)):
            raise PolicyEditError(f"{path} is a list: use add or remove")
        node[name] = _scalar(value)
    else:
        if not isinstance(current, list):
            raise PolicyEditError(f"{path} is not a list: use set")
        item = value.strip().lower()
        if not item or len(item) > MAX_ITEM_LENGTH:
            raise PolicyEditError(f"an item must be 1 to {MAX_ITEM_LENGTH} characters")
        if operation is Operation.ADD:
            if item not in current:
                if len(current) >= MAX_LIST_ITEMS:
                    raise PolicyEditError(f"{path} holds at most {MAX_LIST_ITEMS} items")
                current.append(item)
        elif item in current:
            current.remove(item)
        else:
            raise PolicyEditError(f"{item!r} is not in {path}")
    try:
        return RulesPolicy.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise PolicyEditError(f"{path}: {first['msg']}") from None


def describe(policy: RulesPolicy) -> list[tuple[str, Any]]:
    """Every editable setting as (dotted path, value), for `/policy` without arguments."""
    rows: list[tuple[str, Any]] = []

    def walk(prefix: str, node: dict[str, Any]) -> None:
        for key, value in node.items():
            path = f"{prefix}{key}"
            if isinstance(value, dict):
                walk(path + ".", value)
            else:
                rows.append((path, value))

    walk("", policy.model_dump(mode="json"))
    return rows
