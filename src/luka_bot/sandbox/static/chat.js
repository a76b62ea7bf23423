// Sandbox chat page: a person plays with the bot in the local Telegram emulator.
// Every text that comes from a message (user or LLM) is untrusted: it only ever
// reaches the DOM through textContent, never innerHTML.
"use strict";

(() => {
  const DEFAULT_CHAT = { chat_id: -1001000000001, title: "Sandbox group" };
  const DEFAULT_MEMBERS = [
    { user_id: 1001, first_name: "Alice", username: "alice" },
    { user_id: 1002, first_name: "Bob", username: "bob" },
    { user_id: 1003, first_name: "Spammer", username: "spammer" },
  ];
  const FIRST_GENERATED_USER_ID = 1004;
  const POLL_MS = 400;
  const SLOW_EVERY = 8; // chats and members lists: every 8th tick (~3 s)
  const SIDE_EVERY = 2; // member status and private messages: every 2nd tick
  const REQUEST_TIMEOUT_MS = 8000;
  const BOTTOM_SLACK_PX = 40;
  const STORE_PREFIX = "luka-sandbox.";

  const params = new URLSearchParams(window.location.search);
  const botOverride = (params.get("bot") || "").replace(/^@/, "").trim();

  const $ = (id) => document.getElementById(id);
  const el = {
    chatSelect: $("chat-select"),
    newChat: $("new-chat"),
    memberSelect: $("member-select"),
    memberStatus: $("member-status"),
    makeAdmin: $("make-admin"),
    demoteAdmin: $("demote-admin"),
    memberLang: $("member-lang"),
    typing: $("typing"),
    dmTyping: $("dm-typing"),
    toast: $("toast"),
    alertDialog: $("alert-dialog"),
    alertText: $("alert-text"),
    addForm: $("add-member-form"),
    memberName: $("member-name"),
    status: $("status"),
    messages: $("messages"),
    empty: $("empty"),
    replyBanner: $("reply-banner"),
    replyAuthor: $("reply-author"),
    replyText: $("reply-text"),
    cancelReply: $("cancel-reply"),
    editBanner: $("edit-banner"),
    editId: $("edit-id"),
    editText: $("edit-text"),
    cancelEdit: $("cancel-edit"),
    mention: $("mention-bot"),
    composer: $("composer"),
    send: $("send"),
    dmPanel: $("dm-panel"),
    dmWho: $("dm-who"),
    dmList: $("dm-list"),
    dmEmpty: $("dm-empty"),
    startDm: $("start-dm"),
  };

  // ---------- small helpers ----------

  const store = {
    get(key, fallback) {
      try {
        const raw = window.localStorage.getItem(STORE_PREFIX + key);
        return raw === null ? fallback : JSON.parse(raw);
      } catch (_) {
        return fallback; // storage disabled or corrupt: start fresh
      }
    },
    set(key, value) {
      try {
        window.localStorage.setItem(STORE_PREFIX + key, JSON.stringify(value));
      } catch (_) {
        /* storage disabled: the page still works, it just forgets */
      }
    },
  };

  function pad2(n) {
    return String(n).padStart(2, "0");
  }

  function formatTime(unixSeconds) {
    if (unixSeconds === null || unixSeconds === undefined || !isFinite(unixSeconds)) return "";
    const d = new Date(Number(unixSeconds) * 1000);
    return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  }

  function formatUntil(unixSeconds) {
    if (!unixSeconds) return "forever";
    const d = new Date(Number(unixSeconds) * 1000);
    const now = new Date();
    const sameDay = d.toDateString() === now.toDateString();
    const day = sameDay ? "" : `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} `;
    return `until ${day}${formatTime(unixSeconds)}`;
  }

  function shorten(text, max) {
    const flat = String(text || "").replace(/\s+/g, " ").trim();
    return flat.length > max ? flat.slice(0, max - 1) + "…" : flat;
  }

  function node(tag, className, text) {
    const n = document.createElement(tag);
    if (className) n.className = className;
    if (text !== undefined && text !== null) n.textContent = String(text);
    return n;
  }

  function displayName(from) {
    if (!from) return "Unknown";
    return from.first_name || (from.username ? "@" + from.username : `user ${from.id}`);
  }

  function avatarColor(id) {
    const hues = [4, 28, 200, 140, 262, 330, 174, 48];
    const h = hues[Math.abs(Number(id) || 0) % hues.length];
    return `hsl(${h} 62% 52%)`;
  }

  // ---------- status line ----------

  let statusTimer = null;
  let statusSource = "";

  function showStatus(text, kind = "info", source = "") {
    clearTimeout(statusTimer);
    statusSource = source;
    el.status.textContent = text;
    el.status.className = `status visible ${kind}`;
    el.status.dataset.kind = kind;
    if (kind !== "error") {
      statusTimer = setTimeout(clearStatus, 4000);
    }
  }

  function clearStatus() {
    clearTimeout(statusTimer);
    statusSource = "";
    el.status.textContent = "";
    el.status.className = "status";
    el.status.dataset.kind = "";
  }

  function clearStatusFrom(source) {
    if (statusSource === source) clearStatus();
  }

  // ---------- API ----------

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function api(method, path, body) {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), REQUEST_TIMEOUT_MS);
    let resp;
    try {
      resp = await fetch(path, {
        method,
        headers: body === undefined ? {} : { "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: ctrl.signal,
        cache: "no-store",
      });
    } catch (err) {
      const why = err && err.name === "AbortError" ? "timed out" : "emulator unreachable";
      throw new ApiError(0, `${method} ${path}: ${why}`);
    } finally {
      clearTimeout(timer);
    }
    const raw = await resp.text();
    let data = null;
    if (raw) {
      try {
        data = JSON.parse(raw);
      } catch (_) {
        data = null; // a non-JSON error page; its text is used below
      }
    }
    if (!resp.ok) {
      const detail =
        (data && (data.error || data.description || data.message)) ||
        shorten(raw, 200) ||
        resp.statusText;
      throw new ApiError(resp.status, `${detail} (HTTP ${resp.status})`);
    }
    return data;
  }

  // ---------- state ----------

  const state = {
    botUsername: botOverride || "luka_test_bot",
    botUsernameFixed: Boolean(botOverride),
    chats: new Map(), // chat_id -> {chat_id, title}
    people: new Map(), // user_id -> {user_id, first_name, username}
    botIds: new Set(),
    chatId: null,
    memberId: null,
    replyTo: null, // message object being replied to
    editing: null, // message object being edited
    sending: false,
    pollGeneration: 0,
    tick: 0,
  };

  function chatTitle(chatId) {
    const chat = state.chats.get(chatId);
    return chat ? chat.title : `Group ${chatId}`;
  }

  function currentMember() {
    return state.people.get(state.memberId) || null;
  }

  // The member as Telegram sends them in updates, with the language the person picked for them
  // (Telegram's language_code: the bot answers private chats in it).
  function fromOf(who) {
    const from = { id: who.user_id, first_name: who.first_name };
    if (who.username) from.username = who.username;
    const lang = (state.languages || {})[String(who.user_id)];
    if (lang) from.language_code = lang;
    return from;
  }

  function renderLanguage() {
    el.memberLang.value = (state.languages || {})[String(state.memberId)] || "";
  }

  function setLanguage() {
    const who = currentMember();
    if (!who) return;
    const code = el.memberLang.value;
    state.languages = { ...(state.languages || {}) };
    if (code) state.languages[String(who.user_id)] = code;
    else delete state.languages[String(who.user_id)];
    store.set("languages", state.languages);
    const shown = code ? el.memberLang.selectedOptions[0].textContent : "not set";
    showStatus(`${who.first_name}'s Telegram language: ${shown}.`, "info", "action");
  }

  function isBotPerson(p) {
    return (
      state.botIds.has(Number(p.user_id)) ||
      (p.username && p.username.toLowerCase() === state.botUsername.toLowerCase())
    );
  }

  // ---------- chats ----------

  function loadChats() {
    state.chats.set(DEFAULT_CHAT.chat_id, { ...DEFAULT_CHAT });
    for (const c of store.get("chats", [])) {
      if (c && Number.isFinite(Number(c.chat_id))) {
        const id = Number(c.chat_id);
        state.chats.set(id, { chat_id: id, title: String(c.title || `Group ${id}`), local: true });
      }
    }
  }

  function saveCustomChats() {
    const custom = [...state.chats.values()].filter((c) => c.local);
    store.set("chats", custom);
  }

  function renderChatSelect() {
    const sel = el.chatSelect;
    const wanted = [...state.chats.values()];
    const same =
      sel.options.length === wanted.length &&
      wanted.every((c, i) => sel.options[i].value === String(c.chat_id) && sel.options[i].textContent === c.title);
    if (!same) {
      sel.replaceChildren(
        ...wanted.map((c) => {
          const o = node("option", "", c.title || `Group ${c.chat_id}`);
          o.value = String(c.chat_id);
          o.title = `chat id ${c.chat_id}`;
          return o;
        }),
      );
    }
    sel.value = String(state.chatId);
  }

  async function refreshChats() {
    let list;
    try {
      list = await api("GET", "/_emulator/chats");
    } catch (err) {
      if (err.status === 404) return; // older emulator without the list: local chats only
      throw err;
    }
    if (!Array.isArray(list)) return;
    for (const c of list) {
      const id = Number(c.chat_id);
      if (!Number.isFinite(id) || id >= 0 || c.type === "private") continue;
      const known = state.chats.get(id);
      const title = c.title || (known && known.title) || `Group ${id}`;
      state.chats.set(id, { ...(known || {}), chat_id: id, title });
    }
    renderChatSelect();
  }

  function newChatId() {
    let min = DEFAULT_CHAT.chat_id;
    for (const id of state.chats.keys()) if (id < min) min = id;
    return min - 1;
  }

  function createChat() {
    const title = window.prompt("Title of the new group:", `Group ${state.chats.size + 1}`);
    if (title === null) return;
    const clean = title.trim();
    if (!clean) {
      showStatus("A group needs a title.", "error", "action");
      return;
    }
    const id = newChatId();
    state.chats.set(id, { chat_id: id, title: clean, local: true });
    saveCustomChats();
    selectChat(id);
    showStatus(`Created group "${clean}" (id ${id}); it appears in the emulator with its first message.`, "info", "action");
  }

  function selectChat(chatId) {
    if (!state.chats.has(chatId)) {
      renderChatSelect();
      return;
    }
    state.chatId = chatId;
    store.set("chat", chatId);
    renderChatSelect();
    cancelReply();
    cancelEdit();
    groupList.reset();
    state.pollGeneration += 1;
    el.memberStatus.textContent = "";
    el.memberStatus.dataset.status = "";
    kickPoll(true);
  }

  // ---------- members ----------

  function loadPeople() {
    for (const p of DEFAULT_MEMBERS) state.people.set(p.user_id, { ...p });
    state.languages = store.get("languages", {}) || {};
    for (const p of store.get("members", [])) {
      if (p && Number.isFinite(Number(p.user_id))) {
        state.people.set(Number(p.user_id), { ...p, user_id: Number(p.user_id), local: true });
      }
    }
  }

  function saveCustomPeople() {
    store.set(
      "members",
      [...state.people.values()].filter((p) => p.local),
    );
  }

  function renderMemberSelect() {
    const sel = el.memberSelect;
    const people = [...state.people.values()].filter((p) => !isBotPerson(p));
    const label = (p) => `${p.first_name}${p.username ? " (@" + p.username + ")" : ""}`;
    const same =
      sel.options.length === people.length &&
      people.every((p, i) => sel.options[i].value === String(p.user_id) && sel.options[i].textContent === label(p));
    if (!same) {
      sel.replaceChildren(
        ...people.map((p) => {
          const o = node("option", "", label(p));
          o.value = String(p.user_id);
          o.title = `user id ${p.user_id}`;
          return o;
        }),
      );
    }
    sel.value = String(state.memberId);
  }

  async function refreshMembers() {
    const chatId = state.chatId;
    let list;
    try {
      list = await api("GET", `/_emulator/chats/${chatId}/members`);
    } catch (err) {
      if (err.status === 404) return; // the chat does not exist until its first message
      throw err;
    }
    if (!Array.isArray(list) || chatId !== state.chatId) return;
    for (const m of list) {
      const id = Number(m.user_id);
      if (!Number.isFinite(id) || id <= 0) continue;
      if (m.is_bot) {
        state.botIds.add(id);
        if (m.username && !state.botUsernameFixed && m.username !== state.botUsername) {
          state.botUsername = m.username;
          renderMentionButton();
        }
        continue;
      }
      const known = state.people.get(id);
      state.people.set(id, {
        ...(known || {}),
        user_id: id,
        // A member this page created keeps the name the person typed.
        first_name: (known && known.local && known.first_name) || m.first_name || (known && known.first_name) || `User ${id}`,
        username: (known && known.local && known.username) || m.username || (known && known.username) || "",
      });
    }
    renderMemberSelect();
  }

  function usernameFor(name, id) {
    const slug = name.toLowerCase().replace(/[^a-z0-9_]+/g, "_").replace(/^_+|_+$/g, "");
    const taken = [...state.people.values()].some((p) => p.username === slug);
    if (!slug || taken) return `user${id}`;
    return slug.length < 5 ? `${slug}_${id}` : slug;
  }

  function addMember(event) {
    event.preventDefault();
    const name = el.memberName.value.trim();
    if (!name) {
      showStatus("Type a name for the new member first.", "error", "action");
      el.memberName.focus();
      return;
    }
    let maxId = FIRST_GENERATED_USER_ID - 1;
    for (const p of state.people.values()) {
      if (!isBotPerson(p) && p.user_id > maxId && p.user_id < 1e12) maxId = p.user_id;
    }
    const id = maxId + 1;
    const person = { user_id: id, first_name: name, username: usernameFor(name, id), local: true };
    state.people.set(id, person);
    saveCustomPeople();
    el.memberName.value = "";
    selectMember(id);
    showStatus(`Added ${name} (id ${id}). Posting as ${name}.`, "info", "action");
  }

  function selectMember(userId) {
    if (!state.people.has(userId)) {
      renderMemberSelect();
      return;
    }
    state.memberId = userId;
    store.set("member", userId);
    renderMemberSelect();
    renderLanguage();
    cancelEdit();
    el.memberStatus.textContent = "";
    el.memberStatus.dataset.status = "";
    // "own" messages and edit buttons depend on who is posting.
    groupList.invalidate();
    dmList.reset();
    renderDmHeader();
    kickPoll(true);
  }

  function describeStatus(info) {
    const s = info && info.status;
    if (!s) return "unknown";
    if (s === "restricted") return `restricted ${formatUntil(info.until_date)}`;
    if (s === "kicked") return info.until_date ? `kicked ${formatUntil(info.until_date)}` : "kicked";
    if (s === "left") return "not in the group (left)";
    return s;
  }

  async function refreshMemberStatus() {
    const chatId = state.chatId;
    const userId = state.memberId;
    let text;
    let code;
    try {
      const info = await api("GET", `/_emulator/chats/${chatId}/members/${userId}`);
      text = describeStatus(info);
      code = (info && info.status) || "";
    } catch (err) {
      if (err.status !== 404) throw err;
      text = "not in the group yet";
      code = "none";
    }
    if (chatId !== state.chatId || userId !== state.memberId) return;
    el.memberStatus.textContent = text;
    el.memberStatus.dataset.status = code;
    renderAdminButtons(code);
  }

  // "Make admin" is for members; an administrator can be made a member again; the creator is neither.
  function renderAdminButtons(code) {
    el.makeAdmin.hidden = code === "administrator" || code === "creator";
    el.demoteAdmin.hidden = code !== "administrator";
  }

  async function demoteAdmin() {
    const who = currentMember();
    if (!who) return;
    try {
      await api("POST", `/_emulator/chats/${state.chatId}/members/${who.user_id}`, { status: "member" });
      showStatus(`${who.first_name} is no longer an administrator of "${chatTitle(state.chatId)}".`, "info", "action");
      await refreshMemberStatus();
    } catch (err) {
      showStatus(`Could not remove ${who.first_name} as admin: ${err.message}`, "error", "action");
    }
  }

  async function makeAdmin() {
    const who = currentMember();
    if (!who) return;
    try {
      await api("POST", `/_emulator/chats/${state.chatId}/admins`, { user_id: who.user_id });
      showStatus(`${who.first_name} is now an administrator of "${chatTitle(state.chatId)}".`, "info", "action");
      await refreshMemberStatus();
    } catch (err) {
      showStatus(`Could not make ${who.first_name} an admin: ${err.message}`, "error", "action");
    }
  }

  // ---------- message rendering ----------

  // Keeps one DOM element per message and rebuilds an element only when
  // its message changed, so scrolling and text selection stay put.
  class MessageList {
    constructor(container, emptyEl, opts) {
      this.container = container;
      this.emptyEl = emptyEl;
      this.opts = opts; // {itemClass, chatId(): number, group: bool}
      this.items = new Map(); // message_id -> {sig, node, msg}
    }

    reset() {
      for (const item of this.items.values()) item.node.remove();
      this.items.clear();
      this.emptyEl.hidden = false;
    }

    invalidate() {
      for (const item of this.items.values()) item.sig = "";
    }

    get(messageId) {
      const item = this.items.get(messageId);
      return item ? item.msg : null;
    }

    update(messages) {
      const byId = new Map(messages.map((m) => [Number(m.message_id), m]));
      const sorted = [...byId.keys()].sort((a, b) => a - b);
      for (const [id, item] of this.items) {
        // The emulator keeps deleted messages, so this only happens on a reset
        // of the emulator itself.
        if (!byId.has(id)) {
          item.node.remove();
          this.items.delete(id);
        }
      }
      let previous = null;
      for (const id of sorted) {
        const msg = byId.get(id);
        const quoted = msg.reply_to_message_id ? byId.get(Number(msg.reply_to_message_id)) || null : null;
        const sig = JSON.stringify([msg, quoted && [quoted.text, quoted.from, quoted.deleted_at]]);
        let item = this.items.get(id);
        if (!item) {
          item = { sig: "", node: node("div", this.opts.itemClass), msg };
          item.node.dataset.messageId = String(id);
          this.items.set(id, item);
          const before = previous ? previous.nextSibling : this.container.firstChild;
          this.container.insertBefore(item.node, before);
        }
        if (item.sig !== sig) {
          item.msg = msg;
          item.sig = sig;
          this.fill(item.node, msg, quoted);
        }
        previous = item.node;
      }
      this.emptyEl.hidden = this.items.size > 0;
    }

    fill(root, msg, quoted) {
      const from = msg.from || {};
      const isBot = Boolean(from.is_bot);
      const own = this.opts.group && !isBot && Number(from.id) === state.memberId;
      const deleted = msg.deleted_at !== null && msg.deleted_at !== undefined;
      const edited = msg.edited_at !== null && msg.edited_at !== undefined;
      noteBotIdentity(from, isBot);

      root.classList.toggle("bot", isBot);
      root.classList.toggle("own", own);
      root.classList.toggle("deleted", deleted);
      root.classList.toggle("edited", edited);
      root.dataset.fromId = String(from.id ?? "");

      const parts = [];
      if (this.opts.group && !own) parts.push(avatarFor(from, isBot));

      const bubble = node("div", "bubble");
      bubble.append(authorLine(msg, from, isBot));
      if (msg.reply_to_message_id) bubble.append(quoteBlock(msg, quoted));
      if (msg.forwarded) bubble.append(node("div", "forwarded", "Forwarded message"));
      if (msg.media) {
        const kind = typeof msg.media === "string" ? msg.media : msg.media.kind || "media";
        bubble.append(node("div", "media", `[${kind}]`));
      }
      bubble.append(textBlock(msg));
      const keyboard = msg.reply_markup && msg.reply_markup.inline_keyboard;
      if (Array.isArray(keyboard) && keyboard.length && !deleted) bubble.append(keyboardBlock(keyboard, msg));
      bubble.append(metaLine(msg, deleted, edited));
      if (this.opts.group) bubble.append(actionsBlock(msg, own, deleted));

      parts.push(bubble);
      root.replaceChildren(...parts);
    }
  }

  // The pieces of one message bubble (MessageList.fill puts them together).

  function noteBotIdentity(from, isBot) {
    if (isBot && from.id !== undefined) state.botIds.add(Number(from.id));
    if (isBot && from.username && !state.botUsernameFixed && from.username !== state.botUsername) {
      state.botUsername = from.username;
      renderMentionButton();
    }
  }

  function avatarFor(from, isBot) {
    const avatar = node("div", "avatar", (displayName(from)[0] || "?").toUpperCase());
    avatar.style.background = isBot ? "" : avatarColor(from.id);
    avatar.setAttribute("aria-hidden", "true");
    return avatar;
  }

  function authorLine(msg, from, isBot) {
    const head = node("div", "author");
    const sender = msg.sender_chat && msg.sender_chat.title ? msg.sender_chat.title : displayName(from);
    head.append(node("span", "name", sender));
    if (from.username) head.append(node("span", "username", "@" + from.username));
    if (isBot) head.append(node("span", "badge", "bot"));
    return head;
  }

  function quoteBlock(msg, quoted) {
    const q = node("div", "quote");
    q.dataset.replyTo = String(msg.reply_to_message_id);
    if (quoted) {
      q.append(node("div", "quote-author", displayName(quoted.from)));
      const qText = quoted.deleted_at ? "deleted message" : shorten(quoted.text || "(no text)", 90);
      q.append(node("div", "quote-text", qText));
    } else {
      q.append(node("div", "quote-author", "Reply"));
      q.append(node("div", "quote-text", `message #${msg.reply_to_message_id}`));
    }
    q.title = "Show the replied message";
    return q;
  }

  function textBlock(msg) {
    const text = node("div", "text");
    if (msg.text === null || msg.text === undefined || msg.text === "") {
      text.textContent = msg.media ? "" : "(no text)";
      text.classList.add("no-text");
    } else {
      renderFormatted(text, String(msg.text), msg.entities);
    }
    return text;
  }

  function keyboardButton(b, msg) {
    if (typeof b.callback_data === "string") {
      const btn = node("button", "inline-btn", b.text || b.callback_data);
      btn.type = "button";
      btn.dataset.callback = b.callback_data;
      btn.dataset.messageId = String(msg.message_id);
      return btn;
    }
    if (typeof b.url === "string" && /^https?:\/\//i.test(b.url)) {
      const a = node("a", "inline-btn inline-url", b.text || b.url);
      a.href = b.url;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      return a;
    }
    return node("span", "inline-btn inline-other", b.text || "button");
  }

  function keyboardBlock(keyboard, msg) {
    const kb = node("div", "keyboard");
    for (const row of keyboard) {
      if (!Array.isArray(row)) continue;
      const r = node("div", "kb-row");
      for (const b of row) {
        if (b) r.append(keyboardButton(b, msg));
      }
      kb.append(r);
    }
    return kb;
  }

  function metaLine(msg, deleted, edited) {
    const meta = node("div", "meta");
    if (deleted) {
      const d = node("span", "deleted-label", "deleted");
      d.title = `deleted at ${formatTime(msg.deleted_at)}`;
      meta.append(d);
    }
    if (edited) {
      const e = node("span", "edited-label", "edited");
      e.title = `edited at ${formatTime(msg.edited_at)}`;
      meta.append(e);
    }
    const t = node("time", "time", formatTime(msg.date));
    t.dateTime = new Date(Number(msg.date) * 1000).toISOString();
    meta.append(t);
    meta.append(node("span", "mid", `#${msg.message_id}`));
    return meta;
  }

  function actionsBlock(msg, own, deleted) {
    const actions = node("div", "actions");
    const reply = node("button", "reply-btn", "Reply");
    reply.type = "button";
    reply.dataset.messageId = String(msg.message_id);
    reply.disabled = deleted;
    actions.append(reply);
    if (own && !deleted) {
      const edit = node("button", "edit-btn", "Edit");
      edit.type = "button";
      edit.dataset.messageId = String(msg.message_id);
      actions.append(edit);
    }
    return actions;
  }

  // Telegram entities styled by class only; each piece of text still goes in
  // through textContent. Offsets are UTF-16 units, as JavaScript strings are.
  const ENTITY_CLASSES = {
    bold: "ent-bold",
    italic: "ent-italic",
    underline: "ent-underline",
    strikethrough: "ent-strike",
    spoiler: "ent-spoiler",
    code: "ent-code",
    pre: "ent-pre",
    mention: "ent-mention",
    text_mention: "ent-mention",
    hashtag: "ent-mention",
    bot_command: "ent-mention",
    url: "ent-link",
    text_link: "ent-link",
    blockquote: "ent-quote",
    expandable_blockquote: "ent-quote",
  };

  function renderFormatted(target, text, entities) {
    const usable = (Array.isArray(entities) ? entities : []).filter(
      (e) => e && ENTITY_CLASSES[e.type] && Number.isInteger(e.offset) && Number.isInteger(e.length) && e.length > 0,
    );
    if (!usable.length) {
      target.textContent = text;
      return;
    }
    const cuts = new Set([0, text.length]);
    for (const e of usable) {
      cuts.add(Math.min(Math.max(e.offset, 0), text.length));
      cuts.add(Math.min(Math.max(e.offset + e.length, 0), text.length));
    }
    const points = [...cuts].sort((a, b) => a - b);
    const pieces = [];
    for (let i = 0; i + 1 < points.length; i++) {
      const start = points[i];
      const end = points[i + 1];
      if (end <= start) continue;
      const covering = usable.filter((e) => e.offset <= start && e.offset + e.length >= end);
      const chunk = text.slice(start, end);
      if (!covering.length) {
        pieces.push(document.createTextNode(chunk));
        continue;
      }
      const span = node("span", covering.map((e) => ENTITY_CLASSES[e.type]).join(" "), chunk);
      const link = covering.find((e) => e.type === "text_link" && typeof e.url === "string");
      if (link) span.title = link.url;
      pieces.push(span);
    }
    target.replaceChildren(...pieces);
  }

  const groupList = new MessageList(el.messages, el.empty, { itemClass: "msg", group: true });
  const dmList = new MessageList(el.dmList, el.dmEmpty, { itemClass: "dm-msg", group: false });

  function isAtBottom(box) {
    return box.scrollHeight - box.scrollTop - box.clientHeight <= BOTTOM_SLACK_PX;
  }

  function renderMentionButton() {
    el.mention.textContent = "@" + state.botUsername;
    el.mention.dataset.bot = state.botUsername;
    renderDmHeader();
  }

  // ---------- polling ----------

  let wake = null;
  let forceSide = false;

  function kickPoll(side) {
    if (side) forceSide = true;
    if (wake) wake();
  }

  function sleep(ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });
  }

  async function pollMessages() {
    const chatId = state.chatId;
    const generation = state.pollGeneration;
    let list;
    try {
      list = await api("GET", `/_emulator/chats/${chatId}/messages`);
    } catch (err) {
      if (err.status !== 404) throw err;
      list = []; // the chat does not exist until its first message
    }
    if (generation !== state.pollGeneration || chatId !== state.chatId) return;
    if (!Array.isArray(list)) throw new ApiError(0, "messages: the emulator answered something that is not a list");
    const box = el.messages;
    const stick = isAtBottom(box);
    groupList.update(list);
    if (stick) box.scrollTop = box.scrollHeight;
  }

  async function pollDm() {
    const userId = state.memberId;
    let list;
    try {
      list = await api("GET", `/_emulator/users/${userId}/messages`);
    } catch (err) {
      if (err.status !== 404) throw err;
      list = [];
    }
    if (userId !== state.memberId || !Array.isArray(list)) return;
    const box = el.dmList;
    const stick = isAtBottom(box);
    dmList.update(list);
    if (stick) box.scrollTop = box.scrollHeight;
  }

  async function pollOnce() {
    const tick = state.tick++;
    const chatId = state.chatId;
    const jobs = [["messages", pollMessages], ["typing", () => refreshTyping(chatId, el.typing)]];
    if (forceSide || tick % SIDE_EVERY === 0) {
      const memberId = state.memberId;
      jobs.push(["member status", refreshMemberStatus], ["private messages", pollDm],
                ["private typing", () => refreshTyping(memberId, el.dmTyping)]);
    }
    if (forceSide || tick % SLOW_EVERY === 0) {
      jobs.push(["groups", refreshChats], ["members", refreshMembers]);
    }
    forceSide = false;
    const results = await Promise.allSettled(jobs.map(([, fn]) => fn()));
    const failed = results
      .map((r, i) => (r.status === "rejected" ? `${jobs[i][0]}: ${r.reason && r.reason.message}` : null))
      .filter(Boolean);
    if (failed.length) {
      const more = failed.length > 1 ? ` (and ${failed.length - 1} more)` : "";
      showStatus(`Cannot update — ${failed[0]}${more}`, "error", "poll");
    } else {
      clearStatusFrom("poll");
    }
  }

  async function pollLoop() {
    for (;;) {
      const started = performance.now();
      try {
        await pollOnce();
      } catch (err) {
        // pollOnce reports its own failures; this is a bug guard so the loop never dies.
        showStatus(`Update failed: ${err && err.message}`, "error", "poll");
      }
      const elapsed = performance.now() - started;
      await sleep(Math.max(30, POLL_MS - elapsed));
    }
  }

  // ---------- composing ----------

  function autosize() {
    const c = el.composer;
    const max = 180;
    c.style.height = "auto";
    const border = c.offsetHeight - c.clientHeight; // border-box height includes the borders
    const wanted = c.scrollHeight + border;
    c.style.height = Math.min(wanted, max) + "px";
    c.style.overflowY = wanted > max ? "auto" : "hidden";
  }

  function startReply(messageId) {
    const msg = groupList.get(messageId);
    if (!msg) return;
    cancelEdit();
    state.replyTo = msg;
    el.replyAuthor.textContent = displayName(msg.from);
    el.replyText.textContent = shorten(msg.text || "(no text)", 120);
    el.replyBanner.hidden = false;
    el.replyBanner.dataset.messageId = String(messageId);
    el.composer.focus();
  }

  function cancelReply() {
    state.replyTo = null;
    el.replyBanner.hidden = true;
    el.replyBanner.dataset.messageId = "";
  }

  function startEdit(messageId) {
    const msg = groupList.get(messageId);
    if (!msg) return;
    cancelReply();
    state.editing = msg;
    el.editId.textContent = `#${messageId}`;
    el.editText.textContent = shorten(msg.text || "", 120);
    el.editBanner.hidden = false;
    el.editBanner.dataset.messageId = String(messageId);
    el.composer.value = msg.text || "";
    el.send.textContent = "Save";
    autosize();
    el.composer.focus();
  }

  function cancelEdit() {
    if (state.editing) {
      el.composer.value = "";
      autosize();
    }
    state.editing = null;
    el.editBanner.hidden = true;
    el.editBanner.dataset.messageId = "";
    el.send.textContent = "Send";
  }

  function insertMention() {
    const c = el.composer;
    const mention = "@" + state.botUsername;
    const start = c.selectionStart ?? c.value.length;
    const end = c.selectionEnd ?? c.value.length;
    const before = c.value.slice(0, start);
    const after = c.value.slice(end);
    const lead = before && !/\s$/.test(before) ? " " : "";
    const tail = after.startsWith(" ") ? "" : " ";
    c.value = before + lead + mention + tail + after;
    const caret = (before + lead + mention + tail).length;
    c.focus();
    c.setSelectionRange(caret, caret);
    autosize();
  }

  async function submit() {
    if (state.sending) return;
    const text = el.composer.value;
    if (!text.trim()) {
      showStatus("Nothing to send: the message is empty.", "error", "action");
      return;
    }
    const who = currentMember();
    if (!who) {
      showStatus("Pick a member to post as.", "error", "action");
      return;
    }
    state.sending = true;
    el.send.disabled = true;
    try {
      if (state.editing) {
        const id = state.editing.message_id;
        await api("POST", "/_emulator/messages/edit", { chat_id: state.chatId, message_id: id, text });
        cancelEdit();
        showStatus(`Edited message #${id}.`, "info", "action");
      } else {
        const body = {
          chat_id: state.chatId,
          chat_title: chatTitle(state.chatId),
          from: fromOf(who),
          text,
        };
        if (state.replyTo) body.reply_to_message_id = state.replyTo.message_id;
        await api("POST", "/_emulator/messages", body);
        el.composer.value = "";
        cancelReply();
        clearStatusFrom("action");
        el.messages.scrollTop = el.messages.scrollHeight; // the person wants to see what they sent
      }
      autosize();
    } catch (err) {
      const verb = state.editing ? "edit" : "send";
      showStatus(`Could not ${verb} as ${who.first_name}: ${err.message}`, "error", "action");
    } finally {
      state.sending = false;
      el.send.disabled = false;
      kickPoll(true);
    }
  }

  async function pressButton(btn, chatId) {
    const who = currentMember();
    if (!who) return;
    const from = fromOf(who);
    btn.disabled = true;
    try {
      const pressed = await api("POST", "/_emulator/callback", {
        chat_id: chatId,
        message_id: Number(btn.dataset.messageId),
        from,
        data: btn.dataset.callback,
      });
      showStatus(`${who.first_name} pressed "${btn.textContent}".`, "info", "action");
      if (pressed && pressed.callback_query_id) awaitCallbackAnswer(String(pressed.callback_query_id));
    } catch (err) {
      showStatus(`Button press failed: ${err.message}`, "error", "action");
    } finally {
      btn.disabled = false;
      kickPoll(true);
    }
  }

  // ---------- callback answers ----------

  const CALLBACK_WAIT_MS = 6000;
  let toastTimer = null;

  function showToast(text) {
    clearTimeout(toastTimer);
    el.toast.textContent = text; // the bot's text: textContent only
    el.toast.hidden = false;
    toastTimer = setTimeout(() => {
      el.toast.hidden = true;
    }, 3500);
  }

  function showAlert(text) {
    el.alertText.textContent = text;
    if (typeof el.alertDialog.showModal === "function") {
      if (!el.alertDialog.open) el.alertDialog.showModal();
    } else {
      el.alertDialog.setAttribute("open", "");
    }
  }

  // Telegram shows the bot's answerCallbackQuery as a toast, or as an alert with show_alert.
  async function awaitCallbackAnswer(callbackId) {
    const deadline = performance.now() + CALLBACK_WAIT_MS;
    while (performance.now() < deadline) {
      let answer = null;
      try {
        answer = await api("GET", `/_emulator/callbacks/${encodeURIComponent(callbackId)}`);
      } catch (_) {
        return; // the emulator was reset: nothing to show
      }
      if (answer && answer.answered) {
        if (answer.text) {
          if (answer.show_alert) showAlert(answer.text);
          else showToast(answer.text);
        }
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    }
  }

  // ---------- typing ----------

  async function refreshTyping(chatId, target) {
    let info = null;
    try {
      info = await api("GET", `/_emulator/chats/${chatId}/action`);
    } catch (err) {
      if (err.status !== 404) throw err; // no such chat yet: nobody types
    }
    const typing = info && info.action === "typing";
    target.hidden = !typing;
    target.textContent = typing ? `@${state.botUsername} is typing` : "";
  }

  // ---------- private chat ----------

  function renderDmHeader() {
    const who = currentMember();
    el.dmWho.textContent = who ? `${who.first_name} ↔ @${state.botUsername}` : "";
  }

  async function startDm() {
    const who = currentMember();
    if (!who) return;
    try {
      const { id: _id, ...body } = fromOf(who);
      await api("POST", `/_emulator/users/${who.user_id}/start`, body);
      showStatus(`${who.first_name} opened a private chat with @${state.botUsername} (/start).`, "info", "action");
    } catch (err) {
      showStatus(`Could not open the private chat: ${err.message}`, "error", "action");
    }
    kickPoll(true);
  }

  // ---------- wiring ----------

  function scrollToMessage(messageId) {
    const target = el.messages.querySelector(`.msg[data-message-id="${Number(messageId)}"]`);
    if (!target) return;
    target.scrollIntoView({ block: "center", behavior: "smooth" });
    target.classList.remove("flash");
    void target.offsetWidth; // restart the highlight animation
    target.classList.add("flash");
  }

  function wire() {
    el.chatSelect.addEventListener("change", () => selectChat(Number(el.chatSelect.value)));
    el.newChat.addEventListener("click", createChat);
    el.memberSelect.addEventListener("change", () => selectMember(Number(el.memberSelect.value)));
    el.addForm.addEventListener("submit", addMember);
    el.makeAdmin.addEventListener("click", makeAdmin);
    el.demoteAdmin.addEventListener("click", demoteAdmin);
    el.memberLang.addEventListener("change", setLanguage);
    el.startDm.addEventListener("click", startDm);
    el.cancelReply.addEventListener("click", () => {
      cancelReply();
      el.composer.focus();
    });
    el.cancelEdit.addEventListener("click", () => {
      cancelEdit();
      el.composer.focus();
    });
    el.mention.addEventListener("click", insertMention);
    el.send.addEventListener("click", submit);
    el.composer.addEventListener("input", autosize);
    // A shrinking window (or a growing composer) must not unstick a chat the
    // person was reading at its bottom.
    let stuck = true;
    el.messages.addEventListener("scroll", () => {
      stuck = isAtBottom(el.messages);
    });
    if (typeof ResizeObserver === "function") {
      new ResizeObserver(() => {
        if (stuck) el.messages.scrollTop = el.messages.scrollHeight;
      }).observe(el.messages);
    }
    el.composer.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        submit();
      } else if (e.key === "Escape") {
        if (state.editing) cancelEdit();
        else cancelReply();
      }
    });

    el.messages.addEventListener("click", (e) => {
      const target = e.target instanceof Element ? e.target : null;
      if (!target) return;
      const reply = target.closest(".reply-btn");
      if (reply) return startReply(Number(reply.dataset.messageId));
      const edit = target.closest(".edit-btn");
      if (edit) return startEdit(Number(edit.dataset.messageId));
      const inline = target.closest("button.inline-btn");
      if (inline) return pressButton(inline, state.chatId);
      const quote = target.closest(".quote");
      if (quote) return scrollToMessage(quote.dataset.replyTo);
    });
    el.dmList.addEventListener("click", (e) => {
      const target = e.target instanceof Element ? e.target : null;
      const inline = target && target.closest("button.inline-btn");
      // In a private chat Telegram's chat id is the user's id.
      if (inline) pressButton(inline, state.memberId);
    });
  }

  async function detectBotUsername() {
    if (state.botUsernameFixed) return;
    try {
      const cfg = await api("GET", "/_emulator/config");
      const name = cfg && (cfg.bot_username || cfg.username);
      if (typeof name === "string" && name) {
        state.botUsername = name.replace(/^@/, "");
        renderMentionButton();
        renderDmHeader();
      }
    } catch (_) {
      /* optional endpoint: the default name or the bot's own messages tell us */
    }
  }

  function init() {
    loadChats();
    loadPeople();
    const savedChat = Number(store.get("chat", DEFAULT_CHAT.chat_id));
    state.chatId = state.chats.has(savedChat) ? savedChat : DEFAULT_CHAT.chat_id;
    const savedMember = Number(store.get("member", DEFAULT_MEMBERS[0].user_id));
    state.memberId = state.people.has(savedMember) ? savedMember : DEFAULT_MEMBERS[0].user_id;
    renderChatSelect();
    renderMemberSelect();
    renderLanguage();
    renderMentionButton();
    renderDmHeader();
    wire();
    autosize();
    detectBotUsername();
    forceSide = true;
    pollLoop();
  }

  init();
})();
