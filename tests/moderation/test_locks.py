"""Content locks: which lock a message breaks, for everyone or for newcomers only, and the verdict."""

from __future__ import annotations

import pytest

from luka_bot.moderation.cascade import Band, Cascade
from luka_bot.moderation.classifier import SpamClassifier
from luka_bot.moderation.locks import (
    LOCK_TYPES,
    LockInput,
    LockScope,
    lock_types_of,
    locked_by,
    parse_lock_names,
)
from luka_bot.moderation.verdict import (
    Action,
    Category,
    MemberContext,
    ModerationRequest,
    Tier,
    TrustLevel,
)
from luka_bot.policy.group import GroupSettings

NEWCOMER = MemberContext(trust=TrustLevel.NEWCOMER, is_first_message=True, messages_in_group=1)
REGULAR = MemberContext(trust=TrustLevel.MEMBER, is_first_message=False, messages_in_group=40)


@pytest.mark.parametrize(
    ("inp", "lock"),
    [
        (LockInput("text", text="see https://example.com"), "url"),
        (LockInput("text", text="see example.com today"), "url"),
        (LockInput("text", frozenset({"url"}), text="look here"), "url"),
        (LockInput("text", text="join t.me/+AbCdEf123"), "invite"),
        (LockInput("text", text="join", link_urls=("https://t.me/joinchat/AAAA",)), "invite"),
        (LockInput("text", frozenset({"buttons"}), text="press"), "button"),
        (LockInput("text", frozenset({"forward", "forward:user"}), text="fwd"), "forward"),
        (LockInput("text", frozenset({"forward", "forward:channel"}), text="fwd"), "forwardchannel"),
        (LockInput("story", frozenset({"story", "forward_story"})), "forwardstory"),
        (LockInput("story", frozenset({"story"})), "story"),
        (LockInput("photo"), "photo"),
        (LockInput("video"), "video"),
        (LockInput("video_note"), "videonote"),
        (LockInput("voice"), "voice"),
        (LockInput("audio"), "audio"),
        (LockInput("document"), "document"),
        (LockInput("sticker"), "sticker"),
        (LockInput("sticker", frozenset({"sticker_premium"})), "stickerpremium"),
        (LockInput("animation"), "gif"),
        (LockInput("text", frozenset({"custom_emoji"}), text="hi"), "emojicustom"),
        (LockInput("poll"), "poll"),
        (LockInput("contact"), "contact"),
        (LockInput("location"), "location"),
        (LockInput("game"), "game"),
        (LockInput("dice"), "dice"),
        (LockInput("text", frozenset({"via_bot"}), text="gif from a bot"), "inline"),
        (LockInput("text", frozenset({"anon_channel"}), text="hello"), "anonchannel"),
        (LockInput("text", text="مرحبا بكم"), "rtl"),
        (LockInput("text", text="abc\u202edcba"), "rtl"),
        (LockInput("text", text="h\u0336\u0334\u0335ello"), "zalgo"),
    ],
)
def test_each_lock_type_recognises_its_content(inp: LockInput, lock: str) -> None:
    assert lock in lock_types_of(inp)
    assert locked_by(inp, {lock: LockScope.ALL}, newcomer=False) == lock


@pytest.mark.parametrize(
    "text", ["hello everyone", "привет всем, как дела?", "café naïve", "नमस्ते दोस्तों", "3.14 is pi", "e.g. this"]
)
def test_plain_text_breaks_no_lock(text: str) -> None:
    assert lock_types_of(LockInput("text", text=text)) == ()


def test_a_gif_is_not_a_document_and_a_plain_sticker_is_not_premium() -> None:
    assert "document" not in lock_types_of(LockInput("animation"))
    assert "stickerpremium" not in lock_types_of(LockInput("sticker"))


def test_newcomer_only_locks_spare_regular_members() -> None:
    locks = {"sticker": LockScope.NEWCOMERS}
    assert locked_by(LockInput("sticker"), locks, newcomer=True) == "sticker"
    assert locked_by(LockInput("sticker"), locks, newcomer=False) is None


def test_command_arguments_parse_to_known_lock_names() -> None:
    assert parse_lock_names(["Sticker", "#url", "nonsense"]) == (["sticker", "url"], ["nonsense"])
    assert parse_lock_names(["all"])[0] == list(LOCK_TYPES)


def _request(
    kind: str, member: MemberContext, text: str = "", features: frozenset[str] = frozenset()
) -> ModerationRequest:
    return ModerationRequest(chat_id=1, message_id=2, user_id=3, text=text, kind=kind, member=member, features=features)


def test_a_locked_kind_is_a_certain_verdict_in_the_fast_tier_and_the_worker() -> None:
    cascade = Cascade(SpamClassifier.load())
    settings = GroupSettings(locks={"sticker": LockScope.ALL, "url": LockScope.NEWCOMERS})
    fast = cascade.fast_verdict(_request("sticker", REGULAR), settings)
    assert fast is not None and fast.action is Action.DELETE and fast.category is Category.LOCKED
    assert fast.tier is Tier.RULES and ("lock", "sticker") in fast.details
    assessment = cascade.assess(_request("sticker", REGULAR), settings)
    assert assessment.band is Band.RULE and assessment.verdict.category is Category.LOCKED
    # url locked for newcomers only: a regular member's link goes on to the normal tiers.
    assert cascade.fast_verdict(_request("text", NEWCOMER, "see https://example.com/docs"), settings) is not None
    regular = cascade.fast_verdict(_request("text", REGULAR, "see https://example.com/docs"), settings)
    assert regular is None or regular.category is not Category.LOCKED


def test_unlocked_groups_and_admins_are_untouched() -> None:
    cascade = Cascade(SpamClassifier.load())
    assert cascade.fast_verdict(_request("sticker", NEWCOMER), GroupSettings()) is None
    admin = MemberContext(trust=TrustLevel.MEMBER, is_first_message=False, messages_in_group=5, is_admin=True)
    assert cascade.fast_verdict(_request("sticker", admin), GroupSettings(locks={"sticker": LockScope.ALL})) is None


def test_locks_survive_a_settings_round_trip() -> None:
    stored = GroupSettings(locks={"gif": LockScope.NEWCOMERS}).model_dump_json()
    assert GroupSettings.model_validate_json(stored).locks == {"gif": LockScope.NEWCOMERS}
