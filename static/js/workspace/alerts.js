// Telling an agent who is not looking at the inbox that a customer is waiting: a desktop
// notification, a short chime, and a count in the tab's title and icon until they come back.
// What counts (new conversations, messages in their conversations, mentions) and how they are
// told are their own settings, saved at /account.
import { $, t } from "./core.js";
import { conversationName } from "./list.js";
import { previewText } from "./messages.js";

const FIRST_LINE = 140; // characters of the message a notification shows
const NAME_GRACE = 3000; // ms a notification waits for a brand-new customer's profile (name)
const RECENT = 120_000; // ms: a message this young, heard for the first time, is news
const OFFER_DISMISSED = "inbox.notifications-offer-dismissed";

/** Hidden, minimised, or behind another window: the agent is not looking at the inbox. */
const away = () => document.visibilityState === "hidden" || !document.hasFocus();

const firstLine = (text) => {
  const line = (text || "").split("\n").map((part) => part.trim()).find(Boolean) || "";
  return line.length > FIRST_LINE ? `${line.slice(0, FIRST_LINE - 1)}…` : line;
};

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A note that names `person` with an @: "@Somchai", "@somchai@example.com" or "@somchai". */
function mentions(text, person) {
  const handles = [person.display_name, person.email, person.email?.split("@")[0]].filter(Boolean);
  return handles.some((handle) =>
    new RegExp(`(^|[^\\p{L}\\p{N}_])@${escapeRegExp(handle)}(?![\\p{L}\\p{N}_])`, "iu").test(text || ""));
}

export class Alerts {
  constructor({ me, settings, onOpen }) {
    this.me = me;
    this.settings = settings;
    this.onOpen = onOpen;
    this.heard = new Map(); // conversation id → its fresh messages, until its conversation event
    this.unnamed = new Map(); // conversation id → notifications waiting a moment for a name
    this.seen = new Set(); // message ids already considered
    this.missed = 0;
    this.baseTitle = document.title;
    this.badge = new FaviconBadge();
    this.chime = new Chime();
    const back = () => {
      if (!away()) this.setMissed(0);
    };
    document.addEventListener("visibilitychange", back);
    window.addEventListener("focus", back);
    this.offerNotifications();
  }

  /** Set the page's own title (a conversation's name, the inbox); the count stays in front. */
  setTitle(title) {
    this.baseTitle = title;
    this.showCount();
  }

  setMissed(count) {
    this.missed = count;
    this.showCount();
    this.badge.show(count);
  }

  showCount() {
    document.title = this.missed ? `(${this.missed > 99 ? "99+" : this.missed}) ${this.baseTitle}` : this.baseTitle;
  }

  /** A live `message` event: kept until its conversation's event says whose it is. */
  message(message) {
    // A later version may overtake the first on the way; news is recent either way.
    const recent = message.version === 1 || Date.now() - Date.parse(message.sent_at) < RECENT;
    if (this.seen.has(message.id) || !recent) return;
    this.seen.add(message.id);
    const interesting = message.direction === "incoming"
      || (message.type === "note" && message.sent_by?.id !== this.me.id)
      || handedToMe(message, this.me);
    if (!interesting) return;
    const waiting = this.heard.get(message.conversation_id) || [];
    this.heard.set(message.conversation_id, [...waiting, message]);
  }

  /** A live `conversation` event: the messages heard for it are weighed against the settings. */
  conversation(conversation) {
    const unnamed = this.unnamed.get(conversation.id);
    if (unnamed && conversation.name) unnamed.forEach((notify) => notify(conversation));
    const messages = this.heard.get(conversation.id);
    if (!messages) return;
    this.heard.delete(conversation.id);
    for (const message of messages) {
      if (this.reason(conversation, message)) this.alert(conversation, message);
    }
  }

  reason(conversation, message) {
    const { settings } = this;
    if (message.type === "note") {
      return settings.mentions && mentions(message.text, this.me) ? "mention" : null;
    }
    if (message.type === "assignment_changed") return settings.assigned_messages ? "assigned" : null;
    if (conversation.assignee?.id === this.me.id) return settings.assigned_messages ? "assigned" : null;
    // Unassigned, and this message started the customer's wait: someone should pick it up.
    const started = conversation.waiting_since && Date.parse(conversation.waiting_since) === Date.parse(message.sent_at);
    if (!conversation.assignee && started) return settings.new_conversations ? "new" : null;
    return null;
  }

  alert(conversation, message) {
    if (!away()) return;
    this.setMissed(this.missed + 1);
    if (this.settings.sound) this.chime.play();
    if (this.settings.desktop) this.notifyNamed(conversation, message);
  }

  /** A customer's first message usually comes before LINE's profile of them: the notification
   * waits a moment for their name rather than say "LINE user U1234…". */
  notifyNamed(conversation, message) {
    if (conversation.name) {
      this.notify(conversation, message);
      return;
    }
    const waiting = this.unnamed.get(conversation.id) || [];
    let done = false;
    const notify = (latest) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const left = (this.unnamed.get(conversation.id) || []).filter((item) => item !== notify);
      if (left.length) this.unnamed.set(conversation.id, left);
      else this.unnamed.delete(conversation.id);
      this.notify(latest, message);
    };
    const timer = setTimeout(() => notify(conversation), NAME_GRACE);
    this.unnamed.set(conversation.id, [...waiting, notify]);
  }

  notify(conversation, message) {
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    let body = firstLine(previewText(message, this.me));
    if (message.type === "note") {
      const author = message.sent_by?.display_name || message.sent_by?.email || t("anAgent");
      body = t("byPrefix", { name: t("noteBy", { name: author }), text: firstLine(message.text) });
    } else if (conversation.source?.type !== "user" && message.sender) {
      body = t("byPrefix", { name: message.sender.display_name || t("someone"), text: body });
    }
    const notification = new Notification(conversationName(conversation), {
      body,
      tag: `conversation-${conversation.id}`,
      renotify: true,
      lang: document.documentElement.lang,
    });
    notification.onclick = () => {
      window.focus();
      this.onOpen(conversation.id);
      notification.close();
    };
  }

  /** Desktop notifications are wanted but this browser was never asked: offer, on a click. */
  offerNotifications() {
    const offer = $("alerts-offer");
    if (!offer || !this.settings.desktop || !("Notification" in window)) return;
    if (Notification.permission !== "default" || localStorage.getItem(OFFER_DISMISSED)) return;
    offer.hidden = false;
    $("alerts-allow").addEventListener("click", async () => {
      await Notification.requestPermission();
      offer.hidden = true;
    });
    $("alerts-later").addEventListener("click", () => {
      localStorage.setItem(OFFER_DISMISSED, "1");
      offer.hidden = true;
    });
  }
}

/** A conversation given to me by a colleague or by automatic routing (not by myself). */
function handedToMe(message, me) {
  const { to, by } = message.payload || {};
  return message.type === "assignment_changed" && to?.id === me.id && by?.id !== me.id;
}

/** The tab's icon, drawn: the inbox's green bubble, with a red count while something waits. */
class FaviconBadge {
  constructor() {
    this.link = $("favicon");
    this.show(0);
  }

  show(count) {
    if (!this.link) return;
    const size = 64;
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = size;
    const pen = canvas.getContext("2d");
    if (!pen) return;
    pen.fillStyle = "#06c755";
    pen.beginPath();
    pen.roundRect(2, 6, 52, 44, 12);
    pen.fill();
    pen.beginPath();
    pen.moveTo(14, 46);
    pen.lineTo(10, 60);
    pen.lineTo(28, 48);
    pen.fill();
    pen.fillStyle = "#fff";
    pen.fillRect(13, 20, 30, 5);
    pen.fillRect(13, 31, 20, 5);
    if (count) {
      const label = count > 9 ? "9+" : String(count);
      pen.fillStyle = "#d93025";
      pen.beginPath();
      pen.arc(size - 20, 20, 19, 0, 2 * Math.PI);
      pen.fill();
      pen.fillStyle = "#fff";
      pen.font = `bold ${label.length > 1 ? 22 : 28}px system-ui, sans-serif`;
      pen.textAlign = "center";
      pen.textBaseline = "middle";
      pen.fillText(label, size - 20, 22);
    }
    this.link.href = canvas.toDataURL("image/png");
  }
}

/** Two short notes, synthesised (no sound file to fetch). Browsers let a page make sound only
 * after the person has used it, so the audio starts with their first click or key. */
class Chime {
  constructor() {
    this.audio = null;
    const unlock = () => {
      if (!window.AudioContext) return;
      this.audio ??= new AudioContext();
      if (this.audio.state === "suspended") this.audio.resume().catch(() => {});
    };
    window.addEventListener("pointerdown", unlock, { passive: true });
    window.addEventListener("keydown", unlock, { passive: true });
  }

  play() {
    const audio = this.audio;
    if (!audio || audio.state !== "running") return;
    const start = audio.currentTime;
    [880, 1318.5].forEach((frequency, index) => {
      const at = start + index * 0.16;
      const tone = audio.createOscillator();
      const volume = audio.createGain();
      tone.type = "sine";
      tone.frequency.value = frequency;
      volume.gain.setValueAtTime(0.0001, at);
      volume.gain.exponentialRampToValueAtTime(0.25, at + 0.02);
      volume.gain.exponentialRampToValueAtTime(0.0001, at + 0.3);
      tone.connect(volume).connect(audio.destination);
      tone.start(at);
      tone.stop(at + 0.32);
    });
  }
}
