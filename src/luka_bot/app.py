"""`build_app(settings)`: the one place that constructs and wires everything."""

from __future__ import annotations

import asyncio
import signal
from contextlib import suppress
from dataclasses import dataclass, field

import structlog
from aiogram import Bot, Dispatcher
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
from luka_bot.telegram.middlewares import InFlightUpdates, ReceivedAt
from luka_bot.telegram.migration import ChatMigration, FollowMigration, MigratingJobs, MigrationWatch
from luka_bot.telegram.polling import Poller, RawGetUpdates
from luka_bot.telegram.rate_limit import OutboundLimiter
from luka_bot.telegram.routers import appeals, assistant, community, members, private
from luka_bot.telegram.routers import settings as settings_menu
from luka_bot.telegram.session import build_bot
from luka_bot.web.dashboard import add_dashboard
from luka_bot.web.server import Health, create_web_app

log = structlog.get_logger(__name__)

ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "chat_member", "my_chat_member"]
STORAGE_PING_TIMEOUT = 2.0


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
    poller: Poller
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _web_runner: web.AppRunner | None = None
    web_port: int | None = None

    async def start_web(self) -> None:
        app = create_web_app(self.health, self.metrics)
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
        # loop until cancelled: the notice sweeper, the storage watch, the embedded Valkey's supervisor
        background: list[asyncio.Task[None]] = [
            asyncio.create_task(self._watch_storage(), name="storage-watch"),
            asyncio.create_task(self.redis.supervise(self.metrics), name="storage-supervisor"),
        ]
        try:
            if self.role is not Role.WORKER:
                me = await self.bot.me()
                self.dispatcher["me"] = me
                # A short probe proves the update channel works before the first long poll
                # returns (which may take its full timeout). Without an offset it confirms
                # nothing, so the updates it sees are delivered again to the polling loop.
                await self.bot(RawGetUpdates(timeout=0, limit=1, allowed_updates=ALLOWED_UPDATES))
                self.health.mark_polled()
                log.info("bot.started", username=me.username, role=self.role.value)
                tasks.append(asyncio.create_task(self.poller.run(bots=[self.bot]), name="polling"))
            if self.role is not Role.GATEWAY:
                await self.queue.ensure_group()
                worker_task = asyncio.create_task(self.worker.run(), name="worker")
                worker_task.add_done_callback(self._worker_ended)
                tasks.append(worker_task)
                background.append(asyncio.create_task(self._sweep_notices(), name="notices"))
                self.health.worker_heartbeat = lambda: self.worker.last_beat
                self.health.worker_running = True
            await self._stopping.wait()
        finally:
            log.info("bot.stopping")
            self.health.stopping = True
            # Intake first, so no new job starts; then the worker drains within the deadline and
            # leaves the rest pending in the stream for the next start.
            self.poller.stop()
            # Updates being handled (a streaming answer) and jobs in flight share one deadline.
            drains = []
            if self.role is not Role.WORKER:
                drains.append(self.in_flight.drain(self.settings.shutdown_deadline))
            if self.role is not Role.GATEWAY:
                drains.append(self.worker.stop(self.settings.shutdown_deadline))
            await asyncio.gather(*drains)
            self.health.worker_running = False
            for task in background:
                task.cancel()
                with suppress(asyncio.CancelledError, Exception):
                    await task
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

    def _worker_ended(self, task: asyncio.Task[None]) -> None:
        # The worker loop ends only when stopped; ending any other way is an outage health must show.
        if not self._stopping.is_set():
            self.health.worker_running = False
            error = None if task.cancelled() else task.exception()
            log.error("jobs.worker_loop_ended", error=repr(error))

    async def _watch_storage(self) -> None:
        """PING Redis every second, so health shows an outage within seconds even when no update
        or job happens to touch storage."""
        while True:
            try:
                await asyncio.wait_for(self.redis.client.ping(), timeout=STORAGE_PING_TIMEOUT)
                self.health.storage_ok()
            except Exception as exc:  # noqa: BLE001 - any failure is the outage being reported
                if not self.health.storage_error:
                    log.warning("store.unreachable", error=f"{type(exc).__name__}: {exc}"[:300])
                self.health.storage_failed(f"{type(exc).__name__}: {exc}"[:200])
            self.health.export(self.metrics)
            await asyncio.sleep(1.0)

    async def close(self) -> None:
        if self._web_runner is not None:
            await self._web_runner.cleanup()
        await self.bot.session.close()
        await self.llm.aclose()
        await self.redis.close()
        log.info("bot.stopped")


async def build_app(settings: Settings, role: Role = Role.ALL) -> App:
    metrics = Metrics()
    health = Health(receives_updates=role is not Role.WORKER, runs_worker=role is not Role.GATEWAY)
    keys = Keys(prefix=settings.redis_key_prefix)
    redis = await open_redis(settings.redis_url, settings.data_dir)
    health.storage_ok()  # open_redis PINGed it; the storage watch takes over from here
    bot = build_bot(settings.bot_token, settings.telegram_api_url, metrics)
    llm = LlmClient(settings.llm_base_url, settings.llm_api_key, timeout=settings.llm_timeout, metrics=metrics)

    conversation = ConversationStore(redis.client, keys)
    group_settings = GroupSettingsRepository(redis.client, keys, default_judge=settings.llm_judge.value)
    migration = ChatMigration(redis.client, keys, group_settings, metrics)
    bot.session.middleware(FollowMigration(migration))
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
    enforcer = Enforcer(bot, redis.client, keys, conversation=conversation, reputation=reputation,
                        sanctions=sanctions, audit=audit, limiter=limiter, metrics=metrics,
                        notice_lifetime=settings.notice_lifetime, cases=cases)
    queue = JobQueue(redis.client, keys, max_attempts=settings.job_max_attempts)
    handler = ModerationJobHandler(decider=cascade, enforcer=enforcer, group_settings=group_settings,
                                   reputation=reputation, admins=admins, signals=SignalStore(redis.client, keys),
                                   metrics=metrics,
                                   achievements=AchievementAnnouncer(bot, reputation, limiter))
    worker = Worker(queue, MigratingJobs(handler, migration), consumer=settings.worker_name,
                    concurrency=settings.worker_concurrency,
                    reclaim_idle_ms=int(settings.job_reclaim_idle * 1000), metrics=metrics)

    dispatcher = Dispatcher(
        app_settings=settings, llm=llm, conversation=conversation, group_settings=group_settings,
        limiter=limiter, metrics=metrics, keys=keys, redis=redis.client, admins=admins,
        reputation=reputation, sanctions=sanctions, learning=learning, enforcer=enforcer, cases=cases,
    )
    inline = InlineModeration(decider=cascade, enforcer=enforcer, admins=admins, metrics=metrics)
    in_flight = InFlightUpdates()
    dispatcher.update.outer_middleware(in_flight)
    dispatcher.update.outer_middleware(ReceivedAt(metrics))
    dispatcher.update.outer_middleware(MigrationWatch(migration))
    dispatcher.update.outer_middleware(IntakeMiddleware(queue, keys, group_settings, metrics, fast_tier=inline))
    poller = Poller(bot, dispatcher, health, metrics, storage_ping=redis.client.ping,
                    allowed_updates=ALLOWED_UPDATES, polling_timeout=25,
                    concurrency=settings.gateway_concurrency)
    dispatcher.include_routers(settings_menu.create_router(), private.create_router(), members.create_router(),
                               community.create_router(), appeals.create_router(), assistant.create_router())
    return App(settings=settings, role=role, redis=redis, keys=keys, metrics=metrics, health=health,
               bot=bot, dispatcher=dispatcher, llm=llm, queue=queue, worker=worker, enforcer=enforcer,
               group_settings=group_settings, audit=audit, in_flight=in_flight, poller=poller)
