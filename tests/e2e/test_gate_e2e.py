"""The newcomer gate end to end: approved members, captcha, raid mode, through the emulator."""

from __future__ import annotations

import asyncio

from prometheus_client import generate_latest

from luka_bot.gate.policy import CaptchaKind, RaidAction

from .harness import ALICE, BOB, GROUP, OWNER, wait_for

SPAM = "💰💰 EARN $500 DAILY 💰💰 join https://t.me/+AbCdEfGh123 now!!! write me in DM"
NEWBIE = {"id": 2001, "first_name": "Nina", "username": "nina"}


async def status(c, user: dict, chat_id: int = GROUP) -> str:
    return (await c.member(chat_id, user["id"]))["status"]


async def join(c, user: dict, chat_id: int = GROUP) -> int:
    return await c.join(chat_id, user)


async def press(c, message: dict, user: dict, data: str) -> dict:
    callback_id = await c.press(GROUP, message["message_id"], user, data)

    async def answered():
        answer = await c.callback_answer(callback_id)
        return answer if answer["answered"] else None

    return await wait_for(answered, timeout=10)


def visible_bot_messages(messages: list[dict]) -> list[dict]:
    return [m for m in messages if m["from"]["is_bot"] and not m["deleted_at"]]


async def prompt(c) -> dict:
    async def found():
        shown = [
            m
            for m in visible_bot_messages(await c.messages())
            if m["reply_markup"]
            and any(b["callback_data"].startswith("gc:") for row in m["reply_markup"]["inline_keyboard"] for b in row)
        ]
        return shown[-1] if shown else None

    return await wait_for(found, timeout=10)


async def answer_of(stack) -> str:
    current = await stack.app.gatekeeper.repo.prompt(GROUP)
    assert current is not None
    return f"gc:{current.answer}"


async def gate_settings(stack, **changes) -> None:
    await stack.app.gatekeeper.repo.update_settings(
        GROUP, lambda s: type(s).model_validate({**s.model_dump(), **changes})
    )


async def audit_decisions(stack, user: dict | None = None) -> list[str]:
    entries = await stack.app.audit.recent(GROUP, count=1000)
    return [
        e.fields["decision"]
        for e in entries
        if e.fields.get("kind") == "gate" and (user is None or e.fields.get("user_id") == str(user["id"]))
    ]


def skipped_jobs(stack) -> float:
    for line in generate_latest(stack.app.metrics.registry).decode().splitlines():
        if line.startswith("luka_verdicts_total") and 'tier="skipped"' in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


# --- approved members -------------------------------------------------------------------------------


async def test_an_approved_member_is_exempt_from_automated_moderation_but_not_from_admins(stack):
    c = stack.control
    hello = await c.post("hello everyone", user=ALICE)
    await c.post("/approve", user=OWNER, reply_to=hello)
    await wait_for(lambda: audit_decisions(stack, ALICE), timeout=10)
    assert await stack.app.gatekeeper.repo.is_approved(GROUP, ALICE["id"])
    before = skipped_jobs(stack)
    spam = await c.post(SPAM, user=ALICE)
    await wait_for(lambda: skipped_jobs(stack) > before, timeout=10)
    messages = {m["message_id"]: m for m in await c.messages()}
    assert not messages[spam]["deleted_at"], "an approved member's message stays"
    # The same text from a member who is not approved is removed.
    other = await c.post(SPAM.replace("500", "501"), user=BOB)
    await wait_for(lambda: _deleted(c, other), timeout=15)
    # Admin commands still apply to approved members.
    await c.post("/ban", user=OWNER, reply_to=spam)
    await wait_for(lambda: _status_is(c, ALICE, "kicked"), timeout=10)
    # /approved lists them; /unapprove lifts it; members cannot use the commands.
    await c.post("/approved", user=OWNER)
    await wait_for(lambda: _bot_text(c, str(ALICE["id"])), timeout=10)
    await c.post(f"/approve {BOB['id']}", user=BOB)
    await wait_for(lambda: _bot_text(c, "/approve"), timeout=10)
    assert not await stack.app.gatekeeper.repo.is_approved(GROUP, BOB["id"])
    await c.post(f"/unapprove {ALICE['id']}", user=OWNER)
    await wait_for(lambda: _not_approved(stack, ALICE), timeout=10)


async def _deleted(c, message_id: int) -> bool:
    return any(m["message_id"] == message_id and m["deleted_at"] for m in await c.messages())


async def _status_is(c, user: dict, expected: str) -> bool:
    return await status(c, user) == expected


async def _bot_text(c, contains: str) -> bool:
    return any(contains in (m["text"] or "") for m in await c.bot_messages())


async def _not_approved(stack, user: dict) -> bool:
    return not await stack.app.gatekeeper.repo.is_approved(GROUP, user["id"])


# --- captcha ----------------------------------------------------------------------------------------


async def test_captcha_passed_lets_the_newcomer_write_and_removes_the_challenge(stack):
    c = stack.control
    await gate_settings(stack, captcha_enabled=True)
    await join(c, NEWBIE)
    await wait_for(lambda: _status_is(c, NEWBIE, "restricted"), timeout=10)
    challenge = await prompt(c)
    assert "Nina" in challenge["text"]
    labels = [b["text"] for row in challenge["reply_markup"]["inline_keyboard"] for b in row]
    assert len(set(labels)) == 6, "a grid of distinct pictures: one right, five decoys"
    answer = await press(c, challenge, NEWBIE, await answer_of(stack))
    assert "Welcome" in answer["text"]
    await wait_for(lambda: _status_is(c, NEWBIE, "member"), timeout=10)
    await wait_for(lambda: _deleted(c, challenge["message_id"]), timeout=10)
    assert "captcha_passed" in await audit_decisions(stack, NEWBIE)
    await c.post("hi all, glad to be here", user=NEWBIE)  # may write now (the emulator refuses muted posts)


async def test_the_layout_changes_each_time_and_members_before_the_bot_are_not_challenged(stack):
    c = stack.control
    await c.post("I was here before the gate was on", user=ALICE)
    await gate_settings(stack, captcha_enabled=True)
    await join(c, NEWBIE)
    first = await prompt(c)
    second_user = {"id": 2002, "first_name": "Oleg"}
    await join(c, second_user)

    async def replaced():
        current = await prompt(c)
        return current if current["message_id"] != first["message_id"] else None

    second = await wait_for(replaced, timeout=10)
    assert sum(1 for m in visible_bot_messages(await c.messages()) if m["reply_markup"]) == 1, "never a pile of prompts"
    assert second["reply_markup"] != first["reply_markup"]
    assert "Nina" in second["text"] and "Oleg" in second["text"]
    assert await status(c, ALICE) == "member", "ALICE was here before: never challenged"
    assert await stack.app.gatekeeper.repo.pending_one(GROUP, ALICE["id"]) is None


async def test_a_wrong_button_fails_the_newcomer_and_only_newcomers_may_press(stack):
    c = stack.control
    await c.post("an old member", user=ALICE)
    await gate_settings(stack, captcha_enabled=True, captcha_kind=CaptchaKind.MATH)
    await join(c, NEWBIE)
    challenge = await prompt(c)
    assert "+" in challenge["text"]
    right = await answer_of(stack)
    wrong = next(
        b["callback_data"]
        for row in challenge["reply_markup"]["inline_keyboard"]
        for b in row
        if b["callback_data"] != right
    )
    not_yours = await press(c, challenge, ALICE, wrong)
    assert not_yours["show_alert"] and await status(c, ALICE) == "member"
    failed = await press(c, challenge, NEWBIE, wrong)  # a bot pressing at random
    assert failed["show_alert"]
    await wait_for(lambda: _status_is(c, NEWBIE, "left"), timeout=10)
    await wait_for(lambda: _deleted(c, challenge["message_id"]), timeout=10)
    assert "captcha_failed" in await audit_decisions(stack, NEWBIE)


async def test_an_unsolved_challenge_times_out_with_a_kick_and_a_self_deleting_notice(stack):
    c = stack.control
    await gate_settings(stack, captcha_enabled=True, captcha_timeout_s=2)
    await join(c, NEWBIE)
    challenge = await prompt(c)
    await wait_for(lambda: _status_is(c, NEWBIE, "left"), timeout=15)  # kicked, not banned: may join again
    await wait_for(lambda: _deleted(c, challenge["message_id"]), timeout=10)
    assert "captcha_timeout" in await audit_decisions(stack, NEWBIE)
    await wait_for(lambda: _bot_text(c, "Removed"), timeout=10)
    notice = next(m for m in await c.bot_messages() if "Removed" in (m["text"] or ""))
    scheduled = await stack.app.redis.client.zscore(
        stack.app.keys.scheduled_deletions, f"{GROUP}:{notice['message_id']}"
    )
    assert scheduled is not None, "the notice deletes itself"
    await join(c, NEWBIE)  # free to try again
    await wait_for(lambda: _status_is(c, NEWBIE, "restricted"), timeout=10)


async def test_a_pending_challenge_survives_a_restart(stack, embedded_redis_url):
    from .harness import start_bot

    c = stack.control
    await gate_settings(stack, captcha_enabled=True, captcha_timeout_s=8)
    await join(c, NEWBIE)
    await prompt(c)
    stack.app.request_stop()
    await wait_for(lambda: not stack.app.health.worker_running, timeout=10)
    assert await status(c, NEWBIE) == "restricted", "the first bot stopped before the deadline"
    # A second bot (same Redis, same prefix) knows nothing in memory of the challenge.
    app, task = await start_bot(
        embedded_redis_url, c.tg_url, c.llm_url, redis_key_prefix=stack.app.settings.redis_key_prefix
    )
    try:
        await wait_for(lambda: _status_is(c, NEWBIE, "left"), timeout=20)
    finally:
        app.request_stop()
        await asyncio.wait_for(task, timeout=20)


# --- raid mode --------------------------------------------------------------------------------------


async def test_a_raid_of_200_joins_in_10_s_is_held_and_the_chat_stays_readable(stack):
    c = stack.control
    await gate_settings(stack, captcha_enabled=True)
    raiders = [{"id": 300000 + i, "first_name": f"Raider {i}"} for i in range(200)]
    for raider in raiders:
        await join(c, raider)
        await c.advance_clock(0.05)  # 200 joins over 10 s

    async def all_held():
        members = await c.members(GROUP)
        by_id = {m["user_id"]: m["status"] for m in members}
        free = [r["id"] for r in raiders if by_id.get(r["id"]) == "member"]
        return not free

    await wait_for(all_held, timeout=60)
    decisions = await audit_decisions(stack)
    assert "raid_on" in decisions
    raid_start = await stack.app.gatekeeper.repo.raid_until(GROUP)
    assert raid_start is not None
    # Every raider is out (banned for the raid) or muted; none can post.
    for raider in raiders[::20]:
        assert await status(c, raider) in ("kicked", "restricted")
    await wait_for(lambda: _quiet(c), timeout=20)
    visible = visible_bot_messages(await c.messages())
    assert len(visible) <= 3, [m["text"] for m in visible]
    assert any("Raid mode is on" in (m["text"] or "") for m in visible), "the admins are told"


async def _quiet(c) -> bool:
    """No prompt left for the raiders: every challenge message has gone."""
    return not [
        m
        for m in visible_bot_messages(await c.messages())
        if m["reply_markup"]
        and any(b["callback_data"].startswith("gc:") for row in m["reply_markup"]["inline_keyboard"] for b in row)
    ]


async def test_antiraid_command_and_the_end_button(stack):
    c = stack.control
    await c.post("/antiraid 30m", user=OWNER)
    await wait_for(lambda: _bot_text(c, "Raid mode is on until"), timeout=10)
    await join(c, NEWBIE)
    await wait_for(lambda: _status_is(c, NEWBIE, "kicked"), timeout=10)
    await c.post("/antiraid off", user=OWNER)
    await wait_for(lambda: _bot_text(c, "Raid mode is off"), timeout=10)
    assert await stack.app.gatekeeper.repo.raid_until(GROUP) is None
    # A surge turns it on by itself; the alert's button ends it (admins only).
    await c.post("/antiraid threshold 1 60", user=OWNER)  # out of range: refused with the usage
    await wait_for(lambda: _bot_text(c, "threshold 10 60 (joins"), timeout=10)
    await c.post("/antiraid threshold 3 60", user=OWNER)
    await wait_for(lambda: _bot_text(c, "at 3 joins within 60 s"), timeout=10)
    assert (await stack.app.gatekeeper.repo.settings(GROUP)).raid_joins == 3
    for i in range(3):
        await join(c, {"id": 4000 + i, "first_name": f"Wave {i}"})
    alert = None

    async def alert_posted():
        return [
            m
            for m in visible_bot_messages(await c.messages())
            if "Raid mode is on" in (m["text"] or "") and m["reply_markup"]
        ]

    alert = (await wait_for(alert_posted, timeout=10))[-1]
    data = alert["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    refused = await press(c, alert, ALICE, data)
    assert refused["show_alert"] and await stack.app.gatekeeper.repo.raid_until(GROUP) is not None
    await press(c, alert, OWNER, data)
    assert await stack.app.gatekeeper.repo.raid_until(GROUP) is None
    assert "raid_off" in await audit_decisions(stack)


# --- join requests ----------------------------------------------------------------------------------

APPLICANT = {"id": 5001, "first_name": "Pavel", "username": "pavel"}


async def request_join(c, user: dict, bio: str | None = None) -> None:
    await c.request_join(GROUP, user, **({"bio": bio} if bio is not None else {}))


async def open_requests(c) -> list[int]:
    return [r["user_id"] for r in await c.join_requests(GROUP)]


async def private_texts(c, user: dict) -> list[str]:
    return [m["text"] or "" for m in await c.private_messages(user["id"])]


async def test_join_requests_are_left_to_admins_by_default(stack):
    c = stack.control
    await request_join(c, APPLICANT)
    await wait_for(lambda: _audit_has(stack, APPLICANT, "request_left_to_admins"), timeout=10)
    # Nothing decides: the request stays open, while a later one is handled once screening is on.
    await gate_settings(stack, join_requests="screen")
    other = {"id": 5002, "first_name": "Vera"}
    await request_join(c, other)
    await wait_for(lambda: _member_status_is(c, other, "member"), timeout=10)
    assert APPLICANT["id"] in await open_requests(c)


async def _member_status_is(c, user: dict, expected: str) -> bool:
    return await status(c, user) == expected


async def test_a_clean_applicant_is_approved_and_a_spammer_declined_with_reasons(stack):
    c = stack.control
    await gate_settings(stack, join_requests="screen", captcha_enabled=True)
    await request_join(c, APPLICANT, bio="Cyclist, coffee lover")
    await wait_for(lambda: _member_status_is(c, APPLICANT, "member"), timeout=10)
    assert "request_approved" in await audit_decisions(stack, APPLICANT)
    assert await stack.app.gatekeeper.repo.pending_one(GROUP, APPLICANT["id"]) is None, "screened: no captcha"
    spammer = {"id": 5003, "first_name": "Crypto", "last_name": "Queen"}
    await request_join(c, spammer, bio="Заработок без вложений, пиши + в лс")
    await wait_for(lambda: _audit_has(stack, spammer, "request_declined"), timeout=10)
    assert spammer["id"] not in await open_requests(c)
    assert await status(c, spammer) == "left"
    entry = next(e for e in await stack.app.audit.recent(GROUP, 200) if e.fields.get("decision") == "request_declined")
    assert "spam_words" in entry.fields["reason"]
    await wait_for(lambda: _private_with(c, spammer, "declined"), timeout=10)
    # A name copying an admin's (with look-alike letters) is declined too.
    impostor = {"id": 5004, "first_name": "Оlgа"}  # Cyrillic О and а, as OWNER is "Olga"
    await request_join(c, impostor)
    await wait_for(lambda: _audit_has(stack, impostor, "request_declined"), timeout=10)
    entry = next(e for e in await stack.app.audit.recent(GROUP, 200) if e.fields.get("user_id") == str(impostor["id"]))
    assert "imitates_admin" in entry.fields["reason"]


async def _audit_has(stack, user: dict, decision: str) -> bool:
    return decision in await audit_decisions(stack, user)


async def test_an_applicant_is_asked_the_admins_question_in_private(stack):
    c = stack.control
    await gate_settings(stack, join_requests="ask")
    await c.post("/setquestion en What colour is the sky? | blue | light blue", user=OWNER)
    await wait_for(lambda: _bot_text(c, "Question saved"), timeout=10)
    await request_join(c, APPLICANT)
    asked = await wait_for(lambda: _private_with(c, APPLICANT, "colour"), timeout=10)
    assert "What colour is the sky?" in asked
    await c.post("Blue", user=APPLICANT, chat_id=APPLICANT["id"])
    await wait_for(lambda: _member_status_is(c, APPLICANT, "member"), timeout=10)
    await wait_for(lambda: _private_with(c, APPLICANT, "Welcome"), timeout=10)
    # A wrong answer declines.
    other = {"id": 5005, "first_name": "Ivan"}
    await request_join(c, other)
    await wait_for(lambda: _private_with(c, other, "colour"), timeout=10)
    await c.post("green", user=other, chat_id=other["id"])
    await wait_for(lambda: _audit_has(stack, other, "request_declined"), timeout=10)
    assert other["id"] not in await open_requests(c) and await status(c, other) == "left"


async def _private_with(c, user: dict, contains: str) -> str | None:
    return next((t for t in await private_texts(c, user) if contains in t), None)


async def test_a_bio_link_asks_before_approval_and_russian_groups_get_russian(stack):
    c = stack.control
    await gate_settings(stack, join_requests="screen")
    settings = await stack.app.dispatcher["group_settings"].get(GROUP)
    from luka_bot.policy.group import Language

    await stack.app.dispatcher["group_settings"].save(GROUP, settings.model_copy(update={"language": Language.RU}))
    await request_join(c, APPLICANT, bio="my shop: https://example.shop/deals")
    asked = await wait_for(lambda: _private_with(c, APPLICANT, "заявку"), timeout=10)
    assert "зачем" in asked.lower()
    assert "bio_link" in next(
        e.fields["reason"]
        for e in await stack.app.audit.recent(GROUP, 50)
        if e.fields.get("decision") == "request_asked"
    )


# --- shared ban lists -------------------------------------------------------------------------------


async def test_cas_listed_applicants_and_joiners_are_kept_out_and_a_slow_cas_never_blocks(stack):
    from luka_bot.gate.cas import CasLookup

    c = stack.control
    app = stack.app
    app.gatekeeper._cas = CasLookup(app.redis.client, app.keys, f"{c.tg_url}/cas")
    await gate_settings(stack, join_requests="screen", cas_enabled=True)
    await c.set_cas(user_id=APPLICANT["id"], listed=True)
    await request_join(c, APPLICANT)
    await wait_for(lambda: _audit_has(stack, APPLICANT, "request_declined"), timeout=10)
    assert await app.redis.client.get(app.keys.cas(APPLICANT["id"])) == "1", "cached"
    listed_joiner = {"id": 5006, "first_name": "Listed"}
    await c.set_cas(user_id=listed_joiner["id"], listed=True)
    await join(c, listed_joiner)
    await wait_for(lambda: _member_status_is(c, listed_joiner, "kicked"), timeout=10)
    # A CAS that takes 5 s: the decision comes within about a second, and says the lookup failed.
    await c.set_cas(delay=5)
    slow = {"id": 5007, "first_name": "Slow"}
    loop = asyncio.get_running_loop()
    started = loop.time()
    await request_join(c, slow)
    await wait_for(lambda: _member_status_is(c, slow, "member"), timeout=10)
    assert loop.time() - started < 4.5, "the join decision did not wait for the slow lookup"
    assert "cas_unknown" in await audit_decisions(stack, slow)


async def test_a_spam_ban_spreads_to_linked_groups_and_an_unban_lifts_it_there_only(stack):
    c = stack.control
    other_group = -1001000000002
    await c.post("Second group opens", user=OWNER, chat_id=other_group)
    await c.make_admin(other_group, OWNER["id"])
    await c.post(f"/linkgroup {other_group}", user=OWNER)
    offer = await wait_for(lambda: _bot_text_full(c, "/linkgroup confirm"), timeout=10)
    code = offer.split("confirm ")[1].split()[0]
    # A member of the first group cannot confirm in the other; its admin can.
    await c.post(f"/linkgroup confirm {code}", user=OWNER, chat_id=other_group)

    async def linked():
        return await stack.app.gatekeeper.linked(GROUP) == [other_group]

    await wait_for(linked, timeout=10)
    await c.post("hello there", user=BOB, chat_id=other_group)  # BOB is in both groups
    await c.post("hi", user=BOB)
    # This group bans at the first violation, so one spam message makes a spam ban.
    from luka_bot.policy.ladder_settings import LadderStep, SanctionKind

    repo = stack.app.dispatcher["group_settings"]
    await repo.update(
        GROUP,
        lambda s: s.model_copy(
            update={
                "ladder": s.ladder.model_copy(update={"steps": [LadderStep(kind=SanctionKind.BAN, duration_s=86400)]})
            }
        ),
    )
    await c.post(SPAM, user=BOB)
    await wait_for(lambda: _member_status_is(c, BOB, "kicked"), timeout=15)
    await wait_for(lambda: _status_in(c, BOB, other_group, "kicked"), timeout=15)
    assert await _audit_in(stack, other_group, "linked_ban")
    assert await stack.app.gatekeeper.linked_banned(other_group, BOB["id"])
    # The other group's admin unbans: lifted there only.
    await c.set_member(other_group, BOB["id"], "left")
    await wait_for(lambda: _audit_in(stack, other_group, "linked_ban_lifted"), timeout=10)
    assert await status(c, BOB) == "kicked", "still banned where the spam was"
    assert await status(c, BOB, other_group) == "left"


async def _bot_text_full(c, contains: str) -> str | None:
    return next((m["text"] for m in await c.bot_messages() if contains in (m["text"] or "")), None)


async def _status_in(c, user: dict, chat_id: int, expected: str) -> bool:
    return await status(c, user, chat_id) == expected


async def _audit_in(stack, chat_id: int, decision: str) -> bool:
    return any(e.fields.get("decision") == decision for e in await stack.app.audit.recent(chat_id, 100))


# --- settings ---------------------------------------------------------------------------------------


async def test_the_gate_is_set_in_the_settings_menu_by_admins_only(stack):
    c = stack.control
    await c.post("/settings", user=OWNER)

    async def menu():
        found = [
            m for m in visible_bot_messages(await c.messages()) if m["reply_markup"] and "Settings" in (m["text"] or "")
        ]
        return found[-1] if found else None

    main = await wait_for(menu, timeout=10)
    gate_button = next(
        b["callback_data"]
        for row in main["reply_markup"]["inline_keyboard"]
        for b in row
        if "Newcomer gate" in b["text"]
    )
    await press(c, main, OWNER, gate_button)

    async def gate_page():
        current = next(m for m in await c.messages() if m["message_id"] == main["message_id"])
        return current if "Newcomer gate" in (current["text"] or "") else None

    page = await wait_for(gate_page, timeout=10)
    captcha = next(
        b["callback_data"] for row in page["reply_markup"]["inline_keyboard"] for b in row if "Captcha" in b["text"]
    )
    refused = await press(c, page, ALICE, captcha)
    assert refused["show_alert"] and not (await stack.app.gatekeeper.repo.settings(GROUP)).captcha_enabled
    await press(c, page, OWNER, captcha)
    assert (await stack.app.gatekeeper.repo.settings(GROUP)).captcha_enabled
    await join(c, NEWBIE)
    await wait_for(lambda: _status_is(c, NEWBIE, "restricted"), timeout=10)


# --- raid lock and trust by behaviour ---------------------------------------------------------------


async def _judged(stack, message_id: int) -> bool:
    return any(e.fields.get("message_id") == str(message_id) for e in await stack.app.audit.recent(GROUP, 200))


async def test_during_a_raid_a_silent_old_member_is_still_a_newcomer_for_links_and_media(stack):
    c = stack.control
    sleeper = {"id": 6001, "first_name": "Sleeper"}
    first = await c.post("hello", user=sleeper)
    await wait_for(lambda: _judged(stack, first), timeout=10)
    await c.advance_clock(400 * 86400)  # joined long ago, silent since
    regular = []
    for text in ("good morning", "anyone tried the new release?", "thanks, that helped"):
        regular.append(await c.post(text, user=BOB))
    for message_id in regular:
        await wait_for(lambda m=message_id: _judged(stack, m), timeout=10)
    await c.post("/antiraid 1h", user=OWNER)
    await wait_for(lambda: _bot_text(c, "Raid mode is on"), timeout=10)
    link = await c.post("look at https://example.org/page", user=sleeper)
    photo = await c.post("my photo", user=sleeper, media="photo")
    await wait_for(lambda: _deleted(c, link), timeout=10)
    await wait_for(lambda: _deleted(c, photo), timeout=10)
    assert (await audit_decisions(stack, sleeper)).count("raid_lock_removed") == 2
    # A member whose first messages passed keeps their link; so does an approved newcomer.
    kept = await c.post("the docs: https://example.org/docs", user=BOB)
    await c.post(f"/approve {ALICE['id']}", user=OWNER)
    await wait_for(lambda: stack.app.gatekeeper.repo.is_approved(GROUP, ALICE["id"]), timeout=10)
    await wait_for(lambda: _judged(stack, kept), timeout=10)
    skipped = skipped_jobs(stack)
    approved = await c.post("https://example.org/alice", user=ALICE)
    await wait_for(lambda: skipped_jobs(stack) > skipped, timeout=10)  # its job was taken
    messages = {m["message_id"]: m for m in await c.messages()}
    assert not messages[kept]["deleted_at"] and not messages[approved]["deleted_at"]
    # Plain text from the sleeper is not locked.
    text = await c.post("sorry, no links then", user=sleeper)
    await wait_for(lambda: _judged(stack, text), timeout=10)
    assert not next(m for m in await c.messages() if m["message_id"] == text)["deleted_at"]


async def test_raid_mode_can_hold_joins_behind_one_challenge_instead_of_removing_them(stack):
    c = stack.control
    await gate_settings(stack, raid_joins=3, raid_action=RaidAction.CAPTCHA)
    wave = [{"id": 7000 + i, "first_name": f"Wave {i}"} for i in range(6)]
    for user in wave:
        await join(c, user)

    async def statuses():
        return [await status(c, u) for u in wave]

    async def held():
        # Updates are handled concurrently, so which two joins came "before" the surge is the
        # bot's order, not the sending order: two are let be (captcha is off here), four held.
        return sorted(await statuses()) == ["member"] * 2 + ["restricted"] * 4

    await wait_for(held, timeout=15)
    assert "raid_on" in await audit_decisions(stack)
    held_users = [u for u, s in zip(wave, await statuses(), strict=True) if s == "restricted"]
    prompts = [
        m
        for m in visible_bot_messages(await c.messages())
        if m["reply_markup"]
        and any(b["callback_data"].startswith("gc:") for row in m["reply_markup"]["inline_keyboard"] for b in row)
    ]
    assert len(prompts) == 1, "one challenge serves everyone held"
    answer = await press(c, prompts[0], held_users[0], await answer_of(stack))
    assert "Welcome" in answer["text"]
    await wait_for(lambda: _status_is(c, held_users[0], "member"), timeout=10)
    # An admin approves one of the held: they may write at once.
    await c.post(f"/approve {held_users[1]['id']}", user=OWNER)
    await wait_for(lambda: _status_is(c, held_users[1], "member"), timeout=10)


async def test_a_declined_applicant_appeals_and_an_admin_lets_them_in(stack):
    c = stack.control
    await gate_settings(stack, join_requests="screen")
    await request_join(c, APPLICANT, bio="Заработок без вложений, пиши + в лс")
    await wait_for(lambda: _private_with(c, APPLICANT, "declined"), timeout=10)
    declined = next(m for m in await c.private_messages(APPLICANT["id"]) if "declined" in (m["text"] or ""))
    appeal_data = declined["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    callback_id = await c.press(APPLICANT["id"], declined["message_id"], APPLICANT, appeal_data)

    async def answered():
        answer = await c.callback_answer(callback_id)
        return answer if answer["answered"] else None

    assert "sent to the admins" in (await wait_for(answered, timeout=10))["text"]
    appeal = await wait_for(lambda: _bot_message_with(c, "Appeal"), timeout=10)
    let_in = appeal["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    refused = await press(c, appeal, ALICE, let_in)
    assert refused["show_alert"] and not await stack.app.gatekeeper.repo.is_approved(GROUP, APPLICANT["id"])
    await press(c, appeal, OWNER, let_in)
    assert await stack.app.gatekeeper.repo.is_approved(GROUP, APPLICANT["id"])
    await wait_for(lambda: _private_with(c, APPLICANT, "accepted your appeal"), timeout=10)
    await request_join(c, APPLICANT)
    await wait_for(lambda: _member_status_is(c, APPLICANT, "member"), timeout=10)
    assert {"request_appealed", "appeal_accepted", "request_approved"} <= set(await audit_decisions(stack, APPLICANT))


async def _bot_message_with(c, contains: str) -> dict | None:
    return next((m for m in await c.bot_messages() if contains in (m["text"] or "") and m["reply_markup"]), None)
