import pytest

from luka_bot.telegram.durations import Duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30m", Duration(1800)),
        ("1h", Duration(3600)),
        ("2d", Duration(2 * 86_400)),
        ("1w", Duration(7 * 86_400)),
        (" 10 MIN ", Duration(600)),
        ("2ч", Duration(7200)),
        ("perm", Duration(None)),
        ("навсегда", Duration(None)),
    ],
    ids=["minutes", "hours", "days", "weeks", "spaces-and-case", "russian-hours", "perm", "russian-perm"],
)
def test_accepted_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    ["5 parsecs", "", "h", "10", "-1h", "0m", "30s", "400d", "1.5h", "1h30m"],
    ids=[
        "unknown-unit",
        "empty",
        "no-number",
        "no-unit",
        "negative",
        "zero",
        "below-telegram-minimum",
        "over-a-year",
        "fraction",
        "compound",
    ],
)
def test_refused_durations(text):
    assert parse_duration(text) is None
