import pytest

from luka_bot.community.thanks import is_thanks


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("thanks!", True),
        ("Thank you so much", True),
        ("thx", True),
        ("+1", True),
        ("👍", True),
        ("спасибо, помогло", True),
        ("спс", True),
        ("Благодарю!", True),
        ("", False),
        ("no thanksgiving plans", False),
        ("the tank is full", False),
        ("thanks " + "word " * 30, False),
        ("I disagree", False),
        ("1+1=2", False),
    ],
    ids=lambda v: repr(v)[:20] if isinstance(v, str) else str(v),
)
def test_is_thanks(text, expected):
    assert is_thanks(text) is expected
