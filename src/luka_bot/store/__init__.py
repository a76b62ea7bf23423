"""Storage: the Redis connection and the one module that names every key."""

from luka_bot.store.keys import Keys
from luka_bot.store.redis import RedisHandle, StorageError, open_redis

__all__ = ["Keys", "RedisHandle", "StorageError", "open_redis"]
