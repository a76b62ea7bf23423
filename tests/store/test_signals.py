"""Recent-activity counts: the flood window, the same text from several senders and chats, and a
re-delivered job that must not count its message twice."""

from __future__ import annotations

import asyncio

from luka_bot.store.round_trips import RoundTrips
from luka_bot.store.signals import FLOOD_WINDOW_S, SignalStore

NOW = 1_800_000_000.0


async def test_messages_in_the_flood_window_are_counted_once_each(redis, keys) -> None:
    signals = SignalStore(redis, keys)
    for message_id in (1, 2, 3, 3):  # message 3's job ran twice
        counts = await signals.observe(
            chat_id=-1, user_id=7, message_id=message_id, sent_at=NOW, text_hash=None, now=NOW
        )
    assert counts.messages_last_minute == 3
    later = NOW + FLOOD_WINDOW_S + 1
    counts = await signals.observe(chat_id=-1, user_id=7, message_id=4, sent_at=later, text_hash=None, now=later)
    assert counts.messages_last_minute == 1  # the first three left the window


async def test_the_same_text_is_counted_by_sender_and_by_chat_in_one_round_trip(redis, keys) -> None:
    sizes: list[int] = []
    signals = SignalStore(redis, keys, round_trips=RoundTrips(redis, on_round_trip=sizes.append))
    senders = [(-1, 7), (-1, 8), (-2, 9)]
    results = await asyncio.gather(
        *(
            signals.observe(chat_id=chat, user_id=user, message_id=n, sent_at=NOW, text_hash="h1", now=NOW)
            for n, (chat, user) in enumerate(senders)
        )
    )
    last = max(results, key=lambda c: c.same_text_senders)
    assert (last.same_text_senders, last.same_text_chats) == (3, 2)
    assert sizes[0] == 6  # three observations, two commands each, one round trip (then a script load, once)
    here = await signals.observe(chat_id=-1, user_id=7, message_id=0, sent_at=NOW, text_hash="h1", now=NOW)
    assert here.same_text_senders_here == 2 and here.same_text_senders == 3
