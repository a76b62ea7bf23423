"""Per-group sanction ladder, rewards and penalties. Owned by the community work."""

from __future__ import annotations

from pydantic import BaseModel


class LadderPolicy(BaseModel):
    pass
