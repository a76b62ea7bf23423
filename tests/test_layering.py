"""The package layering CONTRIBUTING.md states, checked on the source: a new import that crosses a
layer the wrong way, or closes a cycle between packages, fails here with the module that did it.

Imports are read with `ast`, not by importing, so an import inside a function or under
TYPE_CHECKING counts as well: a type-only dependency is still a dependency of the layer.
"""

from __future__ import annotations

import ast
import itertools
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PROJECT = "luka_bot"

# package -> what it must never import (project packages by their top-level name, or outside
# libraries by their import name). "*" is every project package but the ones in ALLOWED.
FORBIDDEN: dict[str, set[str]] = {
    "domain": {"*"},
    "policy": {"*"},
    "texts": {"*"},
    "moderation": {"aiogram", "redis", "store", "telegram", "community", "gate", "jobs", "web", "app"},
    "store": {"aiogram", "moderation", "telegram", "community", "gate", "jobs", "web", "assistant", "app"},
    "community": {"aiogram", "telegram", "web", "app"},
    "assistant": {"aiogram", "redis", "store", "telegram", "web", "app"},
    "llm": {"aiogram", "redis", "store", "telegram", "moderation", "web", "app"},
    "telegram": {"web", "app"},
}
# What a package marked "*" may still import: the leaves below it.
ALLOWED: dict[str, set[str]] = {
    "domain": set(),
    "policy": {"domain"},
    "texts": {"domain", "policy"},
}
OUTSIDE = {"aiogram", "redis"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imported(path: Path, module: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                names.add(".".join(base + ([node.module] if node.module else [])))
            elif node.module:
                names.add(node.module)
    return names


def _layer(name: str) -> str | None:
    """The top-level package (or module) of the project a dotted name is in; for an outside
    library the library's name when it is one the rules name, else None."""
    parts = name.split(".")
    if parts[0] == PROJECT:
        return parts[1] if len(parts) > 1 else PROJECT
    return parts[0] if parts[0] in OUTSIDE else None


def _edges() -> dict[tuple[str, str], list[str]]:
    """(from layer, to layer) -> the modules that make that edge."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted((SRC / PROJECT).rglob("*.py")):
        module = _module_name(path)
        source = _layer(module)
        assert source is not None
        for name in _imported(path, module):
            target = _layer(name)
            if target is not None and target != source:
                edges[(source, target)].append(module)
    return edges


EDGES = _edges()


def test_the_walker_sees_the_imports_it_checks() -> None:
    # Without this, a walker that found nothing would pass every rule below.
    assert ("app", "telegram") in EDGES and ("telegram", "aiogram") in EDGES and ("moderation", "domain") in EDGES


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_layer_imports_only_what_it_may(layer: str) -> None:
    banned = FORBIDDEN[layer]
    wrong = {}
    for (source, target), modules in EDGES.items():
        if source != layer:
            continue
        if target in banned or ("*" in banned and target not in OUTSIDE and target not in ALLOWED[layer]):
            wrong[target] = sorted(set(modules))
    assert not wrong, f"{layer}/ must not import {sorted(wrong)}; the imports are in {wrong}"


def test_no_cycle_between_packages() -> None:
    graph: dict[str, set[str]] = defaultdict(set)
    for source, target in EDGES:
        if target not in OUTSIDE:
            graph[source].add(target)

    def path_back(start: str) -> list[str] | None:
        # Depth-first from each neighbour back to `start`; the path names the cycle.
        stack: list[tuple[str, list[str]]] = [(n, [start, n]) for n in graph[start]]
        seen: set[str] = set()
        while stack:
            node, path = stack.pop()
            if node == start:
                return path
            if node in seen:
                continue
            seen.add(node)
            stack.extend((n, [*path, n]) for n in graph[node])
        return None

    cycles = [cycle for layer in sorted(graph) if (cycle := path_back(layer))]
    detail = {" -> ".join(c): [EDGES[(a, b)] for a, b in itertools.pairwise(c)] for c in cycles}
    assert not cycles, f"import cycles between packages: {detail}"
