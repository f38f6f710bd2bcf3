// The sandbox phone: a LINE user's view of a chat with the channel.
// Every piece of user or bot text goes through textContent, never innerHTML.
import { io } from "../vendor/socket.io/socket.io.esm.min.js";

const root = document.querySelector(".sandbox");
const API = root.dataset.api;
const T = JSON.parse(document.getElementById("phone-strings").textContent);
const csrf = document.querySelector('meta[name="csrf-token"]').content;
const $ = (id) => document.getElementById(id);

const view = { state: null, channel: null, user: null, chat: ["user", null], seen: new Set(), last: 0, shown: "" };

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "class") node.className = value;
    else if (key in node) node[key] = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function problem(message) {
  const box = $("problem");
  box.hidden = !message;
  box.textContent = message ? `${T.failed} ${message}` : "";
}

async function call(path, { method = "GET", json, form } = {}) {
  const options = { method, headers: { Accept: "application/json", "X-CSRFToken": csrf } };
  if (json) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(json);
  } else if (form) {
    options.body = form;
  }
  const response = await fetch(API + path, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    problem(body.message || response.statusText);
    throw new Error(body.message || response.statusText);
  }
  problem("");
  return body;
}

const users = () => new Map(view.state.users.map((u) => [u.userId, u]));
const currentChat = () => view.state.chats.find((c) => c.chatId === view.chat[1]);
const chatTarget = () => ({ channel: view.channel, chat_type: view.chat[0], chat_id: view.chat[1] });

function fillSelect(select, options, selected) {
  select.replaceChildren(...options.map(([value, label]) => el("option", { value, textContent: label })));
  if (selected !== null && selected !== undefined) select.value = selected;
}

function chatLabel(chat) {
  if (chat.kind === "group") return `${T.group}: ${chat.name}`;
  const names = chat.members.map((id) => users().get(id)?.displayName || id);
  return `${T.room}: ${names.join(", ")}`;
}

function render() {
  const { channels } = view.state;
  view.channel = view.channel || channels[0]?.channelId || null;
  fillSelect($("channel"), channels.map((c) => [c.channelId, c.name]), view.channel);
  fillSelect($("user"), view.state.users.map((u) => [u.userId, u.displayName]), view.user);
  view.user = $("user").value || null;
  const mine = view.state.chats.filter((c) => c.members.includes(view.user));
  const chats = [[`user:${view.user}`, T.oneToOne], ...mine.map((c) => [`${c.kind}:${c.chatId}`, chatLabel(c)])];
  if (view.chat[0] === "user" || !mine.some((c) => c.chatId === view.chat[1])) view.chat = ["user", view.user];
  fillSelect($("chat"), view.user ? chats : [], `${view.chat[0]}:${view.chat[1]}`);
  const me = users().get(view.user);
  const state = me?.friendships[view.channel];
  $("friendship").hidden = !me;
  $("friendship").textContent = state === "following" ? T.block : T.addFriend;
  const hidden = me?.profileHiddenFrom.includes(view.channel);
  $("profile-hidden").hidden = !me;
  $("profile-hidden").textContent = hidden ? T.showProfile : T.hideProfile;
  $("chat-members").replaceChildren(
    ...view.state.users.map((u) =>
      el("p", { class: "check" },
        el("input", { type: "checkbox", name: "members", value: u.userId, id: `m-${u.userId}`, checked: u.userId === view.user }),
        el("label", { htmlFor: `m-${u.userId}`, textContent: u.displayName })),
    ),
  );
  renderChatAdmin();
  $("chat-title").textContent = view.chat[0] === "user" ? channels.find((c) => c.channelId === view.channel)?.name || "" : chatLabel(currentChat());
  if (view.chat[0] === "user" && me && state !== "following") {
    problem(state === "blocked" ? T.blocked : T.notFriend);
  }
}

function renderChatAdmin() {
  const chat = currentChat();
  $("chat-admin").hidden = !chat;
  if (!chat) return;
  const all = users();
  $("member-list").replaceChildren(...chat.members.map((id) => el("li", { textContent: all.get(id)?.displayName || id })));
  fillSelect($("member-add"), view.state.users.filter((u) => !chat.members.includes(u.userId)).map((u) => [u.userId, u.displayName]));
  $("bot-toggle").textContent = chat.bots.includes(view.channel) ? T.removeBot : T.inviteBot;
}

async function loadState() {
  view.state = await call("/state");
  render();
  await loadMessages(true);
}

// `emojis[].index` and `length` count UTF-16 code units, as JavaScript's string indexes do.
function textWithEmojis(body) {
  const text = body.text || "";
  const parts = [];
  let at = 0;
  for (const found of body.emojis || []) {
    const known = view.state.emojis.find((e) => e.productId === found.productId && e.emojiId === found.emojiId);
    const token = text.slice(found.index, found.index + found.length);
    parts.push(text.slice(at, found.index));
    parts.push(known ? el("span", { class: "line-emoji", role: "img", ariaLabel: token, textContent: known.glyph }) : token);
    at = found.index + found.length;
  }
  parts.push(text.slice(at));
  return el("span", {}, ...parts);
}

function messageBody(message) {
  const body = message.body || {};
  if (message.unsent) return el("span", { textContent: T.unsent });
  switch (message.type) {
    case "text":
    case "textV2":
      return textWithEmojis(body);
    case "sticker": {
      const sticker = view.state.stickers.find((s) => s.packageId === String(body.packageId) && s.stickerId === String(body.stickerId));
      return el("span", { class: "sticker", role: "img", ariaLabel: T.sticker, textContent: sticker ? sticker.emoji : `[${T.sticker} ${body.packageId}/${body.stickerId}]` });
    }
    case "image":
      return el("img", { class: "media", alt: "", src: message.previewUrl || message.contentUrl || body.previewImageUrl || body.originalContentUrl || "" });
    case "video":
      return el("video", { controls: true, src: message.contentUrl || body.originalContentUrl || "", poster: message.previewUrl || body.previewImageUrl || "" });
    case "audio":
      return el("audio", { controls: true, src: message.contentUrl || body.originalContentUrl || "" });
    case "file":
      return el("a", { href: message.contentUrl || "#", textContent: `${T.file}: ${body.fileName || ""}` });
    case "location":
      return el("span", { textContent: `📍 ${body.title || T.location}\n${body.address || ""}\n${body.latitude}, ${body.longitude}` });
    default:
      return el("span", { textContent: body.altText || T.unsupported.replace("{type}", message.type) });
  }
}

function actionsOf(body) {
  const items = [...(body.quickReply?.items || []).map((i) => i.action)];
  const template = body.template || {};
  items.push(...(template.actions || []));
  return items.filter(Boolean);
}

function actionButton(action) {
  return el("button", {
    type: "button",
    textContent: action.label || action.text || action.data || action.uri || "…",
    onclick: () => {
      if (action.type === "message") sendText(action.text || action.label || "");
      else if (action.type === "postback") call("/postback", { method: "POST", json: { ...chatTarget(), sender: view.user, data: action.data || "" } });
      else if (action.type === "uri" && /^https?:/.test(action.uri || "")) window.open(action.uri, "_blank", "noopener");
    },
  });
}

const inView = (message) => message.channel === view.channel && message.chat.type === view.chat[0] && message.chat.id === view.chat[1];

function showMessage(message) {
  if (!inView(message)) return;
  const existing = document.querySelector(`[data-id="${CSS.escape(message.id)}"]`);
  const mine = message.direction === "incoming" && message.sender === view.user;
  const sender = message.direction === "outgoing" ? view.state.channels.find((c) => c.channelId === message.channel) : users().get(message.sender);
  const bubble = el("div", { class: message.unsent ? "bubble unsent" : "bubble" });
  if (!mine) bubble.append(el("span", { class: "who", textContent: sender?.name || sender?.displayName || message.sender || "" }));
  bubble.append(messageBody(message));
  const buttons = message.direction === "outgoing" ? actionsOf(message.body || {}) : [];
  if (buttons.length) bubble.append(el("div", { class: "actions" }, ...buttons.map(actionButton)));
  const meta = el("span", { class: "meta", textContent: new Date(message.at).toLocaleTimeString() + (mine && message.read ? ` · ${T.read}` : "") });
  const item = el("li", { class: mine ? "mine" : "", "data-id": message.id });
  item.append(el("img", { class: "avatar", alt: "", src: sender?.pictureUrl || "" }), bubble, meta);
  if (mine && !message.unsent) {
    item.append(el("button", { type: "button", class: "icon", title: T.unsend, ariaLabel: T.unsend, textContent: "↩", onclick: () => call(`/messages/${encodeURIComponent(message.id)}/unsend`, { method: "POST", json: { sender: view.user } }) }));
  }
  if (message.contentUrl && message.direction === "incoming") {
    // LINE deletes what users sent after a while; the inbox must already have its copy.
    const gone = message.expiresAt && message.expiresAt <= Date.now();
    bubble.append(gone
      ? el("span", { class: "meta", textContent: T.expired })
      : el("button", { type: "button", class: "link", textContent: T.expire, onclick: () => call(`/messages/${encodeURIComponent(message.id)}/expire`, { method: "POST", json: {} }) }));
  }
  if (existing) existing.replaceWith(item);
  else $("messages").append(item);
  view.last = Math.max(view.last, message.seq || 0);
  item.scrollIntoView({ block: "end" });
}

async function loadMessages(reset = false) {
  if (!view.user || !view.chat[1]) return;
  if (reset) {
    $("messages").replaceChildren();
    view.last = 0;
    const shown = `${view.channel} ${view.chat.join(" ")}`;
    if (shown !== view.shown) typing.hide(); // another chat: its account is not typing here
    view.shown = shown;
  }
  const query = new URLSearchParams({ channel: view.channel, chat_type: view.chat[0], chat_id: view.chat[1], after: view.last });
  const { messages } = await call(`/messages?${query}`);
  messages.forEach(showMessage);
}

async function sendText(text) {
  if (!text.trim()) return;
  const { message } = await call("/messages", { method: "POST", json: { ...chatTarget(), sender: view.user, type: "text", text } });
  showMessage(message);
}

function kindOf(file) {
  const major = (file.type || "").split("/")[0];
  return ["image", "video", "audio"].includes(major) ? major : "file";
}

function wire() {
  $("channel").onchange = (e) => { view.channel = e.target.value; render(); loadMessages(true); };
  $("user").onchange = (e) => { view.user = e.target.value; view.chat = ["user", view.user]; render(); loadMessages(true); };
  $("chat").onchange = (e) => { const [kind, id] = e.target.value.split(":"); view.chat = [kind, id]; render(); loadMessages(true); };
  $("friendship").onclick = async () => {
    const following = users().get(view.user)?.friendships[view.channel] === "following";
    await call(`/users/${encodeURIComponent(view.user)}/friendship`, { method: "POST", json: { channel: view.channel, follow: !following } });
    await loadState();
  };
  $("profile-hidden").onclick = async () => {
    const hidden = users().get(view.user)?.profileHiddenFrom.includes(view.channel);
    await call(`/users/${encodeURIComponent(view.user)}/profile`, { method: "POST", json: { channel: view.channel, hidden: !hidden } });
    await loadState();
  };
  $("user-form").onsubmit = async (e) => {
    e.preventDefault();
    const form = new FormData(e.target);
    if ($("user-follow").checked || $("user-before-inbox").checked) form.set("follow", view.channel);
    const { user } = await call("/users", { method: "POST", form });
    view.user = user.userId;
    view.chat = ["user", user.userId];
    e.target.reset();
    $("new-user").open = false;
    await loadState();
  };
  $("chat-form").onsubmit = async (e) => {
    e.preventDefault();
    const { chatId, kind } = await call("/chats", { method: "POST", form: new FormData(e.target) });
    await call(`/chats/${chatId}/bots`, { method: "POST", json: { channel: view.channel } });
    view.chat = [kind, chatId];
    e.target.reset();
    $("new-chat").open = false;
    await loadState();
  };
  $("member-add-button").onclick = async () => {
    if (!$("member-add").value) return;
    await call(`/chats/${view.chat[1]}/members`, { method: "POST", json: { user: $("member-add").value } });
    await loadState();
  };
  $("bot-toggle").onclick = async () => {
    const chat = currentChat();
    if (chat.bots.includes(view.channel)) await call(`/chats/${chat.chatId}/bots/${view.channel}`, { method: "DELETE" });
    else await call(`/chats/${chat.chatId}/bots`, { method: "POST", json: { channel: view.channel } });
    await loadState();
  };
  $("leave-chat").onclick = async () => {
    await call(`/chats/${view.chat[1]}/members/${encodeURIComponent(view.user)}`, { method: "DELETE" });
    view.chat = ["user", view.user];
    await loadState();
  };
  const text = $("text");
  $("composer").onsubmit = async (e) => {
    e.preventDefault();
    const value = text.value;
    text.value = "";
    try { await sendText(value); } catch { text.value = value; }
  };
  text.onkeydown = (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $("composer").requestSubmit();
    }
  };
  const panels = [["sticker-toggle", "stickers"], ["emoji-toggle", "emojis"]];
  for (const [toggle, panel] of panels) {
    $(toggle).onclick = () => {
      const opening = $(panel).hidden;
      for (const [otherToggle, other] of panels) {  // one panel open at a time
        $(other).hidden = !(opening && other === panel);
        $(otherToggle).setAttribute("aria-expanded", String(!$(other).hidden));
      }
    };
  }
  $("file").onchange = async (e) => {
    const file = e.target.files[0];
    if (!file) return;
    const form = new FormData();
    Object.entries({ ...chatTarget(), sender: view.user, type: kindOf(file) }).forEach(([k, v]) => form.set(k, v));
    form.set("file", file);
    e.target.value = "";
    const { message } = await call("/messages", { method: "POST", form });
    showMessage(message);
  };
  $("location-form").onsubmit = async (e) => {
    e.preventDefault();
    const fields = Object.fromEntries(new FormData(e.target));
    const { message } = await call("/messages", { method: "POST", json: { ...chatTarget(), sender: view.user, type: "location", ...fields } });
    showMessage(message);
    e.target.reset();
    $("location").open = false;
  };
}

function renderStickers() {
  $("stickers").replaceChildren(
    ...view.state.stickers.map((s) =>
      el("button", {
        type: "button", textContent: s.emoji, ariaLabel: `${T.sticker} ${s.stickerId}`,
        onclick: async () => {
          const { message } = await call("/messages", { method: "POST", json: { ...chatTarget(), sender: view.user, type: "sticker", package_id: s.packageId, sticker_id: s.stickerId } });
          showMessage(message);
        },
      }),
    ),
  );
}

// A LINE emoji goes into the text as its name in brackets; the platform finds it there.
function renderEmojis() {
  const text = $("text");
  $("emojis").replaceChildren(
    ...view.state.emojis.map((e) =>
      el("button", {
        type: "button", textContent: e.glyph, ariaLabel: `${T.lineEmoji} ${e.token}`,
        onclick: () => {
          const at = text.selectionStart ?? text.value.length;
          text.setRangeText(e.token, at, text.selectionEnd ?? at, "end");
          text.focus();
        },
      }),
    ),
  );
}

function listen() {
  // Socket.IO: the account's replies and pushes appear as soon as the platform accepts them.
  const socket = io("/sandbox");
  socket.on("chat_message", (message) => {
    if (message.direction === "outgoing" && inView(message)) typing.hide(); // the answer is here
    showMessage(message);
  });
  socket.on("chats", () => loadState());
  socket.on("friendship", () => loadState());
  socket.on("connect", () => loadMessages());
  socket.on("read", () => loadMessages(true));
  socket.on("loading", ({ channel, chat, seconds }) => {
    if (channel !== view.channel || chat !== view.chat[1]) return;
    typing.show(seconds);
  });
}

// "The account is typing…": LINE's loading animation, shown for the seconds the account asked
// for, and gone as soon as the account's reply or push arrives (as on a real phone).
const typing = {
  timer: null,
  show(seconds) {
    $("typing").textContent = T.typing;
    $("typing").hidden = false;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.hide(), seconds * 1000);
  },
  hide() {
    clearTimeout(this.timer);
    $("typing").hidden = true;
  },
};

wire();
view.state = JSON.parse($("phone-state").textContent);
render();
renderStickers();
renderEmojis();
listen();
await loadMessages(true);
