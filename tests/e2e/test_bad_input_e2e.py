"""Bad input gets a clear outcome, never a crash or lost state: odd messages are each judged and
audited, and the bot keeps answering afterwards."""

from __future__ import annotations

import pytest

from .harness import ALICE, BOB, BOT_USERNAME, GROUP, wait_for

ODD_MESSAGES = {
    "zero-width": {"text": "h\u200be\u200bl\u200bl\u200bo"},
    "rtl-override": {"text": "\u202enwod gnihtemos\u202c ok"},
    "long": {"text": "словно " * 580},
    "binary-looking": {"text": "\x01\x02\x7f\ufffd\ufffe PK\x03\x04 %PDF-1.7"},
    "only-emoji": {"text": "🎉" * 200},
    "photo-no-caption": {"text": "", "media": "photo"},
    "sticker": {"text": "", "media": "sticker"},
    "captioned-video": {"text": "look at this", "media": "video"},
    "forward-from-channel": {"text": "channel news", "forward_from_chat": {"id": -1009999, "title": "News"}},
    "on-behalf-of-channel": {"text": "posted as a channel", "sender_chat": {"id": -1008888, "title": "Brand"}},
    "contact-only": {"text": "", "contact": {"phone_number": "+10000000000", "first_name": "X"}},
    "html-looking": {"text": "<b>bold</b> <script>alert(1)</script> &amp;"},
}


@pytest.mark.parametrize("stack", [{"llm_judge": "off"}], indirect=True)
async def test_odd_messages_are_each_judged_and_the_bot_keeps_working(stack):
    c = stack.control
    posted = {}
    for name, body in ODD_MESSAGES.items():
        extra = {k: v for k, v in body.items() if k != "text"}
        posted[name] = await c.post(body["text"], user=BOB, **extra)
    audit = stack.app.audit

    async def all_audited():
        seen = {int(e.fields["message_id"]) for e in await audit.recent(GROUP, count=200)}
        missing = [name for name, mid in posted.items() if mid not in seen]
        return not missing or None

    await wait_for(all_audited, timeout=20)

    async def all_acknowledged():  # the audit record is written just before its job is acked
        backlog = await stack.app.queue.backlog()
        return backlog if backlog.pending == 0 and backlog.length == 0 else None

    backlog = await wait_for(all_acknowledged, timeout=10)
    assert backlog.dead_letters == 0
    await c.llm_script(contains="still alive", reply="Yes, still here.")
    question = await c.post(f"@{BOT_USERNAME} still alive?", user=ALICE)

    async def answered():
        return [m for m in await c.bot_messages(reply_to=question) if m["text"] == "Yes, still here."]

    await wait_for(answered, timeout=10)


@pytest.mark.parametrize("stack", [{"llm_judge": "all"}], indirect=True)
async def test_many_copies_of_one_text_cost_one_llm_call(stack):
    c = stack.control
    verdict = {"action": "delete", "category": "spam", "confidence": 0.9, "reason": "copy-paste campaign"}
    await c.llm_script(contains="glorbex", verdict=verdict)
    await c.llm_config(judge_delay=0.3)
    ids = [
        await c.post("check out glorbex, a new way to stake", user={"id": 3000 + n, "first_name": f"U{n}"})
        for n in range(12)
    ]

    async def all_deleted():
        messages = {m["message_id"]: m for m in await c.messages()}
        return all(messages[i]["deleted_at"] for i in ids)

    await wait_for(all_deleted, timeout=20)
    judge_calls = [
        r
        for r in await c.llm_requests()
        if "json_schema" in str(r.get("response_format")) and "glorbex" in str(r.get("messages"))
    ]
    assert len(judge_calls) == 1


async def test_a_channel_posting_spam_as_itself_is_barred_as_a_sender_chat(stack):
    c = stack.control
    brand = {"id": -1007777, "title": "Spam Channel"}
    spam = "💰💰 EARN $500 DAILY 💰💰 join https://t.me/+AbCdEfGh123 now!!! write me in DM"
    first = await c.post(spam + " #1", user=BOB, sender_chat=brand)
    await wait_for(lambda: _deleted(c, first), timeout=10)
    second = await c.post(spam + " #2", user=BOB, sender_chat=brand)  # the ladder's 2nd step: a mute
    await wait_for(lambda: _deleted(c, second), timeout=10)

    async def barred():
        return [x for x in await c.calls("banChatSenderChat") if x["ok"]]

    await wait_for(barred, timeout=10)
    assert await c.calls("banChatMember") == [] and await c.calls("restrictChatMember") == []
    async with c.session.post(
        f"{c.tg_url}/_emulator/messages",
        json={"chat_id": GROUP, "from": BOB, "text": "still here", "sender_chat": brand},
    ) as response:
        assert response.status == 403
    # Bob himself is not sanctioned for what the channel posted.
    assert (await c._json("GET", f"{c.tg_url}/_emulator/chats/{GROUP}/members/{BOB['id']}"))["status"] == "member"


async def _deleted(c, message_id: int) -> bool:
    return any(m["message_id"] == message_id and m["deleted_at"] for m in await c.messages())
