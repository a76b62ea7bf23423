"""/policy edits: only existing fields, validated values, lists edited by add/remove."""

import pytest

from luka_bot.policy.edit import Operation, PolicyEditError, apply_edit, describe
from luka_bot.policy.rules import RulesPolicy


def test_set_a_number_and_a_flag():
    policy = apply_edit(RulesPolicy(), Operation.SET, "floods.max_emojis", "20")
    policy = apply_edit(policy, Operation.SET, "links.shorteners", "off")
    assert policy.floods.max_emojis == 20 and policy.links.shorteners is False


def test_add_and_remove_list_items_case_insensitively():
    policy = apply_edit(RulesPolicy(), Operation.ADD, "stop_words", "Free Money")
    policy = apply_edit(policy, Operation.ADD, "stop_words", "free money")  # no duplicate
    policy = apply_edit(policy, Operation.ADD, "links.deny_domains", "scam.example")
    assert policy.stop_words == ["free money"] and policy.links.deny_domains == ["scam.example"]
    assert apply_edit(policy, Operation.REMOVE, "stop_words", "FREE MONEY").stop_words == []


@pytest.mark.parametrize(
    ("operation", "path", "value", "reason"),
    [
        (Operation.SET, "__class__", "x", "unknown setting"),
        (Operation.SET, "model_config", "x", "unknown setting"),
        (Operation.SET, "floods.__dict__", "x", "unknown setting"),
        (Operation.SET, "floods", "1", "is a list"),
        (Operation.SET, "floods.max_emojis", "-3", "floods.max_emojis"),
        (Operation.SET, "classifier.spam_at", "7", "classifier.spam_at"),
        (Operation.SET, "floods.max_emojis", "many", "floods.max_emojis"),
        (Operation.ADD, "floods.max_emojis", "3", "not a list"),
        (Operation.SET, "stop_words", "x", "is a list"),
        (Operation.REMOVE, "stop_words", "absent", "not in stop_words"),
        (Operation.ADD, "stop_words", "x" * 201, "1 to 200"),
    ],
    ids=[
        "dunder",
        "model-config",
        "nested-dunder",
        "section",
        "negative",
        "out-of-range",
        "not-a-number",
        "add-to-scalar",
        "set-a-list",
        "remove-missing",
        "too-long",
    ],
)
def test_refused_edits_say_why_and_change_nothing(operation, path, value, reason):
    policy = RulesPolicy()
    with pytest.raises(PolicyEditError, match=reason):
        apply_edit(policy, operation, path, value)
    assert policy == RulesPolicy()


def test_describe_lists_every_leaf_setting():
    paths = dict(describe(RulesPolicy()))
    assert paths["floods.max_emojis"] == 12 and "links.deny_domains" in paths and "stop_words" in paths


def test_a_group_can_make_swearing_a_violation() -> None:
    from luka_bot.policy.edit import Operation, apply_edit
    from luka_bot.policy.rules import RulesPolicy

    assert RulesPolicy().profanity_is_violation is False
    assert apply_edit(RulesPolicy(), Operation.SET, "profanity_is_violation", "on").profanity_is_violation is True
