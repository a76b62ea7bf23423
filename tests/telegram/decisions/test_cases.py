"""Cases behind notice buttons: short, whitelisted button data; settled once; escaped texts."""

from __future__ import annotations

import asyncio
import importlib
import pkgutil

import pytest

import luka_bot.texts
from luka_bot.moderation.verdict import Category
from luka_bot.policy.ladder_settings import SanctionKind
from luka_bot.telegram.decisions.cases import (
    Case,
    CaseAction,
    CaseCallback,
    CaseStatus,
    CaseStore,
    log_keyboard,
    log_text,
    notice_keyboard,
)
from luka_bot.texts import missing_translations

CASE = Case(
    chat_id=-1001234567890123,
    message_id=2_147_483_647,
    user_id=7_000_000_001,
    name="<b>Eve</b> & co",
    text="<script>alert(1)</script> buy now",
    category=Category.SPAM,
    sanction=SanctionKind.MUTE,
    duration_s=3600,
    removed=True,
    chat_title="Cats <3",
)


def test_every_text_catalog_has_english_and_russian():
    catalogs = 0
    for module in pkgutil.iter_modules(luka_bot.texts.__path__):
        texts = getattr(importlib.import_module(f"luka_bot.texts.{module.name}"), "TEXTS", None)
        if texts is not None:
            catalogs += 1
            assert missing_translations(texts) == [], module.name
    assert catalogs >= 5


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_button_data_fits_telegrams_64_bytes_and_names_only_the_case(lang):
    buttons = [
        b
        for markup in (notice_keyboard(CASE, lang, public=True), log_keyboard(CASE, lang))
        for row in markup.inline_keyboard
        for b in row
    ]
    assert {CaseCallback.unpack(b.callback_data).action for b in buttons} == set(CaseAction)
    for button in buttons:
        assert len(button.callback_data.encode()) <= 64
        parsed = CaseCallback.unpack(button.callback_data)
        assert (parsed.chat_id, parsed.message_id) == (CASE.chat_id, CASE.message_id)


def test_a_private_notice_offers_only_the_appeal():
    row = notice_keyboard(CASE, "en", public=False).inline_keyboard[0]
    assert [CaseCallback.unpack(b.callback_data).action for b in row] == [CaseAction.APPEAL]


@pytest.mark.parametrize(
    "data",
    ["case:__class__:1:2", "case:delete_all:1:2", "case:restore:x:2", "case:restore:1", "case:restore:1:2:3"],
    ids=["dunder", "unknown-action", "non-integer-chat", "missing-part", "extra-part"],
)
def test_button_data_outside_the_whitelist_is_refused(data):
    with pytest.raises((ValueError, TypeError)):
        CaseCallback.unpack(data)


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("appeal", [False, True], ids=["action", "appeal"])
def test_log_records_escape_member_text_and_names(lang, appeal):
    text = log_text(CASE, lang, appeal=appeal)
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "<b>Eve</b>" not in text and "&lt;b&gt;Eve&lt;/b&gt; &amp; co" in text
    assert "Cats &lt;3" in text


async def test_a_case_survives_storage_and_settles_once(redis, keys):
    store = CaseStore(redis, keys)
    await store.open(CASE)
    assert await store.get(CASE.chat_id, CASE.message_id) == CASE
    assert await redis.ttl(keys.notice(CASE.chat_id, CASE.message_id)) > 0

    open_states = (CaseStatus.OPEN, CaseStatus.APPEALED)
    results = await asyncio.gather(
        *[store.move(CASE.chat_id, CASE.message_id, CaseStatus.RESTORED, allowed_from=open_states) for _ in range(10)]
    )
    assert results.count(True) == 1
    assert (await store.get(CASE.chat_id, CASE.message_id)).status is CaseStatus.RESTORED
    assert not await store.move(CASE.chat_id, CASE.message_id, CaseStatus.APPEALED, allowed_from=(CaseStatus.OPEN,))


async def test_no_case_means_nothing_to_move(redis, keys):
    store = CaseStore(redis, keys)
    assert await store.get(-100, 1) is None
    assert not await store.move(-100, 1, CaseStatus.RESTORED, allowed_from=(CaseStatus.OPEN,))


async def test_the_log_chat_is_set_and_cleared(redis, keys):
    store = CaseStore(redis, keys)
    assert await store.log_chat(-100) is None
    await store.set_log_chat(-100, -200)
    assert await store.log_chat(-100) == -200
    await store.set_log_chat(-100, None)
    assert await store.log_chat(-100) is None
