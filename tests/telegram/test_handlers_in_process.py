"""Intake and the settings and community routers, driven in process with `Dispatcher.feed_update`.

The same dispatcher pieces as the bot (middlewares, routers, services on the embedded Valkey), a
Bot whose session records calls instead of sending them: each test runs in milliseconds, where
the end-to-end suite needs the emulators and a polling bot.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.methods import AnswerCallbackQuery, EditMessageText, GetChatAdministrators, SendMessage
from aiogram.types import ChatMemberOwner, Message, Update, User

from luka_bot.community.reputation import ReputationStore
from luka_bot.community.sanctions import SanctionStore
from luka_bot.jobs.queue import JobQueue
from luka_bot.metrics import Metrics
from luka_bot.store.conversation import ConversationStore
from luka_bot.store.group_settings import GroupSettingsRepository
from luka_bot.store.round_trips import RoundTrips
from luka_bot.telegram.admins import AdminCache
from luka_bot.telegram.cases import CaseStore
from luka_bot.telegram.durations import ACCEPTED_FORMATS
from luka_bot.telegram.intake import IntakeMiddleware
from luka_bot.telegram.routers import community
from luka_bot.telegram.routers import settings as settings_menu
from luka_bot.telegram.routers.settings import SettingsAction, SettingsCallback
from luka_bot.texts import render
from luka_bot.texts.commands import TEXTS as COMMUNITY_TEXTS
from luka_bot.texts.settings import TEXTS as SETTINGS_TEXTS

from .fake_bot import BOT, FakeSession, fake_bot, group_message, private_message

GROUP = -1001000000001
OWNER = {"id": 1000, "first_name": "Olga", "username": "owner"}
ALICE = {"id": 1001, "first_name": "Alice", "username": "alice"}
BOB = {"id": 1002, "first_name": "Bob", "username": "bob"}


@dataclass
class Rig:
    dispatcher: Dispatcher
    bot: Bot
    session: FakeSession
    queue: JobQueue
    group_settings: GroupSettingsRepository
    reputation: ReputationStore
    conversation: ConversationStore
    handled: list[Update]

    async def feed(self, update: Update) -> Any:
        return await self.dispatcher.feed_update(self.bot, update)

    def sent(self) -> list[SendMessage]:
        return self.session.called(SendMessage)


@pytest.fixture
async def rig(redis, keys) -> AsyncIterator[Rig]:
    bot, session = fake_bot()
    # OWNER is the group's only admin, as getChatAdministrators tells the admin cache.
    session.answer(
        GetChatAdministrators, lambda call: [ChatMemberOwner(user=User(is_bot=False, **OWNER), is_anonymous=False)]
    )
    metrics = Metrics()
    queue = JobQueue(redis, keys)
    await queue.ensure_group()
    group_settings = GroupSettingsRepository(redis, keys)
    reputation = ReputationStore(redis, keys)
    conversation = ConversationStore(redis, keys)
    dispatcher = Dispatcher(
        group_settings=group_settings,
        admins=AdminCache(bot, redis, keys),
        reputation=reputation,
        sanctions=SanctionStore(redis, keys),
        cases=CaseStore(redis, keys),
        conversation=conversation,
        redis=redis,
        keys=keys,
        metrics=metrics,
        me=BOT,
    )
    dispatcher.update.outer_middleware(
        IntakeMiddleware(queue, keys, group_settings, metrics, fast_tier=None, round_trips=RoundTrips(redis))
    )
    dispatcher.include_routers(settings_menu.create_router(), community.create_router())
    handled: list[Update] = []
    # Last in line, like the assistant: sees what no command router took.
    catch_all = Router(name="catch-all")

    @catch_all.message()
    async def _seen(message: Message, event_update: Update) -> None:
        handled.append(event_update)

    dispatcher.include_router(catch_all)
    yield Rig(dispatcher, bot, session, queue, group_settings, reputation, conversation, handled)
    await bot.session.close()


def handled_ids(rig: Rig) -> list[int]:
    return [u.update_id for u in rig.handled]


async def jobs(rig: Rig) -> list[dict[str, str]]:
    return [job.fields for job in await rig.queue.read("test", count=100, block_ms=0)]


# --- intake ---------------------------------------------------------------------------------------


async def test_a_group_message_becomes_one_moderation_job_before_any_handler(rig: Rig) -> None:
    update = group_message("hello everyone", user=ALICE)
    await rig.feed(update)
    [job] = await jobs(rig)
    assert (job["chat_id"], job["user_id"], job["text"], job["revision"]) == (str(GROUP), "1001", "hello everyone", "0")
    # A plain message is moderation's alone: no router could act on it, so none is walked.
    assert handled_ids(rig) == []
    asking = group_message(
        "@luka_test_bot hello", user=ALICE, entities=[{"type": "mention", "offset": 0, "length": 14}]
    )
    await rig.feed(asking)
    assert [job["text"] for job in await jobs(rig)] == ["@luka_test_bot hello"]  # its job too
    assert handled_ids(rig) == [asking.update_id], "a message to the bot goes on to the handlers once written"


async def test_an_update_delivered_twice_is_taken_in_and_handled_once(rig: Rig) -> None:
    update = group_message(
        "@luka_test_bot hello again", user=ALICE, entities=[{"type": "mention", "offset": 0, "length": 14}]
    )
    await rig.feed(update)
    await rig.feed(update)  # Telegram re-sends what was not confirmed
    assert len(await jobs(rig)) == 1
    assert len(rig.handled) == 1


async def test_an_edit_is_a_new_revision_named_by_its_update_id(rig: Rig) -> None:
    original = group_message("hello", user=ALICE)
    await rig.feed(original)
    assert original.message is not None
    edited = {
        **original.message.model_dump(mode="json", by_alias=True, exclude_none=True),
        "text": "hello, buy coins",
        "edit_date": int(original.message.date.timestamp()) + 1,
    }
    await rig.feed(Update.model_validate({"update_id": original.update_id + 1000, "edited_message": edited}))
    revisions = sorted(job["revision"] for job in await jobs(rig))
    assert revisions == sorted(["0", str(original.update_id + 1000)])


async def test_private_chats_are_remembered_not_moderated(rig: Rig) -> None:
    update = private_message("hi Luka", user=ALICE)
    await rig.feed(update)
    assert await jobs(rig) == []
    assert handled_ids(rig) == [update.update_id]
    assert update.message is not None
    stored = await rig.conversation.get(ALICE["id"], update.message.message_id)
    assert stored is not None and stored.text == "hi Luka"


async def test_the_group_settings_read_in_intake_are_cached_for_the_next_message(rig: Rig) -> None:
    await rig.feed(group_message("first", user=ALICE))
    assert rig.group_settings.cached(GROUP) is not None


# --- the settings router --------------------------------------------------------------------------


async def test_settings_refuses_a_member_in_the_groups_language(rig: Rig) -> None:
    await rig.feed(group_message("/settings", user=ALICE))
    [reply] = rig.sent()
    assert reply.text == render(SETTINGS_TEXTS, "not_admin", "en")
    assert reply.reply_markup is None


async def test_settings_opens_the_menu_for_an_admin_and_a_press_saves(rig: Rig) -> None:
    await rig.feed(group_message("/settings", user=OWNER))
    [panel] = rig.sent()
    assert panel.text == render(SETTINGS_TEXTS, "title", "en") and panel.reply_markup is not None
    data = SettingsCallback(action=SettingsAction.MODERATION).pack()
    await rig.feed(callback(OWNER, data))
    assert (await rig.group_settings.get(GROUP)).moderation_enabled is False
    [answer] = rig.session.called(AnswerCallbackQuery)
    assert answer.text == render(SETTINGS_TEXTS, "saved", "en")
    [edit] = rig.session.called(EditMessageText)
    assert any(b.text.startswith("🛡️❌") for row in edit.reply_markup.inline_keyboard for b in row)


async def test_a_members_press_changes_nothing(rig: Rig) -> None:
    await rig.feed(callback(ALICE, SettingsCallback(action=SettingsAction.MODERATION).pack()))
    [answer] = rig.session.called(AnswerCallbackQuery)
    assert (answer.text, answer.show_alert) == (render(SETTINGS_TEXTS, "not_admin", "en"), True)
    assert (await rig.group_settings.get(GROUP)).moderation_enabled is True
    assert rig.session.called(EditMessageText) == []


async def test_forged_button_data_is_answered_and_ignored(rig: Rig) -> None:
    await rig.feed(callback(OWNER, "gs:__class__"))
    [answer] = rig.session.called(AnswerCallbackQuery)
    assert answer.text is None
    assert (await rig.group_settings.get(GROUP)).moderation_enabled is True


async def test_settings_in_private_says_it_is_for_groups(rig: Rig) -> None:
    await rig.feed(private_message("/settings", user=OWNER))
    [reply] = rig.sent()
    assert reply.text == render(SETTINGS_TEXTS, "groups_only", "en")


# --- the community router -------------------------------------------------------------------------


async def test_warn_by_a_member_is_refused(rig: Rig) -> None:
    target = group_message("spam", user=BOB).message
    await rig.feed(group_message("/warn", user=ALICE, reply_to=_as_reply(target)))
    [reply] = rig.sent()
    assert reply.text == render(COMMUNITY_TEXTS, "not_admin", "en", command="warn")
    assert (await rig.reputation.stats(GROUP, BOB["id"])).violations == ()


async def test_warn_without_a_reply_says_how(rig: Rig) -> None:
    await rig.feed(group_message("/warn", user=OWNER))
    [reply] = rig.sent()
    assert reply.text == render(COMMUNITY_TEXTS, "needs_reply", "en", command="warn")


async def test_warn_by_an_admin_counts_and_posts_a_notice_with_an_appeal(rig: Rig) -> None:
    target = group_message("rude words", user=BOB).message
    await rig.feed(group_message("/warn", user=OWNER, reply_to=_as_reply(target)))
    assert len((await rig.reputation.stats(GROUP, BOB["id"])).violations) == 1
    [notice] = rig.sent()
    assert "Bob" in notice.text and notice.reply_markup is not None


async def test_an_admin_cannot_be_warned(rig: Rig) -> None:
    target = group_message("admin words", user=OWNER).message
    await rig.feed(group_message("/warn", user=OWNER, reply_to=_as_reply(target)))
    [reply] = rig.sent()
    assert reply.text == render(COMMUNITY_TEXTS, "target_is_admin", "en", member="Olga")


async def test_a_refused_admin_command_ends_in_its_router(rig: Rig) -> None:
    # Sent in reply to the bot, "/warn" is also addressed to the assistant (last in line, like the
    # catch-all here); the refusal must be the only answer.
    bot_message = group_message("an answer", user=BOT.model_dump()).message
    await rig.feed(group_message("/warn", user=OWNER, reply_to=_as_reply(bot_message)))
    await rig.feed(group_message("/mute 1h", user=ALICE, reply_to=_as_reply(bot_message)))
    assert [m.text for m in rig.sent()] == [
        render(COMMUNITY_TEXTS, "target_is_bot", "en"),
        render(COMMUNITY_TEXTS, "not_admin", "en", command="mute"),
    ]
    assert handled_ids(rig) == []


async def test_a_mistyped_duration_is_named_before_the_missing_reply(rig: Rig) -> None:
    await rig.feed(group_message("/mute soon", user=OWNER))
    [reply] = rig.sent()
    assert reply.text == render(COMMUNITY_TEXTS, "bad_duration", "en", value="soon", formats=ACCEPTED_FORMATS)


async def test_rep_shows_the_members_own_card(rig: Rig) -> None:
    await rig.feed(group_message("/rep", user=ALICE))
    [card] = rig.sent()
    assert "Alice" in card.text


# --- helpers --------------------------------------------------------------------------------------


def callback(user: dict[str, Any], data: str) -> Update:
    """A press on a button of a bot message in GROUP."""
    message = {
        "message_id": 77,
        "date": 0,
        "chat": {"id": GROUP, "type": "supergroup", "title": "Test group"},
        "from": BOT.model_dump(),
        "text": "settings",
    }
    query = {
        "id": f"cb{user['id']}{data}",
        "from": {"is_bot": False, **user},
        "chat_instance": "ci",
        "message": message,
        "data": data,
    }
    return Update.model_validate({"update_id": next(_callback_updates), "callback_query": query})


_callback_updates = itertools.count(900_000)  # each press a new update, as Telegram sends it


def _as_reply(message: Message | None) -> dict[str, Any]:
    assert message is not None
    return message.model_dump(mode="json", by_alias=True, exclude_none=True)
