// Answering: the reply composer (LINE's 5,000-unit limit, Enter sends, what the send costs:
// a free reply in green, a paid push in amber, a refusal in red), photos and videos through a
// preview, and the private note form (stays in the inbox, never sent to LINE).
import { $, api, formatNumber, guarded, t } from "./core.js";
import { MediaPreview } from "./media_preview.js";

const HINT_EVERY = 5000; // ms between composer-state refreshes while a conversation is open
const TYPING_EVERY = 3000; // ms: at most one typing signal this often

export class Composer {
  /** `beforeSend(id)`: resolves to whether to go ahead (a colleague may be answering too). */
  constructor({ canSend, limit, onSent, onTyping, beforeSend = async () => true }) {
    this.canSend = canSend;
    this.limit = limit;
    this.onSent = onSent;
    this.onTyping = onTyping;
    this.beforeSend = beforeSend;
    this.conversationId = null;
    this.info = null;
    this.drafts = new Map();
    this.lastTyping = 0;
    this.form = $("composer");
    this.text = $("composer-text");
    this.mode = $("send-mode");
    this.sendButton = $("send");
    this.count = $("composer-count");
    this.hint = $("composer-hint");
    this.error = $("composer-error");
    this.replyOption = this.mode.querySelector('option[value="reply"]');
    this.replyLabel = this.replyOption.textContent;
    this.plan = { way: "none", text: "" };
    this.preview = new MediaPreview(this);
    this.wire();
    setInterval(() => this.tick(), 1000);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.refresh();
    });
  }

  wire() {
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.send();
    });
    this.text.addEventListener("keydown", (event) => {
      // Enter sends; Shift+Enter is a new line; Enter that confirms an IME word (Thai, Japanese) is neither.
      if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
      event.preventDefault();
      this.send();
    });
    this.text.addEventListener("input", () => {
      this.updateCount();
      this.fit();
      this.typing();
    });
    this.mode.addEventListener("change", () => this.showHint());
    this.file = $("composer-file");
    this.file.addEventListener("change", () => {
      const chosen = this.file.files[0];
      this.file.value = ""; // choosing the same file again opens the preview again
      if (chosen) this.preview.show(chosen);
    });
    $("note-form")?.addEventListener("submit", (event) => {
      event.preventDefault();
      this.addNote();
    });
  }

  /** Switch to another conversation, keeping each one's unsent draft. */
  open(conversationId) {
    if (this.conversationId) this.drafts.set(this.conversationId, this.text.value);
    this.conversationId = conversationId;
    this.text.value = this.drafts.get(conversationId) || "";
    // Push costs money: a choice made for one chat never carries over to the next.
    this.mode.value = "auto";
    if ($("note-text")) $("note-text").value = "";
    this.error.textContent = "";
    this.info = null;
    this.updateCount();
    this.fit();
    this.showHint();
    clearInterval(this.poll);
    this.refresh();
    this.poll = setInterval(() => this.refresh(), HINT_EVERY);
  }

  /** Keyboard focus to the reply box; false when there is nothing to type in. */
  focus() {
    if (!this.conversationId || this.text.disabled) return false;
    this.text.focus();
    return true;
  }

  /** The box grows with its text (from one line on a phone) up to its CSS max-height. */
  fit() {
    const borders = this.text.offsetHeight - this.text.clientHeight;
    this.text.style.height = "auto";
    this.text.style.height = `${this.text.scrollHeight + borders}px`;
  }

  async refresh() {
    const id = this.conversationId;
    if (!id || !this.canSend || document.visibilityState === "hidden") {
      this.showHint();
      return;
    }
    try {
      const info = await api(`/api/conversations/${id}/composer`);
      if (id !== this.conversationId) return;
      this.info = { ...info, fetchedAt: Date.now() };
    } catch {
      return; // keep the last hint; the next refresh tries again
    }
    this.showHint();
  }

  replySecondsLeft() {
    const left = this.info?.reply_seconds_left;
    if (!left) return 0;
    return Math.max(0, left - Math.floor((Date.now() - this.info.fetchedAt) / 1000));
  }

  tick() {
    if (this.info?.reply_seconds_left) this.showHint();
  }

  blockedReason() {
    if (!this.canSend) return t("supervisorsRead");
    // The server says why in the agent's language (blocked, bot left the group, …).
    if (this.info && !this.info.can_send) return this.info.reason || t("cannotSend");
    return null;
  }

  showHint() {
    guarded("composer hint", () => this.drawHint(), () => { this.hint.textContent = t("couldNotDisplay"); });
  }

  drawHint() {
    const reason = this.blockedReason();
    const disabled = Boolean(reason) || !this.conversationId;
    this.text.disabled = disabled;
    this.mode.disabled = disabled;
    this.file.disabled = disabled;
    this.form.classList.toggle("is-disabled", disabled);
    this.plan = reason ? { way: "none", text: reason } : this.sendPlan();
    this.updateCount();
    this.form.classList.toggle("is-push", this.plan.way === "push");
    this.hint.className = `composer-hint hint-${this.plan.way}`;
    this.hint.textContent = this.plan.text;
    this.preview.update();
  }

  /** How the next send goes, as the server sees it: `{way: reply|push|none|unknown, text}`. */
  sendPlan() {
    if (!this.info) return { way: "unknown", text: "" };
    const seconds = this.replySecondsLeft();
    this.replyOption.disabled = seconds <= 0;
    this.replyOption.textContent = seconds > 0 ? this.replyLabel : t("replyUnavailableOption");
    const mode = this.mode.value;
    if (mode !== "push" && seconds > 0) return { way: "reply", text: t("hintReply", { seconds }) };
    if (mode === "reply") return { way: "none", text: t("hintReplyUnavailable") };
    const refused = this.info.push?.refused;
    if (refused) return { way: "none", text: mode === "auto" ? t("pushRefusedAuto", { reason: refused }) : refused };
    return { way: "push", text: this.pushCost() };
  }

  /** What a push costs here: once per person it reaches, and what is left to spend. */
  pushCost() {
    const push = this.info.push || {};
    const quota = push.quota ?? this.info.quota;
    const known = quota && quota.remaining !== null && quota.remaining !== undefined;
    const parts = [];
    if (!push.chat || push.chat === "user") {
      if (quota?.type === "none") parts.push(t("pushUnlimited"));
      else parts.push(known ? t("pushUser", { count: quota.remaining }) : t("pushUserUnknown"));
    } else {
      parts.push(push.recipients ? t("pushGroup", { count: push.recipients }) : t("pushGroupUnknown"));
      if (quota?.type === "none") parts.push(t("noMonthlyLimit"));
      else parts.push(known ? t("quotaLeft", { count: quota.remaining }) : t("quotaUnknown"));
    }
    if (push.budget) parts.push(t("budgetLeft", { left: formatNumber(push.budget.remaining), limit: formatNumber(push.budget.limit) }));
    return parts.join(" · ");
  }

  /** Whether the send control can be used now (a text or a photo). */
  canSendNow() {
    return Boolean(this.conversationId) && !this.text.disabled && this.plan.way !== "none";
  }

  updateCount() {
    const length = this.text.value.length; // UTF-16 code units, as LINE counts
    const over = length > this.limit;
    const values = { count: formatNumber(length), limit: formatNumber(this.limit), over: formatNumber(length - this.limit) };
    this.count.textContent = over ? t("tooLong", values) : t("charCount", values);
    this.count.classList.toggle("over", over);
    this.count.classList.toggle("near", length > this.limit * 0.9);
    this.text.setAttribute("aria-invalid", String(over));
    this.sendButton.disabled = !this.canSendNow() || over || !this.text.value.trim();
  }

  typing() {
    const now = Date.now();
    if (!this.text.value.trim() || now - this.lastTyping < TYPING_EVERY) return;
    this.lastTyping = now;
    this.onTyping(this.conversationId);
  }

  async send() {
    const text = this.text.value;
    const id = this.conversationId;
    if (!id || this.sendButton.disabled || !text.trim() || text.length > this.limit) return;
    this.sendButton.disabled = true;
    if (!(await this.beforeSend(id))) {
      this.updateCount();
      return;
    }
    this.error.textContent = "";
    try {
      const answer = await api(`/api/conversations/${id}/messages`, { method: "POST", json: { text, mode: this.mode.value } });
      if (this.text.value === text) this.text.value = "";
      this.drafts.delete(id);
      this.fit();
      this.onSent(answer.messages);
    } catch (error) {
      this.error.textContent = error.message; // the draft stays, so nothing typed is lost
    } finally {
      this.updateCount();
      this.text.focus();
      this.refresh();
    }
  }

  /** An image or video the agent confirmed in the preview, with its optional caption. LINE
   * fetches it from the inbox's public link, so it goes as a file; throws with the server's
   * words when it is refused. False if the agent held it back (a colleague is answering). */
  async sendFile(file, caption) {
    const id = this.conversationId;
    if (!id || !(await this.beforeSend(id))) return false;
    const form = new FormData();
    form.append("file", file);
    form.append("mode", this.mode.value);
    if (caption.trim()) form.append("caption", caption);
    this.error.textContent = "";
    try {
      const answer = await api(`/api/conversations/${id}/attachments`, { method: "POST", form });
      this.onSent(answer.messages);
      return true;
    } finally {
      this.refresh();
    }
  }

  async addNote() {
    const box = $("note-text");
    const text = box.value.trim();
    const id = this.conversationId;
    if (!id || !text) return;
    $("note-error").textContent = "";
    try {
      const note = await api(`/api/conversations/${id}/notes`, { method: "POST", json: { text } });
      box.value = "";
      $("note-box").open = false;
      this.onSent([note]);
    } catch (error) {
      $("note-error").textContent = error.message;
    }
  }
}
