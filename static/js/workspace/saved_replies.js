// Saved replies in the composer: "/" at the start of a word opens a list of the team's and the
// agent's own replies, filtered as they type ("/thx"); arrows move, Enter or a click inserts
// the reply in place of "/thx" for editing (never sends), Escape closes. The server fills the
// reply's {{variables}} in (GET /api/saved-replies/<id>/expand): it is the one place that
// knows the customer's and channel's names, and every client gets the same text.
//
// The reply box stays a plain multi-line textbox (HTML allows no combobox role on a textarea):
// it points at the list with aria-controls and aria-activedescendant, as the combobox pattern
// does, and a status line says how many replies match.
import { $, api, el, t } from "./core.js";
import { openModal } from "./modal.js";

const REFRESH_EVERY = 30_000; // ms: the list is fetched again when opened after this long
const MOST_SHOWN = 50; // options in the list; typing more of the shortcut narrows it

/** Text as shortcuts compare it (the server stores them so): NFKC, lower case. */
const fold = (text) => text.normalize("NFKC").toLowerCase();

/** The "/word" just before the caret, if the caret is in one: `{start, end, query}`. */
function slashWord(text, caret) {
  const before = text.slice(0, caret);
  const match = before.match(/(^|\s)\/(\S*)$/u);
  if (!match) return null;
  const start = caret - match[2].length - 1;
  return { start, end: caret, query: match[2] };
}

/** Best first: shortcuts that start with the query, then ones containing it, then titles. */
function ranked(replies, query) {
  const wanted = fold(query);
  const score = (reply) => {
    const shortcut = fold(reply.shortcut);
    if (shortcut.startsWith(wanted)) return 0;
    if (shortcut.includes(wanted)) return 1;
    if (fold(reply.title).includes(wanted)) return 2;
    return null;
  };
  return replies
    .filter((reply) => !reply.shadowed)
    .map((reply) => ({ reply, score: score(reply) }))
    .filter((item) => item.score !== null)
    .sort((a, b) => a.score - b.score || a.reply.shortcut.localeCompare(b.reply.shortcut))
    .map((item) => item.reply);
}

export class SavedReplies {
  constructor({ composer, onSaved = () => {} }) {
    this.composer = composer;
    this.onSaved = onSaved;
    this.text = composer.text;
    this.popup = $("saved-replies");
    this.listbox = $("saved-replies-list");
    this.status = $("saved-replies-status");
    this.note = $("saved-reply-note");
    this.replies = [];
    this.fetchedAt = 0;
    this.matches = [];
    this.active = -1;
    this.word = null;
    this.wire();
  }

  wire() {
    // Captured on the form, so it runs before the composer's own Enter-sends listener.
    this.composer.form.addEventListener("keydown", (event) => this.keydown(event), true);
    this.text.setAttribute("aria-autocomplete", "list");
    this.text.addEventListener("input", () => this.update());
    this.text.addEventListener("click", () => this.update());
    this.text.addEventListener("blur", () => this.close());
    // The text keeps focus while the mouse picks an option.
    this.listbox.addEventListener("mousedown", (event) => event.preventDefault());
    this.listbox.addEventListener("click", (event) => {
      const option = event.target.closest("[role=option]");
      if (option) this.pick(Number(option.dataset.index));
    });
    this.saveButton = $("save-reply-open");
    this.saveButton.addEventListener("click", () => this.openSaveDialog());
    this.text.addEventListener("input", () => this.updateSaveButton());
    this.dialog = $("save-reply-dialog");
    $("save-reply-cancel").addEventListener("click", () => this.dialog.close());
    $("save-reply-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.save();
    });
    this.updateSaveButton();
  }

  get isOpen() {
    return !this.popup.hidden;
  }

  async load(force = false) {
    if (!force && Date.now() - this.fetchedAt < REFRESH_EVERY) return;
    this.fetchedAt = Date.now();
    try {
      this.replies = (await api("/api/saved-replies")).saved_replies;
    } catch (error) {
      this.fetchedAt = 0; // try again on the next "/"
      this.status.textContent = error.message;
    }
  }

  /** After each keystroke or click: open, filter or close the list for the word at the caret. */
  async update() {
    this.note.textContent = "";
    const word = this.text.selectionStart === this.text.selectionEnd
      ? slashWord(this.text.value, this.text.selectionStart)
      : null;
    if (!word) {
      this.close();
      return;
    }
    this.word = word;
    if (!this.isOpen) await this.load();
    if (this.word !== word) return; // typed on meanwhile
    this.show(ranked(this.replies, word.query));
  }

  show(matches) {
    const previous = this.matches[this.active]?.id;
    this.matches = matches;
    const kept = matches.findIndex((reply) => reply.id === previous);
    this.active = matches.length ? Math.max(kept, 0) : -1;
    this.listbox.replaceChildren(
      ...matches.slice(0, MOST_SHOWN).map((reply, index) => el(
        "li",
        { id: `saved-reply-${reply.id}`, role: "option", class: "saved-reply-option", dataset: { index: String(index) } },
        el("span", { class: "saved-reply-shortcut", textContent: `/${reply.shortcut}` }),
        el("span", { class: "saved-reply-title", textContent: reply.title }),
        reply.scope === "personal" ? el("span", { class: "saved-reply-scope", textContent: t("savedReplyMine") }) : null,
        el("span", { class: "saved-reply-preview", textContent: reply.body }),
      )),
    );
    this.status.textContent = matches.length
      ? t("savedRepliesFound", { count: matches.length })
      : t("savedRepliesNone", { query: `/${this.word.query}` });
    this.popup.hidden = false;
    this.text.setAttribute("aria-controls", "saved-replies-list");
    this.highlight();
  }

  highlight() {
    for (const option of this.listbox.children) {
      const chosen = Number(option.dataset.index) === this.active;
      option.setAttribute("aria-selected", String(chosen));
      if (chosen) option.scrollIntoView({ block: "nearest" });
    }
    if (this.active >= 0) this.text.setAttribute("aria-activedescendant", `saved-reply-${this.matches[this.active].id}`);
    else this.text.removeAttribute("aria-activedescendant");
  }

  close() {
    if (!this.isOpen) return;
    this.popup.hidden = true;
    this.word = null;
    this.matches = [];
    this.active = -1;
    this.text.removeAttribute("aria-activedescendant");
    this.text.removeAttribute("aria-controls");
  }

  keydown(event) {
    if (event.target !== this.text || !this.isOpen || event.isComposing || event.keyCode === 229) return;
    const count = this.listbox.children.length;
    const moves = { ArrowDown: 1, ArrowUp: -1 };
    if (event.key in moves && count) {
      this.active = (this.active + moves[event.key] + count) % count;
      this.highlight();
    } else if (event.key === "Enter") {
      // While the list is open Enter never sends: "/thz" must not reach a customer by mistake.
      if (this.active >= 0) this.pick(this.active);
    } else if (event.key === "Escape") {
      this.close();
    } else {
      return;
    }
    event.preventDefault();
    event.stopPropagation();
  }

  /** Put the reply, filled in for this conversation, where "/thx" is; the agent edits it. */
  async pick(index) {
    const reply = this.matches[index];
    const word = this.word;
    if (!reply || !word) return;
    this.close();
    const conversation = this.composer.conversationId;
    let filled;
    try {
      filled = await api(`/api/saved-replies/${reply.id}/expand?conversation=${conversation}`);
    } catch (error) {
      this.note.textContent = error.message;
      return;
    }
    if (this.composer.conversationId !== conversation) return;
    const value = this.text.value;
    const typed = value.slice(word.start, word.end);
    // Typed on meanwhile: the reply goes at the caret, and "/thx" stays for the agent to remove.
    const [start, end] = typed.startsWith("/") && fold(typed) === fold(`/${word.query}`)
      ? [word.start, word.end]
      : [this.text.selectionStart, this.text.selectionEnd];
    this.text.setRangeText(filled.text, start, end, "end");
    this.selectFirstUnfilled(start, filled);
    this.text.dispatchEvent(new Event("input", { bubbles: true })); // the count, the send button
    this.text.focus();
    this.explain(filled);
  }

  /** The first {{variable}} left unfilled is selected, so typing replaces it. */
  selectFirstUnfilled(start, filled) {
    const left = [...filled.empty, ...filled.unknown];
    if (!left.length) return;
    const inserted = this.text.value.slice(start, start + filled.text.length);
    const found = inserted.search(/\{\{[^{}]*\}\}/u);
    if (found < 0) return;
    const length = inserted.slice(found).match(/^\{\{[^{}]*\}\}/u)[0].length;
    this.text.setSelectionRange(start + found, start + found + length);
  }

  explain(filled) {
    const names = (list) => list.map((name) => `{{${name}}}`).join(", ");
    const notes = [];
    if (filled.empty.length) notes.push(t("savedReplyEmpty", { names: names(filled.empty) }));
    if (filled.unknown.length) notes.push(t("savedReplyUnknown", { names: names(filled.unknown) }));
    this.note.textContent = notes.join(" ");
  }

  // Saving what was written as one's own reply -------------------------------------------------

  updateSaveButton() {
    this.saveButton.disabled = !this.text.value.trim();
  }

  openSaveDialog() {
    if (!this.text.value.trim()) return;
    $("save-reply-body").value = this.text.value;
    $("save-reply-title").value = "";
    $("save-reply-shortcut").value = "";
    $("save-reply-error").textContent = "";
    openModal(this.dialog, $("save-reply-title"));
  }

  async save() {
    const json = {
      title: $("save-reply-title").value,
      shortcut: $("save-reply-shortcut").value,
      body: $("save-reply-body").value,
      scope: "personal",
    };
    const submit = $("save-reply-submit");
    submit.disabled = true;
    $("save-reply-error").textContent = "";
    try {
      const saved = await api("/api/saved-replies", { method: "POST", json });
      this.dialog.close();
      this.note.textContent = t("savedReplySaved", { shortcut: `/${saved.shortcut}` });
      this.onSaved(saved);
      await this.load(true);
    } catch (error) {
      $("save-reply-error").textContent = error.message;
    } finally {
      submit.disabled = false;
    }
  }
}
