"""`build_app(settings)`: the one place that constructs and wires everything."""

from __future__ import annotations

import asyncio
import secrets
import signal
from collections.abc import Coroutine
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import structlog
from aiogram import Bot, Dispatcher, Router
from aiogram.exceptions import TelegramAPIError
from aiohttp import web

from luka_bot.assistant.knowledge import KnowledgeIndex
from luka_bot.community.reputation import ReputationStore
from luka_bot.community.sanctions import SanctionStore
from luka_bot.gate.cas import CasLookup
from luka_bot.gate.repository import GateRepository
from luka_bot.jobs.partitions import PartitionedQueue, PartitionedWorker, adopt_legacy_queues
from luka_bot.jobs.queue import JobQueue
from luka_bot.jobs.worker import Worker
from luka_bot.llm.client import LlmClient
from luka_bot.llm.providers import ProviderChain
from luka_bot.metrics import Metrics
from luka_bot.moderation.cascade import Cascade
from luka_bot.moderation.classifier import SpamClassifier
from luka_bot.moderation.judge import LlmJudge
from luka_bot.moderation.learning import GroupLearning
from luka_bot.moderation.media_hash import HashSet
from luka_bot.settings import Role, Settings, StartupError, web_bind_error
from luka_bot.store.action_ledger import ActionLedger
from luka_bot.store.audit import AuditLog
from luka_bot.store.console_links import ConsoleLinks
from luka_bot.store.conversation import ConversationStore
from luka_bot.store.group_settings import GroupSettingsRepository
from luka_bot.store.keys import Keys
from luka_bot.store.known_groups import KnownGroups
from luka_bot.store.media_blocklist import MediaBlocklist
from luka_bot.store.moderation_state import (
    RedisLlmBudget,
    RedisSampleStore,
    RedisVerdictCache,
)
from luka_bot.store.notes import NotesStore
from luka_bot.store.private_chats import PrivateChats
from luka_bot.store.redis import RedisHandle, open_redis
from luka_bot.store.round_trips import RoundTrips
from luka_bot.store.scheduled_deletions import ScheduledDeletions
from luka_bot.store.signals import SignalStore
from luka_bot.store.usage import UsageStore
from luka_bot.telegram.actions.achievement_announcer import AchievementAnnouncer
from luka_bot.telegram.actions.enforcement import Enforcer
from luka_bot.telegram.actions.notices import Notices, NoticeSender
from luka_bot.telegram.actions.rate_limit import OutboundLimiter
from luka_bot.telegram.admins import AdminCache
from luka_bot.telegram.decisions.cases import CaseStore
from luka_bot.telegram.decisions.media_spam import MediaSpamGuard
from luka_bot.telegram.decisions.moderation_jobs import InlineModeration, ModerationJobHandler, member_of_job
from luka_bot.telegram.decisions.reaction_guard import ReactionGuard, ReactionPolicy
from luka_bot.telegram.fsm_storage import StatelessStorage
from luka_bot.telegram.inbound.intake import IntakeMiddleware
from luka_bot.telegram.inbound.middlewares import InFlightUpdates, ReceivedAt
from luka_bot.telegram.inbound.migration import (
    ChatMigration,
    FollowMigration,
    MigratingJobs,
    MigrationWatch,
    adopt_legacy_chat_keys,
)
from luka_bot.telegram.inbound.polling import Poller, RawGetUpdates
from luka_bot.telegram.newcomers.gatekeeper import Gatekeeper, JoinRequestDesk
from luka_bot.telegram.newcomers.raid_lock import RaidLock
from luka_bot.telegram.routers import (
    appeals,
    assistant,
    community,
    knowledge,
    locks,
    members,
    onboarding,
    private,
    reactions,
)
from luka_bot.telegram.routers import console as console_command
from luka_bot.telegram.routers import gate as gate_router
from luka_bot.telegram.routers import settings as settings_menu
from luka_bot.telegram.services import Services
from luka_bot.telegram.session import build_bot
from luka_bot.web.console import Console, ConsoleDeps
from luka_bot.web.dashboard import add_dashboard
from luka_bot.web.server import Health, create_web_app
from luka_bot.web.webhook import IntakeFirstWebhook

log = structlog.get_logger(__name__)

ALLOWED_UPDATES = [
    "message",
    "edited_message",
    "callback_query",
    "chat_member",
    "my_chat_member",
    "chat_join_request",
    # Reaction sprees and the `reaction` lock (telegram/decisions/reaction_guard.py); Telegram
    # sends these only to admin bots, and only when listed here.
    "message_reaction",
]
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
    queue: PartitionedQueue
    worker: PartitionedWorker
    notice_queue: JobQueue
    notice_worker: Worker
    enforcer: Enforcer
    group_settings: GroupSettingsRepository
    audit: AuditLog
    in_flight: InFlightUpdates
    poller: Poller
    console: ConsoleDeps
    # The assistant's provider chain (`llm`, then LLM_FALLBACK_*), for the streaming side to use.
    assistant_llm: ProviderChain | None = None
    # Clients made besides `llm` (the judge's own server, the fallback): closed with the app.
    extra_llm_clients: list[LlmClient] = field(default_factory=list)
    gatekeeper: Gatekeeper | None = None
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _web_runner: web.AppRunner | None = None
    web_port: int | None = None
    _webhook_secret: str = ""

    async def start_web(self) -> None:
        app = create_web_app(
            self.health,
            self.metrics,
            receives_updates=self.role is not Role.WORKER,
            metrics_token=self.settings.dashboard_token if self.settings.metrics_require_token else "",
        )
        add_dashboard(
            app,
            token=self.settings.dashboard_token,
            redis=self.redis.client,
            keys=self.keys,
            queue=self.queue,
            audit=self.audit,
            group_settings=self.group_settings,
        )
        Console(self.console).register(app)
        if self.webhook_mode:
            self._webhook_secret = self.settings.webhook_secret or secrets.token_urlsafe(32)
            # The same dispatcher, so the same intake middlewares, as polling; a wrong or missing
            # X-Telegram-Bot-Api-Secret-Token is answered 401 before anything is parsed. Telegram
            # gets its 200 only once the update is stored, so a crash never loses one.
            IntakeFirstWebhook(
                self.dispatcher,
                self.bot,
                secret_token=self._webhook_secret,
                concurrency=self.settings.gateway_concurrency,
            ).register(app, path=urlsplit(self.settings.webhook_url).path or "/")
        runner = web.AppRunner(app)
        await runner.setup()
        host, port = self.settings.web_host, self.settings.web_port
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as exc:  # port in use, address not on this host: the person must choose
            await runner.cleanup()
            raise StartupError(web_bind_error(host, port, exc)) from None
        self._web_runner = runner
        self.web_port = runner.addresses[0][1]
        self.console.base_url = self.settings.console_url or f"http://{host}:{self.web_port}"
        log.info("web.started", port=self.web_port)

    @property
    def webhook_mode(self) -> bool:
        return bool(self.settings.webhook_url) and self.role is not Role.WORKER

    async def _start_webhook(self) -> None:
        await self.bot.set_webhook(
            self.settings.webhook_url, secret_token=self._webhook_secret, allowed_updates=ALLOWED_UPDATES
        )
        self.health.mark_polled()
        log.info("bot.webhook_set", url=self.settings.webhook_url)

    async def _watch_webhook(self) -> None:
        """Webhook mode has no poll to prove the channel works: Telegram still holding our URL does."""
        while not self._stopping.is_set():
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=30)
            if self._stopping.is_set():
                return
            try:
                info = await self.bot.get_webhook_info()
            except TelegramAPIError as exc:  # network errors included: health goes stale by itself
                log.warning("bot.webhook_check_failed", error=str(exc))
                continue
            if info.url == self.settings.webhook_url:
                self.health.mark_polled()
            else:
                log.warning("bot.webhook_replaced", ours=self.settings.webhook_url, now=info.url or None)

    def request_stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Run until SIGTERM/SIGINT or `request_stop()`, then shut down in order."""
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with suppress(NotImplementedError, RuntimeError):  # not in the main thread (tests)
                loop.add_signal_handler(sig, self.request_stop)
        try:
            await self.start_web()
        except StartupError:
            await self.close()  # the storage opened by build_app, the embedded Valkey with it
            raise
        tasks: list[asyncio.Task[None]] = []  # end by themselves once stopped
        # loop until cancelled: the notice sweeper, the storage watch, the embedded Valkey's supervisor
        background: list[asyncio.Task[None]] = [
            asyncio.create_task(self._watch_storage(), name="storage-watch"),
            asyncio.create_task(self.redis.supervise(self.metrics), name="storage-supervisor"),
        ]
        try:
            if self.role is not Role.WORKER:
                me = await self.bot.me()
                self.dispatcher["me"] = me
                # Startup handlers (command menus per scope and language): our own poller and the
                # webhook both bypass aiogram's start_polling, which would otherwise emit this.
                await self.dispatcher.emit_startup(
                    bot=self.bot, dispatcher=self.dispatcher, **self.dispatcher.workflow_data
                )
                if self.webhook_mode:
                    await self._start_webhook()
                    tasks.append(asyncio.create_task(self._watch_webhook(), name="webhook"))
                else:
                    # A short probe proves the update channel works before the first long poll
                    # returns (which may take its full timeout). Without an offset it confirms
                    # nothing, so the updates it sees are delivered again to the polling loop.
                    await self.bot(RawGetUpdates(timeout=0, limit=1, allowed_updates=ALLOWED_UPDATES))
                    self.health.mark_polled()
                    # Startup handlers (the command menus) ran under start_polling; the own poller
                    # must emit them itself, as webhook mode does.
                    await self.dispatcher.emit_startup(
                        bot=self.bot, dispatcher=self.dispatcher, **self.dispatcher.workflow_data
                    )
                    tasks.append(asyncio.create_task(self.poller.run(bots=[self.bot]), name="polling"))
                log.info(
                    "bot.started",
                    username=me.username,
                    role=self.role.value,
                    updates="webhook" if self.webhook_mode else "polling",
                )
            if self.role is not Role.GATEWAY:
                # Jobs an older version left in its single stream move into today's partitions.
                await adopt_legacy_queues(self.redis.client, self.keys, self.queue, self.notice_queue)
                await self.queue.ensure_group()
                await self.notice_queue.ensure_group()
                worker_task = asyncio.create_task(self.worker.run(), name="worker")
                worker_task.add_done_callback(self._worker_ended)
                tasks.append(worker_task)
                tasks.append(asyncio.create_task(self.notice_worker.run(), name="notices"))
                background.append(asyncio.create_task(self._sweep_notices(), name="notice-sweeper"))
                self.health.worker_heartbeat = lambda: self.worker.last_beat
                if self.gatekeeper is not None:  # captcha deadlines live in Redis: any worker sweeps them
                    tasks.append(asyncio.create_task(self._sweep_gate(), name="gate"))
                self.health.worker_running = True
            await self._stopping.wait()
        finally:
            self._stopping.set()  # also when start-up failed (Telegram unreachable): loops end
            log.info("bot.stopping")
            self.health.stopping = True
            # Intake first, so no new job starts; then the worker drains within the deadline and
            # leaves the rest pending in the stream for the next start.
            if self.webhook_mode:
                with suppress(Exception):  # Telegram unreachable now: the next start sets it again
                    await self.bot.delete_webhook()
                    log.info("bot.webhook_deleted")
            else:
                self.poller.stop()
            # Updates being handled (a streaming answer) and jobs in flight share one deadline.
            drains: list[Coroutine[Any, Any, object]] = []
            if self.role is not Role.WORKER:
                drains.append(self.in_flight.drain(self.settings.shutdown_deadline))
            if self.role is not Role.GATEWAY:
                drains.append(self.worker.stop(self.settings.shutdown_deadline))
                drains.append(self.notice_worker.stop(self.settings.shutdown_deadline))
            await asyncio.gather(*drains)
            self.health.worker_running = False
            for task in background:
                task.cancel()
            # Bounded: a loop that swallowed its cancellation (asyncio.wait_for can, on 3.11) must
            # not hold the shutdown; it ends with the loop that runs it.
            if background:
                await asyncio.wait(background, timeout=5)
            for task in tasks:
                with suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(task, timeout=self.settings.shutdown_deadline)
            await self.close()

    async def _sweep_notices(self) -> None:
        while True:
            try:
                await self.enforcer.delete_due_notices()
            except Exception as exc:  # noqa: BLE001 - the edge of a background loop: log, keep sweeping
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
        while not self._stopping.is_set():
            try:
                await asyncio.wait_for(self.redis.client.ping(), timeout=STORAGE_PING_TIMEOUT)
                self.health.storage_ok()
            except Exception as exc:  # noqa: BLE001 - any failure is the outage being reported
                if not self.health.storage_error:
                    log.warning("store.unreachable", error=f"{type(exc).__name__}: {exc}"[:300])
                self.health.storage_failed(f"{type(exc).__name__}: {exc}"[:200])
            self.health.export(self.metrics)
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

    async def close(self) -> None:
        if self._web_runner is not None:
            await self._web_runner.cleanup()
        await self.bot.session.close()
        await self.llm.aclose()
        for client in self.extra_llm_clients:
            await client.aclose()
        if self.gatekeeper is not None:
            await self.gatekeeper.aclose()
        await self.redis.close()
        log.info("bot.stopped")


def build_judge_llm(
    settings: Settings,
    llm: LlmClient,
    metrics: Metrics | None,
) -> tuple[ProviderChain, LlmClient | None]:
    """The judge's providers: MODERATION_BASE_URL (default: the assistant's client itself), then
    LLM_FALLBACK_BASE_URL when set. Returns the chain and the fallback client (None when unset)."""
    primary = llm
    if settings.moderation_base_url and settings.moderation_base_url != settings.llm_base_url:
        key = settings.moderation_api_key if settings.moderation_api_key is not None else settings.llm_api_key
        primary = LlmClient(settings.moderation_base_url, key, timeout=settings.llm_timeout, metrics=metrics)
    fallback = None
    if settings.llm_fallback_base_url:
        fallback = LlmClient(
            settings.llm_fallback_base_url, settings.llm_fallback_api_key, timeout=settings.llm_timeout, metrics=metrics
        )
    return ProviderChain(primary, fallback, fallback_model=settings.llm_fallback_model, metrics=metrics), fallback


def create_routers() -> list[Router]:
    """Every router, in the order they see updates. (A router acting on plain group messages must
    widen `telegram.addressing.routers_may_act`, the intake's lean path.)"""
    return [
        # The gate sees chat_member joins before the members router (it passes them on with SkipHandler).
        gate_router.create_router(),
        settings_menu.create_router(),
        private.create_router(),
        members.create_router(),
        locks.create_router(),
        reactions.create_router(),
        onboarding.create_router(),
        console_command.create_router(),
        community.create_router(),
        appeals.create_router(),
        knowledge.create_router(),
        assistant.create_router(),
    ]


async def build_app(settings: Settings, role: Role = Role.ALL) -> App:
    metrics = Metrics()
    health = Health(receives_updates=role is not Role.WORKER, runs_worker=role is not Role.GATEWAY)
    keys = Keys(prefix=settings.redis_key_prefix)
    redis = await open_redis(
        settings.redis_url, settings.data_dir, settings.redis_fsync, cluster=settings.redis_cluster
    )
    health.storage_ok()  # open_redis PINGed it; the storage watch takes over from here
    redis.count_round_trips(metrics.redis_round_trips.inc)
    # Chat keys an older version wrote move to their cluster-layout names before anything reads them.
    await adopt_legacy_chat_keys(redis.client, keys)
    bot = build_bot(settings.bot_token, settings.telegram_api_url, metrics)
    llm = LlmClient(settings.llm_base_url, settings.llm_api_key, timeout=settings.llm_timeout, metrics=metrics)
    judge_llm, llm_fallback = build_judge_llm(settings, llm, metrics)

    conversation = ConversationStore(redis.client, keys)
    group_settings = GroupSettingsRepository(redis.client, keys, default_judge=settings.llm_judge.value)
    # The gateway's intakes of one getUpdates batch, and the worker's steps for a batch of jobs,
    # share round trips (store/round_trips.py).
    round_trips = RoundTrips(redis.client)
    migration = ChatMigration(redis.client, keys, group_settings, metrics, round_trips=round_trips)
    bot.session.middleware(FollowMigration(migration))
    limiter = OutboundLimiter(redis.client, keys)

    admins = AdminCache(bot, redis.client, keys)
    reputation = ReputationStore(redis.client, keys, round_trips=round_trips)
    sanctions = SanctionStore(redis.client, keys)
    learning = GroupLearning(RedisSampleStore(redis.client, keys))
    cases = CaseStore(redis.client, keys)
    judge = LlmJudge(
        judge_llm,
        settings.moderation_model,
        timeout=settings.judge_timeout,
        metrics=metrics,
        batch_size=settings.judge_batch,
        concurrency=settings.judge_concurrency,
        max_tokens=settings.judge_max_tokens,
    )
    # No concurrency bound here: the judge bounds (and adapts) its own, and batches waiting calls.
    cascade = Cascade(
        SpamClassifier.load(),
        judge=judge,
        cache=RedisVerdictCache(redis.client, keys),
        budget=RedisLlmBudget(redis.client, keys),
        learning=learning,
    )
    audit = AuditLog(redis.client, keys)
    gate_repo = GateRepository(redis.client, keys)
    deletions = ScheduledDeletions(redis.client, keys)
    private_chats = PrivateChats(redis.client, keys)
    gatekeeper = Gatekeeper(
        bot,
        repo=gate_repo,
        group_settings=group_settings,
        admins=admins,
        audit=audit,
        cases=cases,
        limiter=limiter,
        notice_lifetime=settings.notice_lifetime,
        deletions=deletions,
        cas=CasLookup(redis.client, keys, settings.cas_url, timeout=settings.cas_timeout),
    )
    # Notices and log posts: their own stream, pacing and sender, so no deletion waits for them.
    notice_queue = JobQueue(redis.client, keys, max_attempts=settings.job_max_attempts, names=keys.notice_queue)
    notices = Notices(notice_queue, keys)
    enforcer = Enforcer(
        bot,
        ActionLedger(redis.client, keys, round_trips=round_trips),
        deletions,
        conversation=conversation,
        reputation=reputation,
        sanctions=sanctions,
        audit=audit,
        limiter=limiter,
        metrics=metrics,
        notices=notices,
        cases=cases,
        claim_ttl_ms=int(settings.action_claim_lease * 1000),
        after_ban=gatekeeper.spread_ban,
    )
    notice_worker = Worker(
        notice_queue,
        NoticeSender(
            bot,
            redis.client,
            keys,
            cases=cases,
            limiter=limiter,
            metrics=metrics,
            notice_lifetime=settings.notice_lifetime,
            deletions=deletions,
            private_chats=private_chats,
        ),
        consumer=settings.worker_name,
        concurrency=4,
        reclaim_idle_ms=int(settings.job_reclaim_idle * 1000),
        meters=metrics.notices,
        max_defer_age_s=settings.job_defer_max_age,
    )
    queue = PartitionedQueue(redis.client, keys, settings.job_partitions, max_attempts=settings.job_max_attempts)
    media_spam = MediaSpamGuard(
        bot,
        MediaBlocklist(redis.client, keys, HashSet),
        max_distance=settings.media_hash_distance,
        max_bytes=settings.media_max_bytes,
    )
    handler = ModerationJobHandler(
        decider=cascade,
        enforcer=enforcer,
        group_settings=group_settings,
        reputation=reputation,
        admins=admins,
        signals=SignalStore(redis.client, keys, round_trips=round_trips),
        metrics=metrics,
        achievements=AchievementAnnouncer(notices, reputation),
        judge_deadline=settings.judge_deadline,
        approved=gate_repo,
        media=media_spam,
        round_trips=round_trips,
    )
    moderation_jobs = MigratingJobs(handler, migration)
    worker = PartitionedWorker(
        queue,
        lambda partition, concurrency: Worker(
            partition,
            moderation_jobs,
            consumer=settings.worker_name,
            concurrency=concurrency,
            reclaim_idle_ms=int(settings.job_reclaim_idle * 1000),
            metrics=metrics,
            max_defer_age_s=settings.job_defer_max_age,
            order_key=member_of_job,
            round_trips=round_trips,
        ),
        settings.worker_concurrency,
    )

    # The assistant streams through the provider chain: the fallback takes a reply whose primary
    # failed before its first piece.
    assistant_llm = ProviderChain(llm, llm_fallback, fallback_model=settings.llm_fallback_model, metrics=metrics)
    console = ConsoleDeps(
        redis=redis.client,
        keys=keys,
        group_settings=group_settings,
        audit=audit,
        cases=cases,
        admins=admins,
        bot=bot,
        cascade=cascade,
        learning=learning,
        reputation=reputation,
        sanctions=sanctions,
        operator_token=settings.dashboard_token,
    )
    services = Services(
        app_settings=settings,
        llm=assistant_llm,
        conversation=conversation,
        group_settings=group_settings,
        limiter=limiter,
        metrics=metrics,
        keys=keys,
        redis=redis.client,
        admins=admins,
        reputation=reputation,
        sanctions=sanctions,
        learning=learning,
        enforcer=enforcer,
        cases=cases,
        gatekeeper=gatekeeper,
        join_desk=JoinRequestDesk(gatekeeper),
        media_spam=media_spam,
        reaction_guard=ReactionGuard(
            bot,
            redis.client,
            keys,
            group_settings=group_settings,
            reputation=reputation,
            admins=admins,
            audit=audit,
            approved=gate_repo,
            policy=ReactionPolicy(
                spree_count=settings.reaction_spree_count,
                spree_window=settings.reaction_spree_window,
                restrict_s=settings.reaction_restrict,
            ),
        ),
        usage=UsageStore(redis.client, keys),
        notes=NotesStore(redis.client, keys),
        knowledge=KnowledgeIndex(),
        private_chats=private_chats,
        known_groups=KnownGroups(redis.client, keys),
        console_links=ConsoleLinks(redis.client, keys, lambda: console.base_url),
    )
    # No handler uses aiogram's FSM (multi-step flows keep their state in Redis): without its
    # middleware every update skips building a storage key and an FSMContext. The storage stays
    # the stateless one, so anything that still reached for it would keep nothing in process.
    dispatcher = Dispatcher(storage=StatelessStorage(), disable_fsm=True, **services.workflow_data())
    inline = InlineModeration(
        decider=cascade, enforcer=enforcer, admins=admins, metrics=metrics, approved=gate_repo, media=media_spam
    )
    in_flight = InFlightUpdates()
    dispatcher.update.outer_middleware(in_flight)
    dispatcher.update.outer_middleware(ReceivedAt(metrics))
    dispatcher.update.outer_middleware(MigrationWatch(migration))
    # Before intake: a newcomer's link or media during a raid is removed before it is recorded or counted.
    dispatcher.update.outer_middleware(RaidLock(gatekeeper, reputation, group_settings, admins))
    dispatcher.update.outer_middleware(
        IntakeMiddleware(queue, keys, group_settings, metrics, fast_tier=inline, round_trips=round_trips)
    )
    poller = Poller(
        bot,
        dispatcher,
        health,
        metrics,
        storage_ping=redis.client.ping,
        allowed_updates=ALLOWED_UPDATES,
        polling_timeout=25,
        concurrency=settings.gateway_concurrency,
    )
    dispatcher.include_routers(*create_routers())
    return App(
        settings=settings,
        role=role,
        redis=redis,
        keys=keys,
        metrics=metrics,
        health=health,
        bot=bot,
        dispatcher=dispatcher,
        llm=llm,
        queue=queue,
        worker=worker,
        notice_queue=notice_queue,
        notice_worker=notice_worker,
        enforcer=enforcer,
        group_settings=group_settings,
        audit=audit,
        in_flight=in_flight,
        poller=poller,
        console=console,
        assistant_llm=assistant_llm,
        gatekeeper=gatekeeper,
        extra_llm_clients=[c for c in {judge_llm.primary, llm_fallback} if c is not None and c is not llm],
    )
