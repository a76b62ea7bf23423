"""The intake carries what the content locks need from the Telegram message into the job."""

from __future__ import annotations

import json
from typing import Any

from aiogram.types import Message

from luka_bot.moderation.job import ModerationJob
from luka_bot.moderation.locks import LockInput, lock_types_of
from luka_bot.moderation.verdict import MemberContext
from luka_bot.telegram.intake import moderation_job, request_from_job

CHAT = {"id": -100123, "type": "supergroup", "title": "Talk"}
USER = {"id": 42, "is_bot": False, "first_name": "Eve"}


def _locks_of(**fields: Any) -> tuple[str, ...]:
    message = Message.model_validate({"message_id": 5, "date": 1_700_000_000, "chat": CHAT, "from": USER, **fields})
    job = moderation_job(message, revision=0)
    request = request_from_job(job, member=MemberContext())
    return lock_types_of(LockInput(request.kind, request.features, request.text, request.link_urls))


def test_message_fields_become_lock_types() -> None:
    assert "button" in _locks_of(text="x", reply_markup={"inline_keyboard": [[{"text": "go", "url": "https://a.b"}]]})
    assert "inline" in _locks_of(text="x", via_bot={"id": 9, "is_bot": True, "first_name": "gif"})
    assert {"forward", "forwardchannel"} <= set(
        _locks_of(
            text="x",
            forward_origin={
                "type": "channel",
                "date": 1,
                "message_id": 1,
                "chat": {"id": -1009, "type": "channel", "title": "C"},
            },
        )
    )
    assert _locks_of(text="x", forward_origin={"type": "hidden_user", "date": 1, "sender_user_name": "H"}) == (
        "forward",
    )
    assert "emojicustom" in _locks_of(
        text="🙂 hi",
        entities=[{"type": "custom_emoji", "offset": 0, "length": 2, "custom_emoji_id": "5368324170671202286"}],
    )
    sticker = {
        "file_id": "s",
        "file_unique_id": "u",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    assert _locks_of(sticker=sticker) == ("sticker",)
    premium = {**sticker, "premium_animation": {"file_id": "p", "file_unique_id": "pu"}}
    assert set(_locks_of(sticker=premium)) == {"sticker", "stickerpremium"}
    assert set(_locks_of(story={"chat": {"id": -1009, "type": "channel", "title": "C"}, "id": 3})) >= {
        "story",
        "forwardstory",
    }
    assert _locks_of(dice={"emoji": "🎲", "value": 4}) == ("dice",)
    assert "anonchannel" in _locks_of(text="hi", sender_chat={"id": -1009, "type": "channel", "title": "C"})
    assert "url" in _locks_of(
        text="docs here", entities=[{"type": "text_link", "offset": 0, "length": 4, "url": "https://example.com"}]
    )


def test_a_job_without_features_from_an_older_version_still_parses() -> None:
    message = Message.model_validate({"message_id": 5, "date": 1_700_000_000, "chat": CHAT, "from": USER, "text": "hi"})
    fields = moderation_job(message, revision=0).to_fields()
    del fields["features"]
    assert ModerationJob.from_fields(fields).request(member=MemberContext()).features == frozenset()
    fields["features"] = json.dumps(5)  # malformed: no crash, no features
    assert ModerationJob.from_fields(fields).request(member=MemberContext()).features == frozenset()


def test_button_labels_and_links_reach_the_text_cascade() -> None:
    message = Message.model_validate(
        {
            "message_id": 5,
            "date": 1_700_000_000,
            "chat": CHAT,
            "from": USER,
            "text": "hello",
            "via_bot": {"id": 9, "is_bot": True, "first_name": "ads"},
            "reply_markup": {"inline_keyboard": [[{"text": "💰 EARN $500 DAILY", "url": "https://bit.ly/x"}]]},
        }
    )
    job = moderation_job(message, revision=0)
    assert job.text == "hello"  # the stored record keeps what the member wrote
    request = request_from_job(job, member=MemberContext())
    assert request.text == "hello\n💰 EARN $500 DAILY" and "https://bit.ly/x" in request.link_urls
