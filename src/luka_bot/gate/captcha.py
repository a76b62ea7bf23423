"""Captcha challenges: a button grid with decoys whose layout changes every time.

One challenge serves every newcomer waiting in a chat (one prompt message, never a pile of them).
Each button carries a fresh random token; only the server knows which token is the answer, so the
button data says nothing about which is right, and a bot pressing at random fails most of the
time (and any wrong press fails the newcomer at once).
"""

from __future__ import annotations

import hmac
import random
import secrets
from dataclasses import dataclass

from luka_bot.gate.policy import CaptchaKind

# Pictures that read clearly on every platform and have a name in both languages.
PICTURES: dict[str, tuple[str, str]] = {
    "🍎": ("apple", "яблоко"),
    "🚗": ("car", "машина"),
    "🐱": ("cat", "кошка"),
    "🌙": ("moon", "луна"),
    "⚽": ("ball", "мяч"),
    "🎸": ("guitar", "гитара"),
    "🌵": ("cactus", "кактус"),
    "🚀": ("rocket", "ракета"),
    "🍋": ("lemon", "лимон"),
    "🐟": ("fish", "рыба"),
    "🔑": ("key", "ключ"),
    "🌂": ("umbrella", "зонт"),
    "🐘": ("elephant", "слон"),
    "🍄": ("mushroom", "гриб"),
    "🎈": ("balloon", "шарик"),
    "🕯️": ("candle", "свеча"),
}
BUTTONS = 6
ROW = 3
TOKEN_BYTES = 4


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    token: str


@dataclass(frozen=True, slots=True)
class Challenge:
    kind: CaptchaKind
    subject: str  # the picture to find, or "a + b"
    buttons: tuple[Button, ...]
    answer: str  # the token of the right button

    def subject_text(self, lang: str) -> str:
        """What the prompt asks for, in the group's language."""
        if self.kind is CaptchaKind.BUTTONS:
            names = PICTURES.get(self.subject)
            name = (names[1] if lang == "ru" else names[0]) if names else ""
            return f"{self.subject} {name}".strip()
        return self.subject

    def rows(self) -> list[list[Button]]:
        return [list(self.buttons[i : i + ROW]) for i in range(0, len(self.buttons), ROW)]


def _tokens(count: int, rng: random.Random | None) -> list[str]:
    if rng is None:
        seen: set[str] = set()
        while len(seen) < count:
            seen.add(secrets.token_hex(TOKEN_BYTES))
        return list(seen)
    return [f"{rng.getrandbits(8 * TOKEN_BYTES):0{2 * TOKEN_BYTES}x}" for _ in range(count)]


def make_challenge(kind: CaptchaKind, rng: random.Random | None = None, *, buttons: int = BUTTONS) -> Challenge:
    """A fresh challenge; `rng` only for reproducible tests (production uses the OS's randomness)."""
    pick = rng or random.SystemRandom()
    tokens = _tokens(buttons, rng)
    if kind is CaptchaKind.MATH:
        a, b = pick.randint(2, 9), pick.randint(2, 9)
        right = a + b
        decoys = pick.sample([n for n in range(4, 19) if n != right], buttons - 1)
        labels = [str(right)] + [str(n) for n in decoys]
        subject = f"{a} + {b}"
    else:
        labels = pick.sample(list(PICTURES), buttons)
        subject = labels[0]
    order = list(range(buttons))
    pick.shuffle(order)
    grid = tuple(Button(labels[i], tokens[i]) for i in order)
    return Challenge(kind=kind, subject=subject, buttons=grid, answer=tokens[0])


def is_right(answer: str, pressed: str) -> bool:
    """Constant-time comparison: the answer token is the only secret of a challenge."""
    return bool(answer) and hmac.compare_digest(answer.encode(), pressed.encode())
