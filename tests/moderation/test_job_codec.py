"""The moderation job's one codec: what intake writes the worker reads back unchanged, and jobs
written by the untyped version before an upgrade still decode."""

from __future__ import annotations

import pytest

from luka_bot.moderation.job import MalformedJob, ModerationJob
from luka_bot.moderation.verdict import MemberContext


def test_every_field_survives_the_stream() -> None:
    job = ModerationJob(
        chat_id=-1001,
        message_id=7,
        user_id=42,
        revision=991,
        chat_title="Talk",
        name="Ann",
        text="hello",
        kind="photo",
        date=1_700_000_000.5,
        enqueued_at=1_700_000_001.25,
        is_forward=True,
        forwarded_from_channel=True,
        sent_as_channel=True,
        anonymous_admin=False,
        automatic_forward=True,
        has_contact=True,
        external_reply=True,
        link_urls=("https://example.com",),
        features=("forward", "url"),
        media_unique_id="u1",
        media_hash_file="f1",
        media_hash_size=1234,
        button_text="Join",
        reply_to_user_id=43,
        reply_to_name="Bob",
    )
    fields = job.to_fields()
    assert all(isinstance(value, str) for value in fields.values())
    # The queue's own fields ride along and are ignored by the job.
    assert ModerationJob.from_fields({**fields, "_attempts": "2", "_deferrals": "1"}) == job


def test_a_job_written_by_the_untyped_version_decodes() -> None:
    old = {
        "chat_id": "-1001",
        "chat_title": "Talk",
        "message_id": "7",
        "revision": "0",
        "user_id": "42",
        "name": "Ann",
        "text": "buy now",
        "kind": "text",
        "date": "1700000000.0",
        "enqueued_at": "1700000001.0",
        "is_forward": "0",
        "forwarded_from_channel": "0",
        "sent_as_channel": "0",
        "anonymous_admin": "1",
        "automatic_forward": "0",
        "has_contact": "0",
        "external_reply": "0",
        "link_urls": '["https://x.example"]',
        "reply_to_user_id": "",
        "reply_to_name": "",
    }  # no "features" yet, no media
    job = ModerationJob.from_fields(old)
    assert job.is_group_own and job.features == () and job.media_unique_id == ""
    request = job.request(member=MemberContext())
    assert request.link_urls == ("https://x.example",) and request.text == "buy now"


@pytest.mark.parametrize(
    "fields", [{}, {"chat_id": "-1", "message_id": "1"}, {"chat_id": "x", "message_id": "1", "user_id": "2"}]
)
def test_an_entry_that_is_not_a_moderation_job_is_refused(fields: dict[str, str]) -> None:
    with pytest.raises(MalformedJob):
        ModerationJob.from_fields(fields)
