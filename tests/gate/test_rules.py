"""Table tests of the gate's pure rules: challenges, raid detection, applicant screening."""

from __future__ import annotations

import random

import pytest

from luka_bot.community.stats import MemberStats, ViolationRecord
from luka_bot.community.trust import member_context
from luka_bot.gate.applicant import (
    AdminName,
    Applicant,
    Decision,
    Reason,
    answer_accepted,
    imitates_admin,
    screen,
)
from luka_bot.gate.captcha import PICTURES, is_right, make_challenge
from luka_bot.gate.policy import CaptchaKind, GateSettings, JoinRequestMode, RaidAction
from luka_bot.gate.raid import judge_join
from luka_bot.moderation.cascade import is_newcomer
from luka_bot.moderation.verdict import Category, ModerationRequest
from luka_bot.policy.ladder_settings import DAY, LadderPolicy
from luka_bot.policy.rules import RulesPolicy
from luka_bot.telegram.newcomers.gate_menu import GateAction, gate_changed, gate_menu
from luka_bot.texts import missing_translations
from luka_bot.texts.gate import TEXTS

# --- captcha ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(CaptchaKind), ids=lambda k: k.value)
def test_a_challenge_has_one_right_button_among_distinct_decoys(kind):
    challenge = make_challenge(kind, random.Random(7))
    tokens = [b.token for b in challenge.buttons]
    labels = [b.label for b in challenge.buttons]
    assert len(set(tokens)) == len(tokens) == 6 and len(set(labels)) == 6
    assert tokens.count(challenge.answer) == 1
    right = next(b.label for b in challenge.buttons if b.token == challenge.answer)
    if kind is CaptchaKind.MATH:
        a, b = (int(x) for x in challenge.subject.split(" + "))
        assert right == str(a + b)
    else:
        assert right == challenge.subject and right in PICTURES
    assert [len(row) for row in challenge.rows()] == [3, 3]


def test_the_layout_changes_every_time():
    layouts = {tuple(b.label for b in make_challenge(CaptchaKind.BUTTONS).buttons) for _ in range(30)}
    answers = {make_challenge(CaptchaKind.BUTTONS).answer for _ in range(30)}
    assert len(layouts) > 25 and len(answers) == 30


def test_random_presses_mostly_fail():
    rng = random.Random(1)
    passed = 0
    for _ in range(600):
        challenge = make_challenge(CaptchaKind.BUTTONS, rng)
        passed += is_right(challenge.answer, rng.choice(challenge.buttons).token)
    assert 60 <= passed <= 140, "one press in six is right by chance, and one press is all a newcomer gets"


@pytest.mark.parametrize(
    ("answer", "pressed", "right"),
    [
        ("abcd1234", "abcd1234", True),
        ("abcd1234", "abcd1235", False),
        ("abcd1234", "", False),
        ("", "", False),
    ],
    ids=["same", "other", "empty-press", "no-answer"],
)
def test_is_right(answer, pressed, right):
    assert is_right(answer, pressed) is right


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_the_subject_is_named_in_the_groups_language(lang):
    challenge = make_challenge(CaptchaKind.BUTTONS, random.Random(3))
    name = PICTURES[challenge.subject][1 if lang == "ru" else 0]
    assert challenge.subject_text(lang) == f"{challenge.subject} {name}"


# --- raid ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("joins", "active", "guard", "start", "on"),
    [
        (1, False, True, False, False),
        (9, False, True, False, False),
        (10, False, True, True, True),
        (50, False, True, True, True),
        (50, True, True, False, True),
        (50, False, False, False, False),
        (1, True, False, False, True),
    ],
    ids=["one", "below", "threshold", "surge", "already-on", "guard-off", "manual-on"],
)
def test_judge_join(joins, active, guard, start, on):
    decision = judge_join(joins, active, GateSettings(raid_guard=guard, raid_joins=10))
    assert (decision.start, decision.active) == (start, on)


# --- applicants ---------------------------------------------------------------------------------------

ADMINS = [AdminName(1000, "Olga Petrova", "olga_admin_real"), AdminName(1, "Group owner", "group_owner")]


@pytest.mark.parametrize(
    ("applicant", "cas", "linked", "mode", "decision", "reason"),
    [
        (
            Applicant(5, "Anna", bio="I like hiking"),
            False,
            False,
            JoinRequestMode.SCREEN,
            Decision.APPROVE,
            Reason.CLEAN,
        ),
        (Applicant(5, "Anna"), False, False, JoinRequestMode.ASK, Decision.ASK, Reason.ASK_ALL),
        (Applicant(5, "Anna"), True, False, JoinRequestMode.SCREEN, Decision.DECLINE, Reason.CAS),
        (Applicant(5, "Anna"), False, True, JoinRequestMode.SCREEN, Decision.DECLINE, Reason.LINKED),
        (
            Applicant(5, "Anna", bio="Заработок без вложений, пиши в лс"),
            False,
            False,
            JoinRequestMode.SCREEN,
            Decision.DECLINE,
            Reason.SPAM_WORDS,
        ),
        (
            Applicant(5, "Anna", bio="ЗАРАБOТОК БEЗ ВЛОЖЕНИЙ!!!"),
            False,
            False,
            JoinRequestMode.SCREEN,
            Decision.DECLINE,
            Reason.SPAM_WORDS,
        ),
        (
            Applicant(5, "Anna", bio="my channel t.me/annas_things"),
            False,
            False,
            JoinRequestMode.SCREEN,
            Decision.ASK,
            Reason.BIO_LINK,
        ),
        (
            Applicant(5, "Olga", "Petrova"),
            False,
            False,
            JoinRequestMode.SCREEN,
            Decision.DECLINE,
            Reason.IMITATES_ADMIN,
        ),
        (
            Applicant(5, "Оlgа", "Реtrova"),
            False,
            False,
            JoinRequestMode.SCREEN,
            Decision.DECLINE,
            Reason.IMITATES_ADMIN,
        ),
        (
            Applicant(5, "Olga Petrova", "Support"),
            False,
            False,
            JoinRequestMode.SCREEN,
            Decision.DECLINE,
            Reason.IMITATES_ADMIN,
        ),
        (Applicant(5, "Olga", "Smirnova"), False, False, JoinRequestMode.SCREEN, Decision.APPROVE, Reason.CLEAN),
        (Applicant(1000, "Olga", "Petrova"), False, False, JoinRequestMode.SCREEN, Decision.APPROVE, Reason.CLEAN),
        (Applicant(5, "", bio=""), False, False, JoinRequestMode.SCREEN, Decision.APPROVE, Reason.CLEAN),
    ],
    ids=[
        "clean",
        "ask-all",
        "cas",
        "linked",
        "bio-spam",
        "bio-spam-leet",
        "bio-link",
        "admin-name",
        "admin-name-homoglyphs",
        "admin-plus-support",
        "same-first-name-only",
        "the-admin-themself",
        "empty",
    ],
)
def test_screen(applicant, cas, linked, mode, decision, reason):
    result = screen(applicant, admins=ADMINS, cas_listed=cas, linked_banned=linked, mode=mode)
    assert result.decision is decision and reason in result.reasons


@pytest.mark.parametrize(
    ("username", "imitates"),
    [
        ("olga_admin_real_support", True),
        ("olga_admin_real", False),  # the admin's own username belongs to the admin (same text)
        ("someone_else", False),
    ],
    ids=["username-plus-support", "identical", "unrelated"],
)
def test_usernames_that_copy_an_admin(username, imitates):
    assert imitates_admin(Applicant(5, "X Y", username=username), ADMINS) is imitates


@pytest.mark.parametrize(
    ("answer", "accepted", "ok"),
    [
        ("Blue", ["blue"], True),
        ("  BLUE  ", ["blue"], True),
        ("Вlue", ["blue"], True),
        ("green", ["blue", "синий"], False),
        ("синий", ["blue", "синий"], True),
        ("", ["blue"], False),
        ("blue", [""], False),
    ],
    ids=["case", "spaces", "homoglyph", "wrong", "russian", "empty", "empty-option"],
)
def test_answer_accepted(answer, accepted, ok):
    assert answer_accepted(answer, accepted) is ok


def test_every_gate_text_has_english_and_russian():
    assert missing_translations(TEXTS) == []


# --- settings menu ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "field", "before", "after"),
    [
        (GateAction.CAPTCHA, "captcha_enabled", False, True),
        (GateAction.CAPTCHA_KIND, "captcha_kind", CaptchaKind.BUTTONS, CaptchaKind.MATH),
        (GateAction.CAPTCHA_TIMEOUT, "captcha_timeout_s", 120, 300),
        (GateAction.CAPTCHA_TIMEOUT, "captcha_timeout_s", 600, 60),
        (GateAction.RAID_GUARD, "raid_guard", True, False),
        (GateAction.RAID_ACTION, "raid_action", RaidAction.KICK, RaidAction.CAPTCHA),
        (GateAction.JOIN_REQUESTS, "join_requests", JoinRequestMode.OFF, JoinRequestMode.SCREEN),
        (GateAction.JOIN_REQUESTS, "join_requests", JoinRequestMode.ASK, JoinRequestMode.OFF),
        (GateAction.CAS, "cas_enabled", False, True),
    ],
    ids=[
        "captcha",
        "kind",
        "timeout",
        "timeout-wraps",
        "raid-guard",
        "raid-action",
        "join-requests",
        "join-requests-wraps",
        "cas",
    ],
)
def test_gate_menu_buttons(action, field, before, after):
    changed = gate_changed(GateSettings(**{field: before}), action)
    assert changed is not None and getattr(changed, field) == after
    assert gate_changed(GateSettings(), GateAction.BACK) is None


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_gate_menu_renders_in_both_languages(lang):
    markup = gate_menu(GateSettings(), lang)
    assert all(b.callback_data.startswith("gg:") for row in markup.inline_keyboard for b in row)
    assert len(markup.inline_keyboard) == len(GateAction)


# --- trust by behaviour -------------------------------------------------------------------------------


NOW = 1_800_000_000.0


def _stats(messages: int, *, joined_days_ago: float, violations_days_ago: tuple[float, ...] = ()) -> MemberStats:
    return MemberStats(
        chat_id=-1,
        user_id=7,
        messages=messages,
        first_seen=NOW - joined_days_ago * DAY,
        violations=tuple(
            ViolationRecord(Category.SPAM, NOW - d * DAY, f"v{i}") for i, d in enumerate(violations_days_ago)
        ),
    )


@pytest.mark.parametrize(
    ("stats", "newcomer"),
    [
        (_stats(1, joined_days_ago=0), True),
        (_stats(1, joined_days_ago=400), True),  # a sleeper: old, silent
        (_stats(3, joined_days_ago=400), False),
        (_stats(4, joined_days_ago=400, violations_days_ago=(0.1, 0.2)), True),  # first messages removed
        (_stats(4, joined_days_ago=400, violations_days_ago=(60, 61)), False),  # long-decayed violations
        (_stats(10, joined_days_ago=1), False),
    ],
    ids=["first-message", "sleeper", "three-passed", "removed-ones-do-not-count", "decayed", "active"],
)
def test_a_member_stays_a_newcomer_until_their_first_messages_pass(stats, newcomer):
    context = member_context(stats, NOW, LadderPolicy(), is_admin=False)
    request = ModerationRequest(chat_id=-1, message_id=1, user_id=7, text="hi", member=context)
    assert is_newcomer(request, RulesPolicy()) is newcomer
