"""A Redis Cluster of embedded Valkey nodes on this machine, for tests and benches.

Each node is an `EmbeddedValkey` in cluster mode with its own DATA_DIR (append-only file and
nodes.conf), so a node stopped and started again comes back with its data, its identity and its
slots, and rejoins by itself. The slots are shared out evenly and the nodes introduced to each
other (what `valkey-cli --cluster create` does, without replicas), once, on a fresh set of data
directories. Production clusters are run by their operators; the bot only needs their URL.
"""

from __future__ import annotations

import time
from pathlib import Path

import redis

from luka_bot.store.redis import EmbeddedValkey, StorageError

SLOTS = 16384


class LocalCluster:
    def __init__(self, data_dir: Path, nodes: int = 3, fsync: str = "always") -> None:
        if nodes < 1:
            raise ValueError("a cluster needs at least one node")
        self.nodes = [EmbeddedValkey(data_dir / f"node{n}", fsync, cluster=True) for n in range(nodes)]

    @property
    def url(self) -> str:
        """REDIS_URL for the bot: any node seeds the client, which learns the rest."""
        return f"redis+cluster://127.0.0.1:{self.nodes[0].port}"

    def start(self, timeout: float = 30.0) -> None:
        for node in self.nodes:
            node.start()
        clients = [self._client(node) for node in self.nodes]
        try:
            if not any(self._has_slots(client) for client in clients):
                share = SLOTS // len(clients)
                for n, client in enumerate(clients):
                    first = n * share
                    last = SLOTS - 1 if n == len(clients) - 1 else first + share - 1
                    client.execute_command("CLUSTER", "ADDSLOTSRANGE", first, last)
                for client in clients[1:]:
                    client.execute_command("CLUSTER", "MEET", "127.0.0.1", self.nodes[0].port)
        finally:
            for client in clients:
                client.close()
        self.wait_healthy(timeout)

    def wait_healthy(self, timeout: float = 30.0) -> None:
        """Until every node knows every other and serves: cluster_state:ok on all of them."""
        deadline = time.monotonic() + timeout
        while True:
            if all(self._healthy(node) for node in self.nodes):
                return
            if time.monotonic() > deadline:
                raise StorageError(f"the local cluster did not become healthy within {timeout:.0f} s")
            time.sleep(0.05)

    def stop_node(self, index: int) -> None:
        self.nodes[index].stop()

    def start_node(self, index: int, timeout: float = 30.0) -> None:
        """Start a stopped node again on its data (same port when free) and wait for the cluster."""
        self.nodes[index].restart()
        self.wait_healthy(timeout)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def _healthy(self, node: EmbeddedValkey) -> bool:
        try:
            client = self._client(node)
        except StorageError:
            return False
        try:
            raw = client.execute_command("CLUSTER", "INFO")
            info = dict(
                line.split(":", 1)
                for line in (raw.decode() if isinstance(raw, bytes) else str(raw)).splitlines()
                if ":" in line
            )
            return info.get("cluster_state") == "ok" and int(info.get("cluster_known_nodes", 0)) == len(self.nodes)
        except redis.RedisError:
            return False
        finally:
            client.close()

    @staticmethod
    def _client(node: EmbeddedValkey) -> redis.Redis:
        if node.port is None:
            raise StorageError("node not started")
        return redis.Redis(host="127.0.0.1", port=node.port, socket_timeout=5)

    @staticmethod
    def _has_slots(client: redis.Redis) -> bool:
        return bool(client.execute_command("CLUSTER", "SLOTS"))
