"""Each rule check on a table of messages: what fires, how sure it is, and what a group can tune."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from luka_bot.moderation.normalize import normalize
from luka_bot.moderation.rules import RuleHit, RuleInput, run_checks
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
from luka_bot.moderation.rules.rate import is_message_rate_flood
from luka_bot.moderation.rules.stop_words import is_stop_word_hit
from luka_bot.moderation.verdict import ABUSE_CATEGORIES, Category, ModerationRequest, Signals
from luka_bot.policy.rules import RulesPolicy

# Phrases written for these tests. Offline: what the lexicon is sure of.
ABUSE_OFFLINE = [
    ("ты лошара конченая", Category.ABUSE),
    ("вы подонки и мерзавцы", Category.ABUSE),
    ("слышь, еблан, отвечай", Category.ABUSE),
    ("этот дебил опять хуйню пишет", Category.ABUSE),
    ("какие же уроды, блядь, сидят в этой администрации", Category.ABUSE),
    ("ну и выблядок", Category.ABUSE),
    ("ты свинорылое скотоублюдище", Category.ABUSE),
    ("отморозки, а не водители", Category.ABUSE),
    ("ты ссыкло и мамкин задрот", Category.ABUSE),
    ("пошел вон отсюда, гавнюк", Category.ABUSE),
    ("я тебе морду набью", Category.THREAT),
    ("получишь у меня пиздюлей", Category.THREAT),
    ("пизды тебе дам, понял", Category.THREAT),
    ("отпизжу тебя после работы", Category.THREAT),
    ("тебе не поздоровится", Category.THREAT),
    ("ты у меня ещё пожалеешь", Category.THREAT),
    ("голову тебе оторву", Category.THREAT),
    ("понаехали тут чурки", Category.HATE),
    ("опять хохлята ноют", Category.HATE),
    ("ты ватник конченый", Category.ABUSE),
    ("уроды!", Category.ABUSE),
    ("какие же дебилы", Category.ABUSE),
    ("ты там совсем охуел?", Category.ABUSE),
    ("вы хуйню несёте", Category.ABUSE),
    ("ну и п...ц ты мудак", Category.ABUSE),
    ("you're a stupid bitch", Category.ABUSE),
    ("ну вы и дeбuлы", Category.ABUSE),
    ("ты долбоящер, почитай хоть что-нибудь", Category.ABUSE),
]
# Suspicions: weaker words, put-downs, aggressive imperatives. The judge reads these.
ABUSE_TO_JUDGE = [
    "ну ты и баран",
    "не неси чушь",
    "хватит ныть уже",
    "проваливай отсюда",
    "не лезь, куда не просят",
    "сиди молча",
    "ты опять врёшь",
    "этих бы всех расстрелять",
    "строителям этим руки бы поотрывать",
    "диванный эксперт вылез",
    "не пизди",
    "этот хуй опять пиздит",
    "что за хуйня, админ",
    "какие же тупые эти политики",
    "да ты упырь",
    "ремонт-хуемонт",
    "сиди теперь обтекай",
    "очередной высер от автора",
    "москали опять за своё",
    "политики все идиоты",
]
# Never acted on offline (the judge may read them): praise in mat, calling oneself names, an
# insult adjective about a thing, an insult in a longer message about nobody in particular.
ABUSE_NOT_OFFLINE = [
    "ты охуенный, спасибо!",
    "заебись ты придумал",
    "honestly I'm such a twat sometimes",
    "I feel pathetic today",
    "тупой фильм, два часа скуки",
    "убогий интерфейс у этой программы",
    "я дебил, забыл ключи дома",
    "политики все идиоты, но голосовать всё равно пойду завтра утром",
]
# Ordinary chat, with swearing or words that have an innocent use, that the lexicon leaves alone.
ABUSE_LEFT_ALONE = [
    "отвали денег на ремонт и живи спокойно",
    "купил мандарины и мандат продлил",
    "ссуда под залог квартиры",
    "в роли свиньи в школьном спектакле",
    "клоунада в цирке была отличная",
    "чмоки всем, до завтра",
    "беру его на работу, он хороший",
    "и т.д. и т.п.",
    "ребята, кто идёт в кино?",
    "себе возьму два",
    "небо сегодня ясное",
    "вспышка лихорадки эбола",
    "пришли мне доклад по ебитде",
    "the pussy cats were asleep on the sofa",
    "the defence showed chinks in its armor",
    "stop bitching about the traffic, we are almost there",
    "this chapter is hell of a ride",
]


@dataclass
class Case:
    id: str
    check: object
    text: str = ""
    expect: str | None = None  # None: no hit; "certain" or "suspicious"
    category: Category | None = None
    newcomer: bool = False
    policy: dict = field(default_factory=dict)
    request: dict = field(default_factory=dict)


def make_input(case: Case) -> RuleInput:
    request = ModerationRequest(chat_id=1, message_id=1, user_id=1, text=case.text, **case.request)
    policy = RulesPolicy.model_validate(case.policy)
    return RuleInput(request, normalize(case.text, request.link_urls), policy, case.newcomer)


CASES = [
    # stop words and phrases
    Case(
        "group stop word",
        is_stop_word_hit,
        "Buy CHEAP watches",
        "certain",
        Category.SPAM,
        policy={"stop_words": ["cheap watches"]},
    ),
    Case(
        "group stop word through leetspeak",
        is_stop_word_hit,
        "ch3ap w4tches here",
        "certain",
        policy={"stop_words": ["cheap watches"]},
    ),
    Case(
        "group stop word needs word boundary",
        is_stop_word_hit,
        "cheapwatchesforall",
        None,
        policy={"stop_words": ["cheap watches"], "builtin_stop_phrases": False},
    ),
    Case(
        "builtin phrase through punctuation and caps",
        is_stop_word_hit,
        "ЗАРАБОТОК!!! БЕЗ ВЛОЖЕНИЙ!!!",
        "certain",
        Category.SPAM,
    ),
    Case("builtin phrase with homoglyphs", is_stop_word_hit, "Пишите + в лс, зaрaбoтoк бeз влoжeний", "certain"),
    Case("builtin scam phrase", is_stop_word_hit, "Fixed match today, odds 12", "certain", Category.SCAM),
    Case(
        "builtin phrases can be switched off",
        is_stop_word_hit,
        "заработок без вложений",
        None,
        policy={"builtin_stop_phrases": False},
    ),
    Case("ordinary chat", is_stop_word_hit, "Where can I read the docs?", None),
    Case("insult aimed at someone", is_abusive, "да ты дебил", "certain", Category.ABUSE),
    Case("insult in english", is_abusive, "You are an IDIOT", "certain", Category.ABUSE),
    Case("talking about idiots in general", is_abusive, "this API is idiotic", None),
    # the abuse tier: threats and slurs act offline, insults aimed at someone too
    Case("threat in english", is_abusive, "You are a fucking idiot, I will find you", "certain", Category.THREAT),
    Case("threat in russian", is_abusive, "я тебя найду и урою", "certain", Category.THREAT),
    Case("insult with imperative, russian", is_abusive, "Заткнись, тупой урод", "certain", Category.ABUSE),
    Case("insult inflected", is_abusive, "вы все дебилами родились", "certain", Category.ABUSE),
    Case("insult through homoglyphs and caps", is_abusive, "ТЫ ДEБИЛ", "certain", Category.ABUSE),
    Case("masked obscenity aimed at someone", is_abusive, "иди н@х*й", "certain", Category.ABUSE),
    Case("masked insult word", is_abusive, "ну ты и мр@зь", "certain", Category.ABUSE),
    Case("spaced obscenity aimed at someone", is_abusive, "пошел ты н а х у й", "certain", Category.ABUSE),
    Case("slur against a group", is_abusive, "эти хохлы опять", "certain", Category.HATE),
    Case("severe insult needs no address", is_abusive, "what a dumb bitch", "certain", Category.ABUSE),
    Case(
        "insult not aimed at anyone goes to the judge",
        is_abusive,
        "вот это идиоты, конечно, придумали с этими тарифами",
        "suspicious",
        Category.ABUSE,
    ),
    Case(
        "a word with an innocent homonym goes to the judge",
        is_abusive,
        "my car needs a new tranny",
        "suspicious",
        Category.HATE,
    ),
    # Swearing at nobody is never acted on offline; Russian mat is read by the judge, since much
    # Russian abuse is mat about someone without any insult word.
    Case("swearing at nobody is not acted on", is_abusive, "блять, опять всё сломалось", "suspicious", Category.ABUSE),
    Case("swearing at nobody, english", is_abusive, "holy shit that was fast", None),
    Case(
        "a group can forbid swearing",
        is_abusive,
        "блять, опять всё сломалось",
        "certain",
        Category.ABUSE,
        policy={"profanity_is_violation": True},
    ),
    Case("rude to someone goes to the judge", is_abusive, "you're trash lol", "suspicious", Category.ABUSE),
    Case("dill is not a slur", is_abusive, "добавь укроп и петрушку", None),
    Case("liquid is not a slur", is_abusive, "жидкий азот", None),
    Case("abuse tier can be switched off", is_abusive, "ты дебил", None, policy={"builtin_abuse_phrases": False}),
    *[Case(f"acts offline: {text}", is_abusive, text, "certain", category) for text, category in ABUSE_OFFLINE],
    *[Case(f"to the judge: {text}", is_abusive, text, "suspicious") for text in ABUSE_TO_JUDGE],
    *[Case(f"left alone: {text}", is_abusive, text, None) for text in ABUSE_LEFT_ALONE],
    # links
    Case(
        "denied domain",
        has_denied_link,
        "go to https://spam.example/x",
        "certain",
        Category.SPAM,
        policy={"links": {"deny_domains": ["spam.example"]}},
    ),
    Case(
        "denied subdomain",
        has_denied_link,
        "www.promo.spamshop.ru",
        "certain",
        policy={"links": {"deny_domains": ["spamshop.ru"]}},
    ),
    Case(
        "allowed beats denied",
        has_denied_link,
        "https://docs.spam.example",
        None,
        policy={"links": {"deny_domains": ["spam.example"], "allow_domains": ["docs.spam.example"]}},
    ),
    Case(
        "denied domain from a hidden text link",
        has_denied_link,
        "click here",
        "certain",
        policy={"links": {"deny_domains": ["spam.example"]}},
        request={"link_urls": ("https://spam.example/a",)},
    ),
    Case("telegram invite", has_telegram_invite, "join t.me/+AbCdEf", "suspicious"),
    Case("obfuscated telegram invite", has_telegram_invite, "join t . me/joinchat/xyz", "suspicious"),
    Case("public channel link is no invite", has_telegram_invite, "see t.me/python", None),
    Case("invite check off", has_telegram_invite, "t.me/+abc", None, policy={"links": {"telegram_invites": False}}),
    Case("shortener", has_shortener_link, "https://bit.ly/3xyz", "suspicious"),
    Case(
        "group-listed shortener",
        has_shortener_link,
        "https://go.example/abc",
        "suspicious",
        policy={"links": {"extra_shorteners": ["go.example"]}},
    ),
    Case("ordinary link is no shortener", has_shortener_link, "https://docs.python.org/3/", None),
    Case("newcomer link", has_newcomer_link, "see example.com", "suspicious", newcomer=True),
    Case("member link", has_newcomer_link, "see example.com", None),
    Case(
        "newcomer link to an allowed domain",
        has_newcomer_link,
        "see docs.python.org",
        None,
        newcomer=True,
        policy={"links": {"allow_domains": ["python.org"]}},
    ),
    # floods
    Case(
        "mention flood with a link",
        is_mention_flood,
        "@alice1 @bob22 @carol3 @dave44 @erin55 see t.me/x",
        "certain",
        Category.SPAM,
    ),
    Case(
        "tagging a thread is a suspicion only",
        is_mention_flood,
        "@alice1 @bob22 @carol3 @dave44 @erin55 agreed",
        "suspicious",
    ),
    Case("ten mentions are a broadcast", is_mention_flood, " ".join(f"@user{n:04d}" for n in range(10)), "certain"),
    Case("few mentions from a member", is_mention_flood, "@alice1 @bob22 look", None),
    Case(
        "newcomer mention limit is halved, as a suspicion",
        is_mention_flood,
        "@alice1 @bob22 @carol3",
        "suspicious",
        newcomer=True,
    ),
    Case(
        "newcomer single mention is suspicious", is_mention_flood, "write to @hot_girl_22", "suspicious", newcomer=True
    ),
    Case("emoji flood", is_emoji_flood, "🔥" * 12 + " buy", "suspicious"),
    Case("a few emojis", is_emoji_flood, "great 😂😂", None),
    Case("emoji check off", is_emoji_flood, "🔥" * 40, None, policy={"floods": {"max_emojis": 0}}),
    Case("caps flood", is_caps_flood, "EARN MONEY FROM HOME RIGHT NOW", "suspicious"),
    Case("short caps", is_caps_flood, "OK NASA", None),
    Case("line flood", is_line_flood, "\n".join("x" * 3 for _ in range(35)), "suspicious", Category.FLOOD),
    Case("wall of lines", is_line_flood, "\n".join("x" for _ in range(70)), "certain", Category.FLOOD),
    Case("a few lines", is_line_flood, "a\nb\nc", None),
    # coordination and rate
    Case(
        "same text with a sum from several users here",
        is_coordinated_spam,
        "Earn 500$ a day from home, write me now please",
        "certain",
        Category.SPAM,
        request={"signals": Signals(same_text_senders=3, same_text_senders_here=3)},
    ),
    Case(
        "same text with a link in several chats",
        is_coordinated_spam,
        "Earn money from home, details at easy-money.biz",
        "certain",
        request={"signals": Signals(same_text_chats=4, same_text_senders=4)},
    ),
    Case(
        "a friendly text from several members here only raises suspicion",
        is_coordinated_spam,
        "Good morning everyone, have a nice day!",
        "suspicious",
        request={"signals": Signals(same_text_senders=3, same_text_senders_here=3)},
    ),
    Case(
        "a friendly text in many chats is no campaign",
        is_coordinated_spam,
        "Good morning everyone, have a nice day!",
        None,
        request={"signals": Signals(same_text_senders=5, same_text_chats=5)},
    ),
    Case(
        "short greetings repeat innocently",
        is_coordinated_spam,
        "hello all",
        None,
        request={"signals": Signals(same_text_senders=9)},
    ),
    Case(
        "two senders are not a campaign",
        is_coordinated_spam,
        "Earn money from home, write me now please",
        None,
        request={"signals": Signals(same_text_senders=2)},
    ),
    Case(
        "message rate flood",
        is_message_rate_flood,
        "hi",
        "certain",
        Category.FLOOD,
        request={"signals": Signals(messages_last_minute=13)},
    ),
    Case(
        "normal message rate", is_message_rate_flood, "hi", None, request={"signals": Signals(messages_last_minute=5)}
    ),
    Case(
        "newcomer rate limit is halved",
        is_message_rate_flood,
        "hi",
        "certain",
        newcomer=True,
        request={"signals": Signals(messages_last_minute=7)},
    ),
    # forwards, channels, contacts, replies
    Case(
        "newcomer forwards a channel post",
        is_channel_forward,
        "big news",
        "certain",
        Category.SPAM,
        newcomer=True,
        request={"forwarded_from_channel": True},
    ),
    Case(
        "member forwards a channel post", is_channel_forward, "big news", None, request={"forwarded_from_channel": True}
    ),
    Case(
        "newcomer forward only suspicious when relaxed",
        is_channel_forward,
        "x",
        "suspicious",
        newcomer=True,
        policy={"newcomers": {"channel_forwards_are_spam": False}},
        request={"forwarded_from_channel": True},
    ),
    Case("posted as a channel", is_sent_as_channel, "hello", "suspicious", request={"sent_as_channel": True}),
    Case(
        "group bans channel senders",
        is_sent_as_channel,
        "hello",
        "certain",
        policy={"channel_senders_are_spam": True},
        request={"sent_as_channel": True},
    ),
    Case(
        "newcomer sends only a contact",
        is_contact_only,
        "",
        "certain",
        Category.SPAM,
        newcomer=True,
        request={"kind": "contact", "has_contact": True},
    ),
    Case("member shares a contact", is_contact_only, "", None, request={"kind": "contact", "has_contact": True}),
    Case(
        "contact with words", is_contact_only, "this is our plumber", None, newcomer=True, request={"has_contact": True}
    ),
    Case(
        "newcomer external reply",
        is_external_reply,
        "look at this",
        "suspicious",
        newcomer=True,
        request={"external_reply": True},
    ),
    Case("member external reply", is_external_reply, "look at this", None, request={"external_reply": True}),
    # hidden text
    Case("invisible characters and mixed scripts", has_hidden_characters, "Е\u200bаrn B\u200bТC fаst", "suspicious"),
    Case("plain text", has_hidden_characters, "earn btc fast", None),
]


@pytest.mark.parametrize("text", ABUSE_NOT_OFFLINE)
def test_abuse_tier_does_not_act_offline_on(text: str) -> None:
    hit = is_abusive(make_input(Case(text, is_abusive, text)))
    assert hit is None or not hit.certain, hit


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_check(case: Case) -> None:
    hit: RuleHit | None = case.check(make_input(case))  # type: ignore[operator]
    if case.expect is None:
        assert hit is None
        return
    assert hit is not None
    assert hit.certain is (case.expect == "certain")
    if not hit.certain and hit.category not in ABUSE_CATEGORIES:
        assert hit.weight > 0  # abuse suspicions route to the judge and move no spam score
    if case.category is not None:
        assert hit.category is case.category


def test_run_checks_collects_every_hit() -> None:
    inp = make_input(Case("x", None, "🔥" * 12 + " join t.me/+abc", newcomer=True))
    checks = {hit.check for hit in run_checks(inp)}
    assert {"rule.emoji_flood", "rule.telegram_invite", "rule.newcomer_link"} <= checks


def test_ordinary_message_triggers_nothing() -> None:
    inp = make_input(Case("x", None, "Has anyone tried the new Docker release?", newcomer=True))
    assert run_checks(inp) == ()
