"""The services handlers and middlewares receive, as one typed object.

aiogram hands a handler each of its parameters by name from the dispatcher's data (its
"workflow data"). Built from `Services`, that data has exactly these names with these types,
and code that reads the data itself (a middleware) takes `data["services"]` and gets attributes
mypy checks, instead of an untyped `data["redis"]`. build_app (app.py) makes the one instance.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

import redis.asyncio as aioredis

from luka_bot.assistant.knowledge import KnowledgeIndex
from luka_bot.community.reputation import ReputationStore
from luka_bot.community.sanctions import SanctionStore
from luka_bot.llm.providers import ProviderChain
from luka_bot.metrics import Metrics
from luka_bot.moderation.learning import GroupLearning
from luka_bot.settings import Settings
from luka_bot.store.console_links import ConsoleLinks
from luka_bot.store.conversation import ConversationStore
from luka_bot.store.group_settings import GroupSettingsRepository
from luka_bot.store.keys import Keys
from luka_bot.store.known_groups import KnownGroups
from luka_bot.store.notes import NotesStore
from luka_bot.store.private_chats import PrivateChats
from luka_bot.store.usage import UsageStore
from luka_bot.telegram.admins import AdminCache
from luka_bot.telegram.cases import CaseStore
from luka_bot.telegram.enforcement import Enforcer
from luka_bot.telegram.gatekeeper import Gatekeeper, JoinRequestDesk
from luka_bot.telegram.media_spam import MediaSpamGuard
from luka_bot.telegram.rate_limit import OutboundLimiter
from luka_bot.telegram.reaction_guard import ReactionGuard


@dataclass(frozen=True, slots=True, kw_only=True)
class Services:
    app_settings: Settings
    llm: ProviderChain
    conversation: ConversationStore
    group_settings: GroupSettingsRepository
    limiter: OutboundLimiter
    metrics: Metrics
    keys: Keys
    redis: aioredis.Redis
    admins: AdminCache
    reputation: ReputationStore
    sanctions: SanctionStore
    learning: GroupLearning
    enforcer: Enforcer
    cases: CaseStore
    gatekeeper: Gatekeeper
    join_desk: JoinRequestDesk
    media_spam: MediaSpamGuard
    reaction_guard: ReactionGuard
    usage: UsageStore
    notes: NotesStore
    knowledge: KnowledgeIndex
    console_links: ConsoleLinks
    private_chats: PrivateChats
    known_groups: KnownGroups

    def workflow_data(self) -> dict[str, Any]:
        """The dispatcher's data: each service under its field's name, and the whole as `services`.
        (`me`, the bot's own user, joins at startup, once Telegram has said who the bot is.)"""
        data: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        data["services"] = self
        return data

    @staticmethod
    def of(data: Mapping[str, Any]) -> Services:
        """The services in a middleware's `data`."""
        services = data["services"]
        assert isinstance(services, Services)
        return services
