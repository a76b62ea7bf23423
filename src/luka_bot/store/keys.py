"""Every Redis key the bot uses, with its lifetime, in one place.

Keys are built by a `Keys` object carrying a prefix, so that several deployments (or test runs)
can share one Redis server without seeing each other's data.

Redis Cluster: every key of one chat carries the chat's hash tag `{c<chat id>}`, so all of a
chat's state is in one slot and its scripts and MULTIs are legal on a cluster; each queue's keys
share the queue's tag (`{j<partition>}`, `{n}`). Keys of users, texts and the few global sets have
no tag: commands that combine them with a chat's keys are never one script or MULTI on a cluster
(see `store.redis.multi`). The tag's braces are part of the name; older versions wrote the bare id
(telegram/inbound/migration.py `adopt_legacy_chat_keys` renames those once).
"""

from __future__ import annotations

from dataclasses import dataclass

HOUR = 3600
DAY = 24 * HOUR

# Telegram lets a bot delete a group message for 48 hours; what we track for a message must live
# at least that long, or a late verdict could not find the bot replies it has to delete.
MESSAGE_TTL = 49 * HOUR
REPLIES_TTL = MESSAGE_TTL
VERDICT_TTL = MESSAGE_TTL
UPDATE_DEDUPE_TTL = DAY
# chat_member updates drop the cache at once; the TTL only bounds what a missed update costs.
ADMIN_CACHE_TTL = 300
VERDICT_CACHE_TTL = 6 * HOUR
ACTION_DONE_TTL = MESSAGE_TTL
# The claim on one message's enforcement (inline tier, worker, restarts): held while acting, so
# exactly one of them deletes and sanctions. Short, so that a holder killed between claim and act
# delays the action by at most this much: the worker finds the claim gone and acts itself.
ACTION_CLAIM_TTL_MS = 15_000
# Which enforcement steps of a message are done (delete, sanction, notice queued), so a retried
# job never repeats one that Telegram already carried out.
ACTION_PROGRESS_TTL = MESSAGE_TTL
# A "could not delete" hint to a group's admins, at most once per chat and reason in this time.
RIGHTS_HINT_TTL = HOUR
ACTIVITY_WINDOW_TTL = 10 * 60
DUPLICATE_TEXT_TTL = 10 * 60
LLM_BUDGET_TTL = DAY + HOUR
APPEAL_TTL = 30 * DAY
# A re-delivered moderation job must not count a violation or a helpful answer twice; jobs are
# re-delivered within minutes, so a marker that outlives a message's lifetime is plenty.
COMMUNITY_EVENT_TTL = MESSAGE_TTL
AUDIT_MAXLEN = 10_000  # per chat: the newest entries kept (exact, LTRIM on each write)
# A chat's audit goes after this long without a decision (the bot left, the group went quiet).
AUDIT_TTL = 90 * DAY
DEAD_LETTER_MAXLEN = 100_000
JOBS_MAXLEN = 1_000_000  # a safety cap; a healthy backlog is far below it
# The admin console: a sign-in link is single use and short-lived (it travels in a chat); a
# session lasts a working day and is refreshed by nothing, so a stolen cookie ages out.
CONSOLE_LINK_TTL = 10 * 60
CONSOLE_SESSION_TTL = 8 * HOUR
SAMPLES_MAXLEN = 500  # per group: each is compared with every judged message
# Newcomer gate. A pending challenge lives at most as long as its timeout plus the sweep's slack;
# the safety TTL only bounds what a lost sweep could leave behind.
GATE_PENDING_TTL = DAY
# The same join arrives twice (new_chat_members message and chat_member update) within a second.
GATE_JOIN_DEDUPE_TTL = 10
GATE_JOIN_REQUEST_TTL = 2 * DAY  # Telegram keeps an unanswered join request open about that long
CAS_CACHE_TTL = 6 * HOUR  # a CAS answer; a listed account rarely leaves the list
GATE_LINK_OFFER_TTL = DAY  # an unconfirmed /linkgroup offer
GATE_APPEAL_TTL = 7 * DAY  # a declined applicant may appeal within a week

# Assistant budgets: daily counters are kept a week past their day, for /usage.
USAGE_TTL = 8 * DAY
# Whom the bot saw post in a group it serves (private use by "members" only); refreshed per message.
KNOWN_MEMBER_TTL = 30 * DAY
# Recent group messages indexed for /summary; the texts themselves live MESSAGE_TTL.
RECENT_MESSAGES_MAX = 1000


@dataclass(frozen=True, slots=True)
class QueueNames:
    """The Redis names of one durable queue (see jobs/queue.py)."""

    stream: str  # the work not yet finished
    group: str  # the consumer group (a name, not a key)
    dead_letter: str  # what failed for good
    delayed: str  # sorted set: jobs deferred until their score (Unix seconds)
    markers: str = ""  # prefix of the queue's idempotency markers (same hash tag as the stream)


@dataclass(frozen=True, slots=True)
class Keys:
    prefix: str = "luka"

    # --- intake and reply tracking -------------------------------------------------------
    def message(self, chat_id: int, message_id: int) -> str:
        """Hash: the recorded user message (text, author, kind, revision)."""
        return f"{self.prefix}:msg:{{c{chat_id}}}:{message_id}"

    def replies(self, chat_id: int, message_id: int) -> str:
        """Set: ids of every bot message posted for one user message."""
        return f"{self.prefix}:replies:{{c{chat_id}}}:{message_id}"

    def verdict(self, chat_id: int, message_id: int) -> str:
        """String: set when a message was judged to be removed; the assistant reads it."""
        return f"{self.prefix}:verdict:{{c{chat_id}}}:{message_id}"

    def notice_sent(self, chat_id: int, message_id: int, revision: int) -> str:
        """Set AFTER a sanction notice was sent (at-least-once: a crash between the send and this
        write sends it again; a lost notice is worse than a rare duplicate). ACTION_DONE_TTL."""
        return f"{self.prefix}:noticed:{{c{chat_id}}}:{message_id}:{revision}"

    def action_claim(self, chat_id: int, message_id: int, revision: int) -> str:
        """String (owner token), SET NX PX ACTION_CLAIM_TTL_MS: who is enforcing this revision now."""
        return f"{self.prefix}:claim:{{c{chat_id}}}:{message_id}:{revision}"

    def action_progress(self, chat_id: int, message_id: int, revision: int) -> str:
        """Hash: enforcement steps done for this revision (delete, sanction, notice); ACTION_PROGRESS_TTL."""
        return f"{self.prefix}:progress:{{c{chat_id}}}:{message_id}:{revision}"

    def rights_hint(self, chat_id: int, reason: str) -> str:
        """String: the admins were told the bot could not delete (reason); RIGHTS_HINT_TTL."""
        return f"{self.prefix}:righthint:{{c{chat_id}}}:{reason}"

    @property
    def scheduled_deletions(self) -> str:
        """Sorted set of `chat_id:message_id` scored by when to delete (self-deleting notices)."""
        return f"{self.prefix}:scheduled_deletions"

    def action_done(self, chat_id: int, message_id: int, revision: int) -> str:
        """Marks the actions for one revision of a message as executed (idempotency)."""
        return f"{self.prefix}:done:{{c{chat_id}}}:{message_id}:{revision}"

    # --- job streams ---------------------------------------------------------------------
    # Each queue's keys share one hash tag (`{j<partition>}`, `{n}`), so the queue's scripts and
    # MULTIs touch one Redis Cluster slot; the moderation stream is split into partitions by
    # chat (jobs/queue.py `PartitionedQueue`) so that a cluster spreads the work over its nodes.
    def job_partition(self, partition: int) -> QueueNames:
        """The moderation queue's partition `partition` (0 .. JOB_PARTITIONS - 1)."""
        base = f"{self.prefix}:mod:{{j{partition}}}"
        return QueueNames(f"{base}:jobs", "workers", f"{base}:dead", f"{base}:delayed", f"{base}:update")

    @property
    def jobs(self) -> str:
        """Partition 0's stream (the only one with JOB_PARTITIONS=1)."""
        return self.job_partition(0).stream

    @property
    def jobs_group(self) -> str:
        return "workers"  # a consumer group name, not a key

    @property
    def dead_letter(self) -> str:
        return self.job_partition(0).dead_letter

    @property
    def jobs_delayed(self) -> str:
        """Sorted set: moderation jobs deferred (Retry) until their score, durable across restarts."""
        return self.job_partition(0).delayed

    @property
    def job_queue(self) -> QueueNames:
        return self.job_partition(0)

    def update_seen(self, update_id: int, partition: int = 0) -> str:
        """Marks an update as taken in, so a duplicate delivery is ignored. It lives in the slot
        of the partition that takes the update's job: marker and job are written in one script."""
        return f"{self.job_partition(partition).markers}:{update_id}"

    @property
    def notice_queue(self) -> QueueNames:
        """Notices to members and posts to log chats: their own stream and pacing, so deleting
        a message never waits for a group's notice budget."""
        base = f"{self.prefix}:notice:{{n}}"
        return QueueNames(f"{base}:jobs", "senders", f"{base}:dead", f"{base}:delayed", f"{base}:queued")

    def notice_queued(self, chat_id: int, message_id: int, revision: int) -> str:
        """Hash: which notices of one message revision were queued (`kind` fields); in the notice
        queue's slot, so the marker and the job are written in one script. ACTION_PROGRESS_TTL."""
        return f"{self.notice_queue.markers}:{chat_id}:{message_id}:{revision}"

    @property
    def legacy_queues(self) -> tuple[QueueNames, QueueNames]:
        """The moderation and notice queues as versions before the cluster layout named them
        (no hash tags, one moderation stream); read once at start to move what they hold."""
        return (
            QueueNames(f"{self.prefix}:mod:jobs", "workers", f"{self.prefix}:mod:dead", f"{self.prefix}:mod:delayed"),
            QueueNames(
                f"{self.prefix}:notice:jobs", "senders", f"{self.prefix}:notice:dead", f"{self.prefix}:notice:delayed"
            ),
        )

    # --- groups and users ----------------------------------------------------------------
    def group_settings(self, chat_id: int) -> str:
        return f"{self.prefix}:group:{{c{chat_id}}}:settings"

    @property
    def groups(self) -> str:
        """Hash: chat id → title, of every group the bot has seen (for the dashboard)."""
        return f"{self.prefix}:groups"

    def admins(self, chat_id: int) -> str:
        """Set of a chat's admin ids (plus a `-` marker so an empty list is cached too)."""
        return f"{self.prefix}:admins:{{c{chat_id}}}"

    def user_started(self, user_id: int) -> str:
        """Set when a user opened a private chat with the bot, so it may write to them."""
        return f"{self.prefix}:started:{user_id}"

    # --- moderation signals and caches ---------------------------------------------------
    def verdict_cache(self, text_hash: str) -> str:
        return f"{self.prefix}:vcache:{text_hash}"

    def member_activity(self, chat_id: int, user_id: int) -> str:
        """Sorted set of recent message times, for the flood check."""
        return f"{self.prefix}:activity:{{c{chat_id}}}:{user_id}"

    def duplicate_text(self, text_hash: str) -> str:
        """Sorted set of `chat:user` that posted this normalized text recently."""
        return f"{self.prefix}:dup:{text_hash}"

    def llm_budget(self, chat_id: int, day: str) -> str:
        return f"{self.prefix}:llmbudget:{{c{chat_id}}}:{day}"

    def samples(self, chat_id: int) -> str:
        """List of `[label, text]` that admins taught in a group (/spam, Not spam, Restore)."""
        return f"{self.prefix}:samples:{{c{chat_id}}}"

    def audit(self, chat_id: int) -> str:
        """List of one chat's moderation decisions, newest first (JSON); at most AUDIT_MAXLEN,
        AUDIT_TTL after the last write."""
        return f"{self.prefix}:auditlog:{{c{chat_id}}}"

    def audit_legacy(self, chat_id: int) -> str:
        """Stream of one chat's decisions as versions before the capped list wrote them; read only."""
        return f"{self.prefix}:audit:{{c{chat_id}}}"

    # --- community -----------------------------------------------------------------------
    # Lifetimes of the four below and `achievements`: MEMBER_IDLE_TTL (community/reputation.py,
    # a year) after the member's or chat's last write; decayed violations are purged on each write.
    def reputation(self, chat_id: int, user_id: int) -> str:
        """Hash: points, messages, first_seen, last_message_at, helpful... of one member."""
        return f"{self.prefix}:rep:{{c{chat_id}}}:{user_id}"

    def violations(self, chat_id: int, user_id: int) -> str:
        """Sorted set of violations scored by time: `category:unique-id` members."""
        return f"{self.prefix}:viol:{{c{chat_id}}}:{user_id}"

    def violation_penalties(self, chat_id: int, user_id: int) -> str:
        """Hash: violations member -> points it took, given back when it decays or is pardoned."""
        return f"{self.prefix}:violpen:{{c{chat_id}}}:{user_id}"

    def community_event(self, chat_id: int, user_id: int, event_id: str) -> str:
        """String: marks a violation or helpful answer as counted (idempotency); COMMUNITY_EVENT_TTL."""
        return f"{self.prefix}:cevent:{{c{chat_id}}}:{user_id}:{event_id}"

    def leaderboard(self, chat_id: int) -> str:
        """Sorted set: members by points; one member each, so capped by the chat's members."""
        return f"{self.prefix}:top:{{c{chat_id}}}"

    def achievements(self, chat_id: int, user_id: int) -> str:
        return f"{self.prefix}:ach:{{c{chat_id}}}:{user_id}"

    def sanction(self, chat_id: int, user_id: int) -> str:
        """Hash: the sanction the bot believes is in force (kind, until)."""
        return f"{self.prefix}:sanction:{{c{chat_id}}}:{user_id}"

    def notice(self, chat_id: int, message_id: int) -> str:
        """Hash: what a sanction notice refers to, for its Appeal / Not spam buttons."""
        return f"{self.prefix}:notice:{{c{chat_id}}}:{message_id}"

    def log_chat(self, chat_id: int) -> str:
        return f"{self.prefix}:logchat:{{c{chat_id}}}"

    @property
    def log_chat_pattern(self) -> str:
        """SCAN pattern of every group's log chat key (to re-point those naming a migrated group)."""
        return f"{self.prefix}:logchat:*"

    def chat_migrated(self, chat_id: int) -> str:
        """String: the supergroup id a group became (migrate_to_chat_id); MESSAGE_TTL."""
        return f"{self.prefix}:migrated:{{c{chat_id}}}"

    # --- newcomer gate -------------------------------------------------------------------
    def gate_settings(self, chat_id: int) -> str:
        """String: the group's gate settings as JSON (no TTL: settings)."""
        return f"{self.prefix}:group:{{c{chat_id}}}:gate"

    def approved(self, chat_id: int) -> str:
        """Set of member ids the admins approved (no TTL: lifted only by /unapprove)."""
        return f"{self.prefix}:approved:{{c{chat_id}}}"

    def captcha_pending(self, chat_id: int) -> str:
        """Hash: user id -> JSON of the newcomer waiting to solve the chat's challenge; GATE_PENDING_TTL."""
        return f"{self.prefix}:captcha:{{c{chat_id}}}:pending"

    def captcha_prompt(self, chat_id: int) -> str:
        """Hash: the chat's one challenge message (message_id, answer token); GATE_PENDING_TTL."""
        return f"{self.prefix}:captcha:{{c{chat_id}}}:prompt"

    @property
    def captcha_deadlines(self) -> str:
        """Sorted set of `chat_id:user_id` scored by when an unsolved challenge expires."""
        return f"{self.prefix}:captcha:deadlines"

    def join_seen(self, chat_id: int, user_id: int) -> str:
        """String: a join was handled (the message and the chat_member update both announce it)."""
        return f"{self.prefix}:joinseen:{{c{chat_id}}}:{user_id}"

    def join_window(self, chat_id: int) -> str:
        """Sorted set of recent joins scored by join time; expires with the raid window."""
        return f"{self.prefix}:joins:{{c{chat_id}}}"

    def raid(self, chat_id: int) -> str:
        """String: raid mode is on until the value (Unix seconds); TTL = the raid's length."""
        return f"{self.prefix}:raid:{{c{chat_id}}}"

    def join_request(self, chat_id: int, user_id: int) -> str:
        """Hash: a join request waiting for the applicant's answer; GATE_JOIN_REQUEST_TTL."""
        return f"{self.prefix}:joinreq:{{c{chat_id}}}:{user_id}"

    def applicant_chats(self, user_id: int) -> str:
        """Set of chats where this user's join request waits for their answer in private."""
        return f"{self.prefix}:applicant:{user_id}"

    def join_declined(self, chat_id: int, user_id: int) -> str:
        """Hash: why an applicant was declined, kept for their appeal; GATE_APPEAL_TTL."""
        return f"{self.prefix}:joindeclined:{{c{chat_id}}}:{user_id}"

    def cas(self, user_id: int) -> str:
        """String: `1` listed / `0` not listed by the CAS lookup; CAS_CACHE_TTL."""
        return f"{self.prefix}:cas:{user_id}"

    def linked_groups(self, chat_id: int) -> str:
        """Set of chat ids whose spam/scam bans apply here too (no TTL: unlinked by an admin)."""
        return f"{self.prefix}:linked:{{c{chat_id}}}"

    def spam_bans(self, user_id: int) -> str:
        """Set of chat ids where this user is banned for spam/scam (lifted per chat by an unban)."""
        return f"{self.prefix}:spambans:{user_id}"

    def link_offer(self, code: str) -> str:
        """Hash: a /linkgroup offer waiting for the other group's admin; GATE_LINK_OFFER_TTL."""
        return f"{self.prefix}:linkoffer:{code}"

    # --- admin console ---------------------------------------------------------------------
    def console_link(self, token: str) -> str:
        """String (JSON): who a one-time sign-in link is for; taken with GETDEL; CONSOLE_LINK_TTL."""
        return f"{self.prefix}:console:link:{token}"

    def console_session(self, session_id: str) -> str:
        """String (JSON): a signed-in console session (user, groups, CSRF token); CONSOLE_SESSION_TTL."""
        return f"{self.prefix}:console:session:{session_id}"

    # --- assistant: budgets, knowledge, summaries ----------------------------------------
    def usage(self, chat_id: int, day: str) -> str:
        """Hash: tokens spent in a chat on one UTC day: `total`, `u:<user id>`, `p:<purpose>`; USAGE_TTL."""
        return f"{self.prefix}:usage:{{c{chat_id}}}:{day}"

    def usage_names(self, chat_id: int) -> str:
        """Hash: user id -> display name of whoever spent tokens in a chat (for /usage); USAGE_TTL."""
        return f"{self.prefix}:usagenames:{{c{chat_id}}}"

    def assistant_cooldown(self, chat_id: int, user_id: int) -> str:
        """String with a TTL: the member asked recently; set by the admission script."""
        return f"{self.prefix}:acool:{{c{chat_id}}}:{user_id}"

    def assistant_notice(self, chat_id: int, user_id: int, reason: str, period: str) -> str:
        """String: the member was told once in this period why they are not answered."""
        return f"{self.prefix}:anotice:{{c{chat_id}}}:{user_id}:{reason}:{period}"

    def known_member(self, user_id: int) -> str:
        """String: the user posted in a group the bot serves within KNOWN_MEMBER_TTL."""
        return f"{self.prefix}:member:{user_id}"

    def recent_messages(self, chat_id: int) -> str:
        """Sorted set: ids of a group's recent messages scored by date, at most RECENT_MESSAGES_MAX."""
        return f"{self.prefix}:recent:{{c{chat_id}}}"

    def notes(self, chat_id: int) -> str:
        """Hash: a group's notes, name -> text (/save, /get, #name)."""
        return f"{self.prefix}:notes:{{c{chat_id}}}"

    # --- outbound rate limiting ----------------------------------------------------------
    def rate_limit(self, scope: str) -> str:
        return f"{self.prefix}:rl:{scope}"

    def group_rate_limit(self, chat_id: int) -> str:
        """Hash: a group's send bucket, in its chat's slot (checked with the chat's verdict key)."""
        return f"{self.prefix}:rl:chat:{{c{chat_id}}}"

    # --- media spam (/spam on a photo, sticker, GIF or video) ----------------------------
    def media_hashes(self, chat_id: int) -> str:
        """Sorted set: 64-bit perceptual hashes (16 hex digits) of media the admins marked as spam,
        scored by when; no TTL, capped at MEDIA_BLOCKLIST_CAP members (the oldest leave first)."""
        return f"{self.prefix}:mediahash:{{c{chat_id}}}"

    def media_files(self, chat_id: int) -> str:
        """Sorted set: file_unique_id of media marked as spam (same file, no download), scored by
        when; no TTL, capped at MEDIA_BLOCKLIST_CAP members."""
        return f"{self.prefix}:mediafile:{{c{chat_id}}}"

    # --- reaction spam (message_reaction updates) ------------------------------------------
    def reaction_activity(self, chat_id: int, user_id: int) -> str:
        """Sorted set: message ids a member reacted to, scored by when; pruned to
        REACTION_SPREE_WINDOW and expiring after it."""
        return f"{self.prefix}:reacts:{{c{chat_id}}}:{user_id}"

    def reaction_restricted(self, chat_id: int, user_id: int) -> str:
        """String, set once per restriction (SET NX) so a burst of reaction updates restricts once;
        TTL REACTION_RESTRICT."""
        return f"{self.prefix}:reactheld:{{c{chat_id}}}:{user_id}"


# Per group and per list: 5,000 hashes are ~0.6 MB in Redis and a ~5 µs scan in process
# (bench/bench_media_hash.py); admins mark a few a day, so the cap is years of marks and still
# bounds a runaway script.
MEDIA_BLOCKLIST_CAP = 5_000
