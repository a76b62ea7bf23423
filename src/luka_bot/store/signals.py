"""Recent-activity counts the rule checks need (flood, coordinated spam), in one round trip.

Members are message ids and `chat:user` pairs, so counting the same message twice (a
re-delivered job) changes nothing.
"""

from __future__ import annotations

from typing import Any

import redis.asyncio as aioredis

from luka_bot.store.keys import ACTIVITY_WINDOW_TTL, DUPLICATE_TEXT_TTL, Keys
from luka_bot.store.round_trips import RoundTrips

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


class SignalStore:
    def __init__(self, redis: aioredis.Redis, keys: Keys, *, round_trips: RoundTrips | None = None) -> None:
        self._redis = redis
        self._keys = keys
        self._round_trips = round_trips  # a batch of jobs observes in one round trip

    async def observe(
        self, *, chat_id: int, user_id: int, message_id: int, sent_at: float, text_hash: str | None, now: float
    ) -> SignalCounts:
        activity = self._keys.member_activity(chat_id, user_id)

        def queue(pipe: Any) -> None:
            pipe.zadd(activity, {str(message_id): sent_at})
            pipe.zremrangebyscore(activity, "-inf", now - FLOOD_WINDOW_S)
            pipe.zcount(activity, now - FLOOD_WINDOW_S, "+inf")
            pipe.expire(activity, ACTIVITY_WINDOW_TTL)
            if text_hash:
                dup = self._keys.duplicate_text(text_hash)
                pipe.zadd(dup, {f"{chat_id}:{user_id}": sent_at})
                pipe.zremrangebyscore(dup, "-inf", now - DUPLICATE_WINDOW_S)
                pipe.zrange(dup, 0, -1)
                pipe.expire(dup, DUPLICATE_TEXT_TTL)

        if self._round_trips is not None:
            results = await self._round_trips.send(queue)
        else:
            async with self._redis.pipeline(transaction=False) as pipe:
                queue(pipe)
                results = await pipe.execute()
        senders = results[6] if text_hash else []
        return SignalCounts(
            messages_last_minute=int(results[2]),
            same_text_senders=len(senders),
            same_text_chats=len({member.split(":", 1)[0] for member in senders}),
            same_text_senders_here=sum(1 for member in senders if member.split(":", 1)[0] == str(chat_id)),
        )
