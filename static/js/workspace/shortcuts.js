// The workspace's keyboard shortcuts; "?" lists them (templates/workspace/_shortcuts.html).
// Letters act only while the agent is not typing; Escape leaves a text field so they work again.
import { $, t } from "./core.js";
import { openModal } from "./modal.js";

const TYPING = "input, textarea, select, [contenteditable]:not([contenteditable='false'])";
// The same physical keys on a Thai, Japanese (kana) or other non-Latin keyboard layout.
const BY_POSITION = { KeyJ: "j", KeyK: "k", KeyR: "r", KeyE: "e", KeyA: "a" };

export class KeyboardShortcuts {
  constructor({ list, layout, composer, actions, announce }) {
    this.layout = layout;
    this.list = list;
    this.dialog = $("shortcuts-dialog");
    const then = (message) => (done) => done && announce(message);
    this.actions = {
      j: () => list.step(1),
      k: () => list.step(-1),
      "/": () => layout.focusSearch(),
      r: () => composer?.focus(),
      e: () => actions.resolve().then(then(t("resolvedNow"))),
      a: () => actions.assignToMe().then(then(t("assignedToYou"))),
      "?": () => this.help(),
    };
    $("shortcuts-open").addEventListener("click", () => this.help());
    $("shortcuts-close").addEventListener("click", () => this.dialog.close());
    document.addEventListener("keydown", (event) => this.pressed(event));
    $("shortcuts-hint").hidden = false; // said only once the keys work
  }

  help() {
    openModal(this.dialog, $("shortcuts-close"));
  }

  key(event) {
    if (event.key in this.actions) return event.key;
    if (event.code === "Slash") return event.shiftKey ? "?" : "/";
    return BY_POSITION[event.code] ?? event.key.toLowerCase();
  }

  pressed(event) {
    if (event.defaultPrevented || event.isComposing || event.ctrlKey || event.metaKey || event.altKey) return;
    if (document.querySelector("dialog[open]")) return; // the dialog's own keys; Escape closes it
    const typing = event.target instanceof Element && event.target.closest(TYPING);
    if (event.key === "Escape") {
      if (this.layout.closeDrawer()) event.preventDefault();
      else if (typing) this.leaveField(event);
      return;
    }
    if (typing) return;
    const action = this.actions[this.key(event)];
    if (!action) return;
    event.preventDefault();
    action();
  }

  /** Escape in a text field: back to the list's row (or the thread, where the list is hidden). */
  leaveField(event) {
    event.preventDefault();
    event.target.blur();
    if (this.list.isShown()) this.list.focus();
    else this.layout.focusThread();
  }
}
