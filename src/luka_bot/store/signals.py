"""Recent-activity counts the rule checks need (flood, coordinated spam), in one round trip.

Members are message ids and `chat:user` pairs, so counting the same message twice (a
re-delivered job) changes nothing.
"""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis

from luka_bot.store.keys import ACTIVITY_WINDOW_TTL, DUPLICATE_TEXT_TTL, Keys
from luka_bot.store.redis import text
from luka_bot.store.round_trips import RoundTrips, Script

FLOOD_WINDOW_S = 60
DUPLICATE_WINDOW_S = 10 * 60


class SignalCounts:
    __slots__ = ("messages_last_minute", "same_text_chats", "same_text_senders", "same_text_senders_here")

    def __init__(
        self, messages_last_minute: int, same_text_senders: int, same_text_chats: int, same_text_senders_here: int = 0
    ) -> None:
        self.messages_last_minute = messages_last_minute
        self.same_text_senders = same_text_senders
        self.same_text_chats = same_text_chats
        self.same_text_senders_here = same_text_senders_here


# Each window in one step: two commands instead of eight on a batch's round trip. Two scripts, not
# one, because the duplicate-text set is shared by all chats: on a Redis Cluster it lives in
# another slot than the member's activity, and one script may only touch keys of one slot.
# KEYS: member activity; ARGV: message id, sent at, window start, ttl. Returns the window's count.
_ACTIVITY = Script.of("""
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local recent = redis.call('ZCOUNT', KEYS[1], ARGV[3], '+inf')
redis.call('EXPIRE', KEYS[1], ARGV[4])
return recent
""")
# KEYS: duplicate-text set; ARGV: chat:user, sent at, window start, ttl. Returns its members.
_DUPLICATES = Script.of("""
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
local senders = redis.call('ZRANGE', KEYS[1], 0, -1)
redis.call('EXPIRE', KEYS[1], ARGV[4])
return senders
""")


class SignalStore:
    def __init__(self, redis: aioredis.Redis, keys: Keys, *, round_trips: RoundTrips | None = None) -> None:
        self._redis = redis
        self._keys = keys
        # A batch of jobs observes in one round trip; alone, a round trip of its own.
        self._round_trips = round_trips or RoundTrips(redis)

    async def observe(
        self, *, chat_id: int, user_id: int, message_id: int, sent_at: float, text_hash: str | None, now: float
    ) -> SignalCounts:
        sent = repr(float(sent_at))  # scores as redis-py would have sent them

        def queue(pipe: Any) -> None:
            _ACTIVITY.queue(
                pipe,
                [self._keys.member_activity(chat_id, user_id)],
                [message_id, sent, repr(float(now - FLOOD_WINDOW_S)), ACTIVITY_WINDOW_TTL],
            )
            if text_hash:
                _DUPLICATES.queue(
                    pipe,
                    [self._keys.duplicate_text(text_hash)],
                    [f"{chat_id}:{user_id}", sent, repr(float(now - DUPLICATE_WINDOW_S)), DUPLICATE_TEXT_TTL],
                )

        recent, *rest = await self._round_trips.send(queue)
        senders = rest[0] if rest else []
        senders = [text(member) for member in senders]
        return SignalCounts(
            messages_last_minute=int(recent),
            same_text_senders=len(senders),
            same_text_chats=len({member.split(":", 1)[0] for member in senders}),
            same_text_senders_here=sum(1 for member in senders if member.split(":", 1)[0] == str(chat_id)),
        )
