"""Rule checks of the fast tier: each a small function named as a question about the message."""

from __future__ import annotations

from collections.abc import Callable

from luka_bot.moderation.rules.abuse import is_abusive
from luka_bot.moderation.rules.caps import is_caps_flood
from luka_bot.moderation.rules.channel_sender import is_sent_as_channel
from luka_bot.moderation.rules.contact import is_contact_only, is_external_reply
from luka_bot.moderation.rules.coordinated import is_coordinated_spam
from luka_bot.moderation.rules.emojis import is_emoji_flood
from luka_bot.moderation.rules.forwards import is_channel_forward
from luka_bot.moderation.rules.hidden import has_hidden_characters
from luka_bot.moderation.rules.lines import is_line_flood
from luka_bot.moderation.rules.links import has_denied_link, has_newcomer_link, has_shortener_link, has_telegram_invite
from luka_bot.moderation.rules.mentions import is_mention_flood
from luka_bot.moderation.rules.offers import is_short_offer
from luka_bot.moderation.rules.rate import is_message_rate_flood
from luka_bot.moderation.rules.result import RuleHit, RuleInput
from luka_bot.moderation.rules.stop_words import is_stop_word_hit

Check = Callable[[RuleInput], RuleHit | None]

# Order matters only for which certain hit names the verdict: floods first (they say the most
# about what to do), then the content checks.
ALL_CHECKS: tuple[Check, ...] = (
    is_message_rate_flood,
    is_coordinated_spam,
    is_mention_flood,
    is_line_flood,
    is_stop_word_hit,
    is_abusive,
    has_denied_link,
    is_channel_forward,
    is_contact_only,
    is_sent_as_channel,
    has_telegram_invite,
    has_shortener_link,
    has_newcomer_link,
    is_short_offer,
    is_emoji_flood,
    is_caps_flood,
    has_hidden_characters,
    is_external_reply,
)


def run_checks(inp: RuleInput, checks: tuple[Check, ...] = ALL_CHECKS) -> tuple[RuleHit, ...]:
    return tuple(hit for check in checks if (hit := check(inp)) is not None)


__all__ = ["ALL_CHECKS", "Check", "RuleHit", "RuleInput", "run_checks"]
