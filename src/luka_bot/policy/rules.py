"""Per-group configuration of the rule checks (fast tier). Owned by the fast-tier work."""

from __future__ import annotations

from pydantic import BaseModel


class RulesPolicy(BaseModel):
    stop_words: list[str] = []
