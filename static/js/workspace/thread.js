// The open conversation's messages: newest page first, older pages on scrolling up, live
// messages appended or updated in place, and a catch-up after the connection comes back.
import { $, api, dayLabel, el, safely, sameDay, t } from "./core.js";
import { renderMessage } from "./messages.js";

const PAGE = 50;
const NEAR_TOP = 200; // px from the top where the next older page starts loading
const NEAR_BOTTOM = 80; // px: closer than this counts as "reading the newest"

const byTime = (a, b) => (a.sent_at || "").localeCompare(b.sent_at || "") || a.id - b.id;

export class Thread {
  constructor({ me, onRetry }) {
    this.me = me;
    this.onRetry = onRetry;
    this.list = $("thread");
    this.scroller = $("thread-scroller");
    this.status = $("thread-older");
    this.jump = $("thread-jump");
    this.reset(null);
    this.scroller.addEventListener("scroll", () => this.scrolled(), { passive: true });
    // Pictures and players get their height late; keep the newest message in view meanwhile.
    this.list.addEventListener("load", () => this.keepPinned(), true);
    this.list.addEventListener("loadedmetadata", () => this.keepPinned(), true);
    // A message that grows where it is (a failure's words and its Retry button) or a composer
    // that grows (a longer hint, a taller box) must not push the newest out of sight.
    const pin = new ResizeObserver(() => this.keepPinned());
    pin.observe(this.list);
    pin.observe(this.scroller);
    this.jump.addEventListener("click", () => this.scrollToEnd());
  }

  reset(conversationId) {
    this.conversationId = conversationId;
    this.messages = [];
    this.nodes = new Map();
    this.olderCursor = null;
    this.newerCursor = null;
    this.loadingOlder = false;
    this.hasNewer = false; // only a thread opened at a message has newer pages to load
    this.loadingNewer = false;
    this.pinned = true;
    this.names = new Map();
    this.list.replaceChildren();
    this.status.textContent = "";
    this.jump.hidden = true;
    this.controller?.abort();
    this.controller = new AbortController();
  }

  /** LINE user id → display name, for mentions and member events. */
  setPeople(detail) {
    const people = [detail.contact, ...(detail.group?.members || [])].filter(Boolean);
    this.names = new Map(people.map((person) => [person.line_user_id, person.display_name || person.line_user_id]));
  }

  async open(conversationId) {
    this.reset(conversationId);
    this.status.textContent = t("loadingMessages");
    const page = await api(`/api/conversations/${conversationId}/messages?limit=${PAGE}`, { signal: this.controller.signal });
    if (conversationId !== this.conversationId) return;
    this.olderCursor = page.older_cursor;
    this.newerCursor = page.newer_cursor;
    this.add(page.messages);
    this.status.textContent = this.olderCursor ? "" : t("startOfConversation");
    this.scrollToEnd();
    await this.fillViewport();
  }

  /** The thread opened at one message (a search hit): marked, and scrolled to. */
  async openAt(conversationId, messageId) {
    this.reset(conversationId);
    this.status.textContent = t("loadingMessages");
    const query = new URLSearchParams({ limit: PAGE, around: messageId });
    const page = await api(`/api/conversations/${conversationId}/messages?${query}`, { signal: this.controller.signal });
    if (conversationId !== this.conversationId) return;
    this.olderCursor = page.older_cursor;
    this.newerCursor = page.newer_cursor;
    this.hasNewer = page.has_newer;
    this.add(page.messages);
    this.status.textContent = this.olderCursor ? "" : t("startOfConversation");
    const target = this.nodes.get(messageId);
    if (target) {
      target.classList.add("is-target");
      target.scrollIntoView({ block: "center" });
    }
    this.pinned = this.distanceFromEnd() < NEAR_BOTTOM;
  }

  async loadNewer() {
    if (!this.hasNewer || this.loadingNewer) return;
    this.loadingNewer = true;
    const conversationId = this.conversationId;
    try {
      const query = new URLSearchParams({ limit: PAGE, after: this.newerCursor });
      const page = await api(`/api/conversations/${conversationId}/messages?${query}`, { signal: this.controller.signal });
      if (conversationId !== this.conversationId) return;
      this.newerCursor = page.newer_cursor || this.newerCursor;
      this.hasNewer = page.has_newer;
      this.add(page.messages);
    } finally {
      this.loadingNewer = false;
    }
  }

  /** Load older pages until the thread can scroll (or there is nothing older). */
  async fillViewport() {
    while (this.olderCursor && this.scroller.scrollHeight <= this.scroller.clientHeight) {
      if (!(await this.loadOlder())) break;
    }
  }

  async loadOlder() {
    if (!this.olderCursor || this.loadingOlder) return false;
    this.loadingOlder = true;
    const conversationId = this.conversationId;
    this.status.textContent = t("loadingOlder");
    try {
      const query = new URLSearchParams({ limit: PAGE, before: this.olderCursor });
      const page = await api(`/api/conversations/${conversationId}/messages?${query}`, { signal: this.controller.signal });
      if (conversationId !== this.conversationId) return false;
      const { scrollHeight, scrollTop } = this.scroller;
      this.olderCursor = page.older_cursor;
      this.add(page.messages);
      // Keep what the agent was reading where it was on the screen.
      this.scroller.scrollTop = this.scroller.scrollHeight - scrollHeight + scrollTop;
      this.status.textContent = this.olderCursor ? "" : t("startOfConversation");
      return true;
    } finally {
      this.loadingOlder = false;
    }
  }

  /** Everything newer than what we have: after a reconnect, nothing is missed. */
  async catchUp() {
    if (!this.conversationId || !this.newerCursor) return;
    const conversationId = this.conversationId;
    for (let rounds = 0; rounds < 20; rounds += 1) {
      const query = new URLSearchParams({ limit: PAGE, after: this.newerCursor });
      const page = await api(`/api/conversations/${conversationId}/messages?${query}`, { signal: this.controller.signal });
      if (conversationId !== this.conversationId) return;
      this.newerCursor = page.newer_cursor || this.newerCursor;
      this.add(page.messages);
      if (!page.has_newer) return;
    }
  }

  scrolled() {
    this.pinned = this.distanceFromEnd() < NEAR_BOTTOM;
    if (this.pinned) this.jump.hidden = true;
    if (this.scroller.scrollTop < NEAR_TOP) this.loadOlder().catch(() => {});
    if (this.hasNewer && this.distanceFromEnd() < NEAR_TOP) this.loadNewer().catch(() => {});
  }

  distanceFromEnd() {
    return this.scroller.scrollHeight - this.scroller.scrollTop - this.scroller.clientHeight;
  }

  keepPinned() {
    if (this.pinned) this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  scrollToEnd() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.pinned = true;
    this.jump.hidden = true;
  }

  /** A message from the API or a live event: added in time order, or updated where it is. */
  upsert(message) {
    if (message.conversation_id !== this.conversationId) return false;
    const isNew = !this.nodes.has(message.id);
    const wasPinned = this.pinned;
    this.add([message]);
    if (!isNew) {
      if (wasPinned) this.keepPinned();
      return true;
    }
    if (wasPinned) this.scrollToEnd();
    else if (message.direction !== "outgoing") this.jump.hidden = false;
    return true;
  }

  add(messages) {
    if (!messages.length) return;
    let appendOnly = true;
    for (const message of messages) {
      const known = this.messages.findIndex((item) => item.id === message.id);
      if (known >= 0 && this.messages[known].version > message.version) continue; // a late, older copy
      const node = this.draw(message);
      if (known >= 0) {
        this.messages[known] = message;
        this.nodes.get(message.id).replaceWith(node);
        this.nodes.set(message.id, node);
        continue;
      }
      const last = this.messages.at(-1);
      if (last && byTime(last, message) > 0) appendOnly = false;
      this.messages.push(message);
      this.nodes.set(message.id, node);
      if (appendOnly) this.appendNode(last, message, node);
    }
    if (!appendOnly) this.layout();
  }

  appendNode(previous, message, node) {
    if (this.needsSeparator(previous, message)) this.list.append(this.separator(message));
    this.list.append(node);
  }

  /** Rebuild the order (older pages, out-of-order arrivals) reusing every message's node. */
  layout() {
    this.messages.sort(byTime);
    const children = [];
    let previous = null;
    for (const message of this.messages) {
      if (this.needsSeparator(previous, message)) children.push(this.separator(message));
      children.push(this.nodes.get(message.id));
      previous = message;
    }
    this.list.replaceChildren(...children);
  }

  needsSeparator(previous, message) {
    const at = new Date(message.sent_at);
    if (!message.sent_at || Number.isNaN(at.getTime())) return false;
    const before = new Date(previous?.sent_at);
    return !previous?.sent_at || Number.isNaN(before.getTime()) || !sameDay(before, at);
  }

  separator(message) {
    return safely("day", () => el("li", { class: "day-separator", role: "separator" }, el("span", { textContent: dayLabel(new Date(message.sent_at)) })), "li");
  }

  draw(message) {
    const node = safely("message", () => renderMessage(message, { me: this.me, names: this.names, onRetry: this.onRetry }), "li");
    node.dataset.id = message.id;
    return node;
  }

  /** Names changed (profiles arrived): draw the messages again. */
  refresh() {
    for (const message of this.messages) {
      const node = this.draw(message);
      this.nodes.get(message.id).replaceWith(node);
      this.nodes.set(message.id, node);
    }
  }
}
