"""What the assistant model sees: the group's persona and the reply chain, nothing else.

Only the chain of replies that led to the question goes in (with speaker names), never other
members' unrelated messages.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_CHAIN = 12
MAX_TURN_CHARS = 6000

BASE_PROMPT = (
    "You are {bot_name}, a helpful assistant in the Telegram group \"{chat_title}\". "
    "Answer the last message briefly and to the point, in the language it is written in. "
    "Each user turn starts with the speaker's name. Plain text only: no Markdown tables."
)


@dataclass(frozen=True, slots=True)
class ChainMessage:
    speaker: str
    text: str
    from_bot: bool


def build_messages(chain: list[ChainMessage], *, bot_name: str, chat_title: str, persona: str = "") -> list[dict[str, str]]:
    """`chain` is oldest first and ends with the message being answered."""
    system = BASE_PROMPT.format(bot_name=bot_name, chat_title=chat_title or "group")
    if persona.strip():
        system += "\n\nThe group's admins describe your persona as follows:\n" + persona.strip()
    messages = [{"role": "system", "content": system}]
    for item in chain[-MAX_CHAIN:]:
        text = item.text[:MAX_TURN_CHARS]
        if item.from_bot:
            messages.append({"role": "assistant", "content": text})
        else:
            messages.append({"role": "user", "content": f"{item.speaker}: {text}"})
    return messages
