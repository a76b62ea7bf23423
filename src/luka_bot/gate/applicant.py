"""Scoring a join-request applicant before entry: ban lists, name and bio.

Pure: the caller gathers the facts (the applicant's profile from getChat, the admins' names, the
ban-list answers) and gets a decision with its reasons. Certain signs (a listed account, spam
phrases, a name that copies an admin) decline; a doubtful one (links in the bio) asks a question;
a clean applicant is approved, or asked when the group wants everyone asked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from luka_bot.gate.policy import JoinRequestMode
from luka_bot.moderation.normalize import normalize
from luka_bot.moderation.rules.stop_words import builtin_spam_matcher

# Words an impostor adds to an admin's name to look official.
_OFFICIAL_WORDS = frozenset(
    {
        "admin",
        "administrator",
        "support",
        "moderator",
        "mod",
        "official",
        "help",
        "team",
        "админ",
        "администратор",
        "поддержка",
        "модератор",
        "официальный",
        "помощь",
    }
)
MIN_NAME = 3  # shorter names match too much to call an imitation


class Decision(StrEnum):
    APPROVE = "approve"
    DECLINE = "decline"
    ASK = "ask"


class Reason(StrEnum):
    CAS = "cas"
    LINKED = "linked"
    SPAM_WORDS = "spam_words"
    IMITATES_ADMIN = "imitates_admin"
    BIO_LINK = "bio_link"
    ASK_ALL = "ask_all"
    CLEAN = "clean"


@dataclass(frozen=True, slots=True)
class Applicant:
    user_id: int
    first_name: str
    last_name: str = ""
    username: str = ""
    bio: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(frozen=True, slots=True)
class AdminName:
    user_id: int
    name: str
    username: str = ""


@dataclass(frozen=True, slots=True)
class Screening:
    decision: Decision
    reasons: tuple[Reason, ...]


def _words(text: str) -> list[str]:
    return normalize(text).words.split()


def imitates_admin(applicant: Applicant, admins: Iterable[AdminName]) -> bool:
    """The applicant's name (after undoing look-alike letters) is an admin's, maybe plus "support"."""
    own = [w for w in _words(applicant.full_name) if w not in _OFFICIAL_WORDS]
    own_handle = [w for w in _words(applicant.username) if w not in _OFFICIAL_WORDS]
    for admin in admins:
        if admin.user_id == applicant.user_id:
            continue
        theirs = [w for w in _words(admin.name) if w not in _OFFICIAL_WORDS]
        if own and theirs and own == theirs and len("".join(theirs)) >= MIN_NAME:
            return True
        # Usernames are unique, so an impostor adds a word: "olga_admin" -> "olga_admin_support".
        their_handle = [w for w in _words(admin.username) if w not in _OFFICIAL_WORDS]
        if (
            own_handle
            and own_handle == their_handle
            and len("".join(their_handle)) >= MIN_NAME
            and normalize(applicant.username).words != normalize(admin.username).words
        ):
            return True
    return False


def has_spam_words(*texts: str) -> bool:
    matcher = builtin_spam_matcher()
    return any(text and matcher.find(normalize(text).words) is not None for text in texts)


def screen(
    applicant: Applicant, *, admins: Iterable[AdminName], cas_listed: bool, linked_banned: bool, mode: JoinRequestMode
) -> Screening:
    if cas_listed:
        return Screening(Decision.DECLINE, (Reason.CAS,))
    if linked_banned:
        return Screening(Decision.DECLINE, (Reason.LINKED,))
    certain: list[Reason] = []
    if has_spam_words(applicant.full_name, applicant.bio):
        certain.append(Reason.SPAM_WORDS)
    if imitates_admin(applicant, admins):
        certain.append(Reason.IMITATES_ADMIN)
    if certain:
        return Screening(Decision.DECLINE, tuple(certain))
    if normalize(applicant.bio).links or normalize(applicant.full_name).links:
        return Screening(Decision.ASK, (Reason.BIO_LINK,))
    if mode is JoinRequestMode.ASK:
        return Screening(Decision.ASK, (Reason.ASK_ALL,))
    return Screening(Decision.APPROVE, (Reason.CLEAN,))


def answer_accepted(answer: str, accepted: Iterable[str]) -> bool:
    """Case, spacing and look-alike letters do not matter; the whole answer must match one."""
    given = normalize(answer).words
    return bool(given) and any(given == normalize(option).words for option in accepted if option.strip())
