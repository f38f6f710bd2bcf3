// The agent workspace: wires the list, thread, header actions, profile and composer together,
// keeps the address bar in step, and applies Socket.IO's live events.
import { io } from "../../vendor/socket.io/socket.io.esm.min.js";
import { $, api, attempt, guarded, showProblem, t } from "./core.js";
import { ConversationActions } from "./actions.js";
import { SnoozeControl } from "./snooze.js";
import { Alerts } from "./alerts.js";
import { Composer } from "./composer.js";
import { WorkspaceLayout } from "./layout.js";
import { ListFilters } from "./filters.js";
import { ConversationList } from "./list.js";
import { Presence } from "./presence.js";
import { ProfilePanel } from "./profile.js";
import { SavedReplies } from "./saved_replies.js";
import { Selection } from "./selection.js";
import { KeyboardShortcuts } from "./shortcuts.js";
import { Thread } from "./thread.js";

const boot = JSON.parse($("workspace-boot").textContent);
const me = boot.me;
const socket = io({ autoConnect: false });
let active = null; // the open conversation's detail JSON
const presence = new Presence({
  socket,
  me,
  awayAfterSeconds: boot.presence.away_after_seconds,
  heartbeatSeconds: boot.presence.heartbeat_seconds,
});

const alerts = new Alerts({ me, settings: boot.alerts, onOpen: (id) => openConversation(id, { push: true, focus: true }) });
const filters = new ListFilters({ boot, onChange: () => { syncAddress(); attempt(() => list.reload()); } });
const list = new ConversationList({ boot, filters, onOpen: (id) => openConversation(id, { push: true, focus: true }), onChange: syncAddress });
filters.followView(boot.views[boot.view]);
// Agents choose several rows and act on them together; supervisors read.
if (boot.can_act) guarded("selection", () => { list.selection = new Selection({ list, me, onUpdated: conversationChanged, announce }); list.render(); });
const thread = new Thread({ me, onRetry: retry });
const profile = new ProfilePanel({ canAct: boot.can_act, onLeft: conversationChanged });
const snooze = new SnoozeControl({ canAct: boot.can_act, onUpdated: conversationChanged });
const actions = new ConversationActions({
  me, canAct: boot.can_act, snooze, labels: boot.labels, onUpdated: conversationChanged, onTitle: (title) => alerts.setTitle(title),
});
// Supervisors read: their page has no composer (only agents answer customers).
const composer = boot.can_act ? new Composer({
  canSend: boot.can_act,
  limit: boot.text_limit,
  onSent: (messages) => messages.forEach((message) => thread.upsert(message)),
  onTyping: (id) => socket.emit("typing", { conversation_id: id }),
  beforeSend: (id) => presence.confirmSend(id),
}) : null;
if (composer) guarded("saved replies", () => new SavedReplies({ composer }));
const layout = new WorkspaceLayout({ list, composer, onBack: backToList });
new KeyboardShortcuts({ list, layout, composer, actions, announce });

/** A short message for screen readers (what a shortcut did). */
function announce(text) {
  const box = $("announcer");
  box.textContent = "";
  requestAnimationFrame(() => { box.textContent = text; });
}

function address(id) {
  const params = new URLSearchParams();
  if (list.view !== "open") params.set("view", list.view);
  if (list.query) params.set("q", list.query);
  filters.addTo(params, list.views[list.view]);
  const query = params.toString();
  return `${id ? `/conversations/${id}` : "/"}${query ? `?${query}` : ""}`;
}

function syncAddress() {
  history.replaceState({ ...history.state, id: active?.id ?? null }, "", address(active?.id));
}

/** `focus`: the agent opened it (a click, Enter, Back/Forward), so focus follows to the thread. */
async function openConversation(id, { push = false, detail = null, focus = false } = {}) {
  if (active?.id === id && !detail) return;
  if (active) socket.emit("close_conversation", { conversation_id: active.id });
  presence.open(id);
  $("workspace").classList.add("has-conversation");
  $("thread-empty").hidden = true;
  $("thread-pane").hidden = false;
  list.setActive(id);
  composer?.open(id);
  layout.setDrawer(false);
  if (focus) layout.focusOpened();
  const known = list.get(id);
  if (known) guarded("header", () => actions.show(known));
  active = { id };
  if (push) {
    // How many entries back the list is, if it is there at all: the back control returns to
    // it in one go rather than through every conversation opened since.
    const here = history.state;
    const depth = !here?.id ? 1 : here.fromList ? here.depth + 1 : null;
    history.pushState(depth ? { id, fromList: true, depth } : { id }, "", address(id));
  }
  const loaded = detail || (await attempt(() => api(`/api/conversations/${id}`)));
  if (!loaded || active.id !== id) return;
  active = loaded;
  showDetail(loaded);
  if (socket.connected) joinConversation(id);
  await attempt(() => thread.open(id));
}

function closeConversation() {
  if (active) socket.emit("close_conversation", { conversation_id: active.id });
  active = null;
  presence.open(null);
  list.setActive(null);
  thread.reset(null);
  profile.clear();
  $("workspace").classList.remove("has-conversation");
  $("thread-empty").hidden = false;
  $("thread-pane").hidden = true;
  alerts.setTitle($("workspace").dataset.title);
}

/** The back control and `/` on a phone: the list again. The browser's history follows: one
 * step back when the list opened the conversation, a new entry when the page started on it. */
function backToList() {
  const left = active?.id ?? null;
  closeConversation();
  if (history.state?.fromList) history.go(-history.state.depth);
  else history.pushState({ id: null }, "", address(null));
  return left;
}

/** A conversation changed (PATCH, leave, live event): every part that shows it follows. */
function conversationChanged(conversation) {
  list.upsert(conversation);
  if (active?.id !== conversation.id) return;
  const hadMembership = active.bot_is_member;
  active = { ...active, ...conversation, contact: conversation.contact ?? active.contact, group: conversation.group ?? active.group };
  guarded("header", () => actions.show(active));
  profile.show(active);
  if (hadMembership !== active.bot_is_member) {
    composer?.refresh();
    thread.catchUp().catch(() => {});
  }
}

async function retry(message, button) {
  // A reply LINE may have delivered goes again only when the agent has checked and says so.
  const uncertain = message.delivery_state === "uncertain";
  if (uncertain && !window.confirm(t("resendConfirm"))) return;
  button.disabled = true;
  const json = uncertain ? { confirm: true } : {};
  const answer = await attempt(() => api(`/api/messages/${message.id}/retry`, { method: "POST", json }));
  if (answer) answer.messages.forEach((item) => thread.upsert(item));
  else button.disabled = false;
}

// Live updates ------------------------------------------------------------------------------

/** Join the conversation's room (typing, who else is here; for an agent, marks it read). */
function joinConversation(id) {
  socket.emit("open_conversation", { conversation_id: id }, (answer) => {
    if (answer?.ok) presence.showViewers({ conversation_id: id, viewers: answer.viewers });
  });
}

let markedAt = 0;
function messageArrived(message) {
  if (!thread.upsert(message)) return;
  presence.messageArrived(message);
  // The agent is looking at it: mark it read (LINE shows "Read" to the user).
  if (message.direction === "incoming" && document.visibilityState === "visible" && Date.now() - markedAt > 2000) {
    markedAt = Date.now();
    joinConversation(message.conversation_id);
  }
}

function liveConversation(conversation) {
  conversationChanged(conversation);
  if (active?.id === conversation.id && (conversation.name !== active.name || conversation.picture_url !== active.picture_url)) {
    refreshDetail(conversation.id); // a profile or group summary arrived
  }
}

/** A contact changed (blocked, unblocked, a fresh profile): the panel showing them follows. */
function liveContact(contact) {
  if (!active?.id) return;
  const isPerson = active.contact?.id === contact.id;
  const members = active.group?.members;
  const isMember = members?.some((member) => member.id === contact.id);
  if (!isPerson && !isMember) return;
  if (isPerson) {
    active = { ...active, contact };
    composer?.refresh(); // a block or an unblock changes what can be sent, now
  }
  if (isMember) {
    // Membership (joined, left) is the group's to say; the rest is the contact's.
    const group = { ...active.group, members: members.map((member) => (member.id === contact.id ? { ...member, ...contact } : member)) };
    active = { ...active, group };
  }
  profile.show(active);
  guarded("names", () => thread.setPeople(active));
}

/** A group's or room's name, picture or members changed. */
function liveGroup({ conversation_id: id, group }) {
  if (active?.id !== id) return;
  active = { ...active, group };
  profile.show(active);
  guarded("names", () => thread.setPeople(active));
}

async function refreshDetail(id) {
  const detail = await attempt(() => api(`/api/conversations/${id}`));
  if (!detail || active?.id !== id) return;
  active = detail;
  showDetail(detail);
  thread.refresh();
}

/** The parts beside the thread; each draws on its own, so one failing cannot blank another. */
function showDetail(detail) {
  guarded("header", () => actions.show(detail));
  profile.show(detail);
  guarded("names", () => thread.setPeople(detail));
}

function connectionState(text) {
  const box = $("connection");
  box.hidden = !text;
  box.textContent = text || "";
}

socket.on("connect", () => {
  connectionState("");
  presence.heartbeat();
  if (active?.id) joinConversation(active.id);
  // What happened while there was no connection (after a drop, or between the page being
  // drawn and its socket joining the channels' rooms) was never heard: fetch it.
  attempt(() => list.reload());
  attempt(() => thread.catchUp());
});
socket.on("disconnect", (reason) => {
  // The server closes a connection only when its access ended (signed out, disabled, password
  // reset): reloading leads to the sign-in page, or to a fresh connection if still signed in.
  if (reason === "io server disconnect") location.reload();
  else connectionState(t("reconnecting"));
});
socket.on("connect_error", () => connectionState(t("reconnecting")));
socket.on("message", (message) => {
  guarded("alerts", () => alerts.message(message));
  messageArrived(message);
});
socket.on("conversation", (conversation) => {
  liveConversation(conversation);
  guarded("alerts", () => alerts.conversation(conversation));
});
socket.on("contact", liveContact);
socket.on("group", liveGroup);
socket.on("typing", (event) => presence.typing(event));
socket.on("viewers", (event) => presence.showViewers(event));

window.addEventListener("popstate", (event) => {
  const id = event.state?.id ?? Number(location.pathname.match(/^\/conversations\/(\d+)/)?.[1] || 0);
  if (id) {
    openConversation(id, { focus: true });
  } else if (active) {
    const left = active.id;
    closeConversation();
    layout.returnToList(left);
  }
});
window.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && !document.querySelector("dialog[open]")) showProblem("");
});

socket.connect();
if (boot.conversation) {
  history.replaceState({ id: boot.conversation.id }, "", location.href);
  openConversation(boot.conversation.id, { detail: boot.conversation });
} else {
  closeConversation();
}
