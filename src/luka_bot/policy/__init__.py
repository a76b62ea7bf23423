"""Per-group settings as plain pydantic models; a leaf package every layer may import."""

from luka_bot.policy.group import GroupSettings

__all__ = ["GroupSettings"]
