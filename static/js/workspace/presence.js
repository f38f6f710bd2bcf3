// Colleagues in the workspace: who else has the open conversation on screen (their initials in
// the thread's header), who is typing a reply in it, and a check before sending over theirs.
// The page tells the server when its person steps away (no key, click or touch for a while) or
// is back, and sends a heartbeat so that it does not fade out of everyone's view.
import { $, el, guarded, locale, t } from "./core.js";
import { openModal } from "./modal.js";

const RECENT = 5000; // ms: a typing signal counts this long (the typist sends one every 3 s)
const INPUTS = ["keydown", "pointerdown", "pointermove", "wheel", "touchstart", "focus"];
const HUES = 8;

/** One or two letters for an avatar: the first of the first two words (or of an email's name). */
export function initials(name) {
  const words = String(name).split("@")[0].trim().split(/[\s._-]+/).filter(Boolean);
  const segmenter = new Intl.Segmenter(locale, { granularity: "grapheme" });
  const first = (word) => segmenter.segment(word)[Symbol.iterator]().next().value?.segment ?? "";
  return words.slice(0, 2).map(first).join("").toLocaleUpperCase(locale) || "?";
}

function listOf(names) {
  return new Intl.ListFormat(locale, { type: "conjunction" }).format(names);
}

export class Presence {
  constructor({ socket, me, awayAfterSeconds, heartbeatSeconds }) {
    this.socket = socket;
    this.me = me;
    this.awayAfter = awayAfterSeconds * 1000;
    this.status = "online";
    this.lastInput = Date.now();
    this.conversationId = null;
    this.viewers = [];
    this.typed = new Map(); // user id -> { name, at, sent }: colleagues' latest typing here
    this.list = $("thread-viewers");
    this.typingBox = $("typing");
    this.dialog = $("collision-dialog");
    $("collision-cancel").addEventListener("click", () => this.dialog.close("cancel"));
    for (const name of INPUTS) window.addEventListener(name, () => this.touched(), { passive: true, capture: true });
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.touched();
    });
    setInterval(() => this.checkIdle(), Math.min(10_000, Math.max(250, this.awayAfter / 4)));
    setInterval(() => this.heartbeat(), heartbeatSeconds * 1000);
    setInterval(() => this.drawTyping(), 1000);
  }

  touched() {
    this.lastInput = Date.now();
    if (this.status === "away") this.setStatus("online");
  }

  checkIdle() {
    if (this.status === "online" && Date.now() - this.lastInput >= this.awayAfter) this.setStatus("away");
  }

  setStatus(status) {
    this.status = status;
    this.heartbeat();
  }

  /** Also the first word after (re)connecting: the server starts everyone as online. */
  heartbeat() {
    if (!this.socket.connected) return;
    this.socket.emit("presence", { status: this.status }, (answer) => {
      const mine = answer?.conversations?.find((entry) => entry.conversation_id === this.conversationId);
      if (mine) this.showViewers(mine);
    });
  }

  /** A conversation is on screen (or none, with null): nobody is shown until the server says. */
  open(id) {
    if (id === this.conversationId) return;
    this.conversationId = id;
    this.typed.clear();
    this.showViewers({ conversation_id: id, viewers: [] });
    this.drawTyping();
  }

  /** The answer to open_conversation, or a `viewers` event: who has it open now. */
  showViewers({ conversation_id: id, viewers }) {
    if (id !== this.conversationId || !Array.isArray(viewers)) return;
    this.viewers = viewers.filter((viewer) => viewer.id !== this.me.id);
    guarded("viewers", () => this.drawViewers());
  }

  drawViewers() {
    this.list.replaceChildren(...this.viewers.map((viewer) => {
      const away = viewer.status === "away";
      const label = t(away ? "viewerAway" : "viewerHere", { name: viewer.name });
      return el("li", { class: away ? "viewer is-away" : "viewer", title: label, dataset: { userId: viewer.id } },
        el("span", { class: `avatar hue-${Math.abs(viewer.id) % HUES}`, "aria-hidden": "true", textContent: initials(viewer.name) }),
        el("span", { class: "visually-hidden", textContent: label }));
    }));
    this.list.hidden = !this.viewers.length;
  }

  /** A colleague typed in a conversation (the server sends it only to those with it open). */
  typing({ conversation_id: id, user }) {
    if (id !== this.conversationId || !user || user.id === this.me.id) return;
    this.typed.set(user.id, { name: user.name, at: Date.now(), sent: false });
    this.drawTyping();
  }

  /** A colleague's reply arrived: they are no longer typing it. */
  messageArrived(message) {
    const typist = this.typed.get(message.sent_by?.id);
    if (message.conversation_id === this.conversationId && typist) {
      typist.sent = true;
      this.drawTyping();
    }
  }

  recentTypists({ unsentOnly = false } = {}) {
    const now = Date.now();
    return [...this.typed.values()].filter((entry) => now - entry.at < RECENT && !(unsentOnly && entry.sent)).map((entry) => entry.name);
  }

  drawTyping() {
    const names = this.recentTypists({ unsentOnly: true });
    const text = names.length === 1 ? t("typing", { name: names[0] }) : t("typingSeveral", { names: listOf(names) });
    this.typingBox.hidden = !names.length;
    if (names.length && this.typingBox.textContent !== text) this.typingBox.textContent = text;
  }

  /** Before sending here: if a colleague typed in this conversation a moment ago, the agent
   * confirms first (two people answering one customer at once). Resolves to send or not. */
  confirmSend(id) {
    const names = id === this.conversationId ? this.recentTypists() : [];
    if (!names.length) return Promise.resolve(true);
    $("collision-text").textContent = names.length === 1 ? t("collisionOne", { name: names[0] }) : t("collisionSeveral", { names: listOf(names) });
    return new Promise((resolve) => {
      this.dialog.returnValue = "";
      this.dialog.addEventListener("close", () => resolve(this.dialog.returnValue === "send"), { once: true });
      openModal(this.dialog, $("collision-cancel"));
    });
  }
}
