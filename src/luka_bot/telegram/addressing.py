"""Is a message addressed to the bot, and what is the question?"""

from __future__ import annotations

from aiogram.types import Message, User


def _utf16_slice(text: str, offset: int, length: int) -> str:
    raw = text.encode("utf-16-le")
    return raw[offset * 2 : (offset + length) * 2].decode("utf-16-le", errors="replace")


def message_text(message: Message) -> str:
    return message.text or message.caption or ""


def is_addressed_to_bot(message: Message, me: User) -> bool:
    if message.from_user is not None and message.from_user.id == me.id:
        return False
    text = message_text(message)
    if message.chat.type == "private":
        # In a private chat everything is addressed to the bot, except commands it handles elsewhere.
        return bool(text.strip()) and (not text.startswith("/") or text.lower().startswith("/ask"))
    entities = message.entities or message.caption_entities or []
    for entity in entities:
        if entity.type == "mention" and me.username:
            if _utf16_slice(text, entity.offset, entity.length).lstrip("@").lower() == me.username.lower():
                return True
        elif entity.type == "text_mention" and entity.user is not None and entity.user.id == me.id:
            return True
        elif entity.type == "bot_command" and entity.offset == 0:
            command = _utf16_slice(text, entity.offset, entity.length)
            name, _, target = command.lstrip("/").partition("@")
            if name.lower() == "ask" and (not target or (me.username and target.lower() == me.username.lower())):
                return True
    reply = message.reply_to_message
    return bool(reply is not None and reply.from_user is not None and reply.from_user.id == me.id)


def routers_may_act(message: Message, me: User | None) -> bool:
    """Whether any router may act on this group message: a command (`/…`), a note (`#…`), the bot
    addressed (a mention, a reply to it, /ask), members joining. Every other group message, most
    of the traffic, is moderation's alone (the intake took it in, the worker judges it), and
    walking every router's filters to find that nothing matches cost ~0.8 ms of CPU per message.

    A router that starts acting on other group messages must widen this check: the test
    tests/telegram/test_lean_routing.py feeds such messages through the bot's real routers and
    fails when one of them handles a message this check lets skip."""
    if message.new_chat_members or message.left_chat_member is not None:
        return True
    if message_text(message).lstrip().startswith(("/", "#")):
        return True
    return me is None or is_addressed_to_bot(message, me)


def question_text(message: Message, me: User) -> str:
    """The text without a leading /ask command; mentions stay (they read naturally)."""
    text = message_text(message).strip()
    if text.lower().startswith("/ask"):
        head, _, rest = text.partition(" ")
        if head.lower() in ("/ask", f"/ask@{(me.username or '').lower()}"):
            return rest.strip()
    return text
