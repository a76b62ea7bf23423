"""`build_app(settings)`: the one place that constructs and wires everything."""

from __future__ import annotations

import asyncio
import signal
from contextlib import suppress
from dataclasses import dataclass, field

import structlog
from aiogram import Bot, Dispatcher
from aiogram.methods import GetUpdates
from aiohttp import web

from luka_bot.llm.client import LlmClient
from luka_bot.metrics import Metrics
from luka_bot.settings import Role, Settings
from luka_bot.store.conversation import ConversationStore
from luka_bot.store.group_settings import GroupSettingsRepository
from luka_bot.store.keys import Keys
from luka_bot.store.redis import RedisHandle, open_redis
from luka_bot.community.reputation import ReputationStore
from luka_bot.community.sanctions import SanctionStore
from luka_bot.jobs.queue import JobQueue
from luka_bot.jobs.worker import Worker
from luka_bot.moderation.cascade import Cascade
from luka_bot.moderation.classifier import SpamClassifier
from luka_bot.moderation.judge import LlmJudge
from luka_bot.moderation.learning import GroupLearning
from luka_bot.store.audit import AuditLog
from luka_bot.store.moderation_state import RedisLlmBudget, RedisSampleStore, RedisVerdictCache
from luka_bot.store.signals import SignalStore
from luka_bot.telegram.achievement_announcer import AchievementAnnouncer
from luka_bot.telegram.admins import AdminCache
from luka_bot.telegram.cases import CaseStore
from luka_bot.telegram.enforcement import Enforcer
from luka_bot.telegram.moderation_jobs import InlineModeration, ModerationJobHandler
from luka_bot.telegram.intake import IntakeMiddleware
from luka_bot.telegram.middlewares import InFlightUpdates, PollWatch, ReceivedAt
from luka_bot.telegram.rate_limit import OutboundLimiter
from luka_bot.telegram.routers import appeals, assistant, community, members, private
from luka_bot.telegram.routers import gate as gate_router
from luka_bot.gate.repository import GateRepository
from luka_bot.telegram.gatekeeper import Gatekeeper, JoinRequestDesk
from luka_bot.gate.cas import CasLookup
from luka_bot.telegram.raid_lock import RaidLock
from luka_bot.telegram.routers import settings as settings_menu
from luka_bot.telegram.session import build_bot
from luka_bot.web.dashboard import add_dashboard
from luka_bot.web.server import Health, create_web_app

log = structlog.get_logger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "chat_member", "my_chat_member",
                   "chat_join_request"]


@dataclass
class App:
    settings: Settings
    role: Role
    redis: RedisHandle
    keys: Keys
    metrics: Metrics
    health: Health
    bot: Bot
    dispatcher: Dispatcher
    llm: LlmClient
    queue: JobQueue
    worker: Worker
    enforcer: Enforcer
    group_settings: GroupSettingsRepository
    audit: AuditLog
    in_flight: InFlightUpdates
    gatekeeper: Gatekeeper | None = None
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _web_runner: web.AppRunner | None = None
    web_port: int | None = None

    async def start_web(self) -> None:
        app = create_web_app(self.health, self.metrics, receives_updates=self.role is not Role.WORKER)
        add_dashboard(app, token=self.settings.dashboard_token, redis=self.redis.client, keys=self.keys,
                      queue=self.queue, audit=self.audit, group_settings=self.group_settings)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "0.0.0.0", self.settings.web_port)  # noqa: S104 - probes come from outside
        await site.start()
        self._web_runner = runner
        self.web_port = runner.addresses[0][1]
        log.info("web.started", port=self.web_port)

    def request_stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Run until SIGTERM/SIGINT or `request_stop()`, then shut down in order."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with suppress(NotImplementedError, RuntimeError):  # not in the main thread (tests)
                loop.add_signal_handler(sig, self.request_stop)
        await self.start_web()
        tasks: list[asyncio.Task[None]] = []         # end by themselves once stopped
        sweeper: asyncio.Task[None] | None = None     # loops until cancelled
        try:
            if self.role is not Role.WORKER:
                me = await self.bot.me()
                self.dispatcher["me"] = me
                # A short probe proves the update channel works before the first long poll
                # returns (which may take its full timeout). Without an offset it confirms
                # nothing, so the updates it sees are delivered again to the polling loop.
                await self.bot(GetUpdates(timeout=0, limit=1, allowed_updates=ALLOWED_UPDATES))
                log.info("bot.started", username=me.username, role=self.role.value)
                tasks.append(asyncio.create_task(self._poll(), name="polling"))
            if self.role is not Role.GATEWAY:
                await self.queue.ensure_group()
                tasks.append(asyncio.create_task(self.worker.run(), name="worker"))
                sweeper = asyncio.create_task(self._sweep_notices(), name="notices")
                if self.gatekeeper is not None:  # captcha deadlines live in Redis: any worker sweeps them
                    tasks.append(asyncio.create_task(self._sweep_gate(), name="gate"))
                self.health.worker_running = True
            await self._stopping.wait()
        finally:
            log.info("bot.stopping")
            # Intake first, so no new job starts; then the worker drains within the deadline and
            # leaves the rest pending in the stream for the next start.
            if self.role is not Role.WORKER:
                with suppress(RuntimeError):  # polling may not have started
                    await self.dispatcher.stop_polling()
            # Updates being handled (a streaming answer) and jobs in flight share one deadline.
            drains = []
            if self.role is not Role.WORKER:
                drains.append(self.in_flight.drain(self.settings.shutdown_deadline))
            if self.role is not Role.GATEWAY:
                drains.append(self.worker.stop(self.settings.shutdown_deadline))
            await asyncio.gather(*drains)
            self.health.worker_running = False
            if sweeper is not None:
                sweeper.cancel()
                with suppress(asyncio.CancelledError):
                    await sweeper
            for task in tasks:
                with suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(task, timeout=self.settings.shutdown_deadline)
            await self.close()

    async def _sweep_notices(self) -> None:
        while True:
            try:
                await self.enforcer.delete_due_notices()
            except Exception as exc:  # the edge of a background loop: log, keep sweeping
                log.warning("notices.sweep_failed", error=str(exc))
            await asyncio.sleep(1.0)

    async def _sweep_gate(self) -> None:
        assert self.gatekeeper is not None
        while not self._stopping.is_set():
            try:
                await self.gatekeeper.sweep()
            except Exception as exc:  # noqa: BLE001 - the edge of a background loop: log, keep sweeping
                log.warning("gate.sweep_failed", error=str(exc))
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=1.0)

    async def _poll(self) -> None:
        await self.dispatcher.start_polling(
            self.bot, handle_signals=False, close_bot_session=False,
            allowed_updates=ALLOWED_UPDATES, polling_timeout=25,
            tasks_concurrency_limit=self.settings.gateway_concurrency)

    async def close(self) -> None:
        if self._web_runner is not None:
            await self._web_runner.cleanup()
        await self.bot.session.close()
        await self.llm.aclose()
        if self.gatekeeper is not None:
            await self.gatekeeper.aclose()
        await self.redis.close()
        log.info("bot.stopped")


async def build_app(settings: Settings, role: Role = Role.ALL) -> App:
    metrics = Metrics()
    health = Health()
    keys = Keys(prefix=settings.redis_key_prefix)
    redis = await open_redis(settings.redis_url, settings.data_dir)
    bot = build_bot(settings.bot_token, settings.telegram_api_url, metrics)
    bot.session.middleware(PollWatch(health))
    llm = LlmClient(settings.llm_base_url, settings.llm_api_key, timeout=settings.llm_timeout, metrics=metrics)

    conversation = ConversationStore(redis.client, keys)
    group_settings = GroupSettingsRepository(redis.client, keys, default_judge=settings.llm_judge.value)
    limiter = OutboundLimiter(redis.client, keys)

    admins = AdminCache(bot, redis.client, keys)
    reputation = ReputationStore(redis.client, keys)
    sanctions = SanctionStore(redis.client, keys)
    learning = GroupLearning(RedisSampleStore(redis.client, keys))
    cases = CaseStore(redis.client, keys)
    judge = LlmJudge(llm, settings.moderation_model, timeout=settings.judge_timeout, metrics=metrics)
    cascade = Cascade(SpamClassifier.load(), judge=judge, cache=RedisVerdictCache(redis.client, keys),
                      budget=RedisLlmBudget(redis.client, keys), learning=learning,
                      max_concurrent_llm=settings.judge_concurrency)
    audit = AuditLog(redis.client, keys)
    gate_repo = GateRepository(redis.client, keys)
    gatekeeper = Gatekeeper(bot, redis.client, keys, repo=gate_repo, group_settings=group_settings, admins=admins,
                            audit=audit, cases=cases, limiter=limiter, notice_lifetime=settings.notice_lifetime,
                            cas=CasLookup(redis.client, keys, settings.cas_url, timeout=settings.cas_timeout))
    enforcer = Enforcer(bot, redis.client, keys, conversation=conversation, reputation=reputation,
                        sanctions=sanctions, audit=audit, limiter=limiter, metrics=metrics,
                        notice_lifetime=settings.notice_lifetime, cases=cases, after_ban=gatekeeper.spread_ban)
    queue = JobQueue(redis.client, keys, max_attempts=settings.job_max_attempts)
    handler = ModerationJobHandler(decider=cascade, enforcer=enforcer, group_settings=group_settings,
                                   reputation=reputation, admins=admins, signals=SignalStore(redis.client, keys),
                                   metrics=metrics,
                                   achievements=AchievementAnnouncer(bot, reputation, limiter), approved=gate_repo)
    worker = Worker(queue, handler, consumer=settings.worker_name, concurrency=settings.worker_concurrency,
                    reclaim_idle_ms=int(settings.job_reclaim_idle * 1000), metrics=metrics)

    dispatcher = Dispatcher(
        app_settings=settings, llm=llm, conversation=conversation, group_settings=group_settings,
        limiter=limiter, metrics=metrics, keys=keys, redis=redis.client, admins=admins,
        reputation=reputation, sanctions=sanctions, learning=learning, enforcer=enforcer, cases=cases,
        gatekeeper=gatekeeper, join_desk=JoinRequestDesk(gatekeeper),
    )
    inline = InlineModeration(decider=cascade, enforcer=enforcer, admins=admins, metrics=metrics, approved=gate_repo)
    in_flight = InFlightUpdates()
    dispatcher.update.outer_middleware(in_flight)
    dispatcher.update.outer_middleware(ReceivedAt(metrics))
    # Before intake: a newcomer's link or media during a raid is removed before it is recorded or counted.
    dispatcher.update.outer_middleware(RaidLock(gatekeeper, reputation, group_settings, admins))
    dispatcher.update.outer_middleware(IntakeMiddleware(queue, keys, group_settings, metrics, fast_tier=inline))
    # The gate sees chat_member joins before the members router (it passes them on with SkipHandler).
    dispatcher.include_routers(gate_router.create_router())
    dispatcher.include_routers(settings_menu.create_router(), private.create_router(), members.create_router(),
                               community.create_router(), appeals.create_router(), assistant.create_router())
    return App(settings=settings, role=role, redis=redis, keys=keys, metrics=metrics, health=health,
               bot=bot, dispatcher=dispatcher, llm=llm, queue=queue, worker=worker, enforcer=enforcer,
               group_settings=group_settings, audit=audit, in_flight=in_flight, gatekeeper=gatekeeper)
