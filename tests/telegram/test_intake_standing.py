"""The inline tier judges the author by their stored standing, read in the intake round trip."""

from __future__ import annotations

import time

from luka_bot.community.reputation import ReputationStore
from luka_bot.moderation.cascade import Cascade
from luka_bot.moderation.classifier import SpamClassifier
from luka_bot.moderation.job import ModerationJob
from luka_bot.moderation.verdict import TrustLevel
from luka_bot.policy.group import GroupSettings
from luka_bot.telegram.intake import StandingRead, request_from_job
from luka_bot.telegram.moderation_jobs import is_group_own

CHAT, USER = -100123, 42


def channel_forward_job(user_id: int = USER, **extra: bool) -> ModerationJob:
    return ModerationJob(
        chat_id=CHAT,
        message_id=9,
        user_id=user_id,
        text="Big news from our channel",
        is_forward=True,
        forwarded_from_channel=True,
        **extra,  # type: ignore[arg-type]
    )


async def read_member(redis, keys, user_id: int = USER):
    settings = GroupSettings()
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(keys.message(CHAT, 1), "x")  # the intake write shares the round trip
        standing = StandingRead(pipe, keys, CHAT, user_id)
        pipe.get(keys.group_settings(CHAT))
        results = await pipe.execute()
    return standing.member(results, settings.ladder, time.time())


async def test_a_long_standing_members_channel_forward_is_not_removed_inline(redis, keys) -> None:
    reputation = ReputationStore(redis, keys)
    policy = GroupSettings().ladder
    for _ in range(12):
        await reputation.record_message(CHAT, USER, policy=policy)
    member = await read_member(redis, keys)
    assert member.messages_in_group == 13 and member.trust is TrustLevel.MEMBER and not member.is_first_message
    cascade = Cascade(SpamClassifier.load())
    verdict = cascade.fast_verdict(request_from_job(channel_forward_job(), member=member), GroupSettings())
    assert verdict is None


async def test_a_strangers_first_message_forwarding_a_channel_is_removed_inline(redis, keys) -> None:
    member = await read_member(redis, keys, user_id=777)
    assert member.is_first_message and member.trust is TrustLevel.NEWCOMER
    cascade = Cascade(SpamClassifier.load())
    verdict = cascade.fast_verdict(request_from_job(channel_forward_job(777), member=member), GroupSettings())
    assert verdict is not None and verdict.removes_message


def test_the_groups_own_posts_are_never_judged_as_a_stranger() -> None:
    assert is_group_own(channel_forward_job(-1001, automatic_forward=True))
    assert is_group_own(ModerationJob(chat_id=CHAT, message_id=1, user_id=CHAT, anonymous_admin=True))
    assert not is_group_own(channel_forward_job())


def test_an_automatic_forward_from_the_linked_channel_is_marked_as_the_groups_own() -> None:
    from aiogram.types import Message

    from luka_bot.telegram.intake import moderation_job

    message = Message.model_validate(
        {
            "message_id": 5,
            "date": 1_700_000_000,
            "chat": {"id": CHAT, "type": "supergroup", "title": "Talk"},
            "from": {"id": 777000, "is_bot": False, "first_name": "Telegram"},
            "sender_chat": {"id": -1009999, "type": "channel", "title": "Our channel"},
            "is_automatic_forward": True,
            "text": "New post: join our stream at t.me/ourchannel",
            "forward_origin": {
                "type": "channel",
                "date": 1_700_000_000,
                "message_id": 3,
                "chat": {"id": -1009999, "type": "channel", "title": "Our channel"},
            },
        }
    )
    job = moderation_job(message, revision=0)
    assert job.automatic_forward and job.sent_as_channel
    assert is_group_own(job)
