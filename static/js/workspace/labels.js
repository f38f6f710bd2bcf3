// Labels: the chips that show them (list rows, the thread's header) and the header's menu of
// checkboxes that puts them on the open conversation and takes them off.
import { $, api, attempt, el } from "./core.js";

/** A label as a coloured chip; the palette's classes keep its text readable. */
export function labelChip(label, tag = "span") {
  return el(tag, { class: `label-chip label-${label.colour}`, title: label.name, textContent: label.name });
}

export class LabelMenu {
  constructor({ labels, canAct, onUpdated }) {
    this.labels = labels;
    this.canAct = canAct;
    this.onUpdated = onUpdated;
    this.conversation = null;
    this.toggle = $("labels-toggle");
    this.popover = $("labels-popover");
    this.choices = $("labels-choices");
    this.toggle.hidden = !canAct; // supervisors see the labels; agents change them
    this.toggle.addEventListener("click", () => (this.popover.hidden ? this.open() : this.close(true)));
    // On the document: a checkbox redrawn by a live update may have taken focus with it.
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !this.popover.hidden) {
        event.preventDefault();
        event.stopPropagation();
        this.close(true);
      }
    });
    document.addEventListener("pointerdown", (event) => {
      if (!this.popover.hidden && !event.target.closest(".label-menu")) this.close(false);
    });
    this.popover.addEventListener("focusout", (event) => {
      if (!this.popover.hidden && event.relatedTarget && !event.relatedTarget.closest(".label-menu")) this.close(false);
    });
  }

  /** Show a conversation's labels in the header (and in the menu, when it is open). */
  show(conversation) {
    const changed = this.conversation?.id !== conversation.id;
    this.conversation = conversation;
    const current = conversation.labels || [];
    $("thread-labels").replaceChildren(...current.map((label) => labelChip(label, "li")));
    if (changed) this.close(false);
    else if (!this.popover.hidden) this.fill();
  }

  async open() {
    if (!this.conversation) return;
    this.popover.hidden = false;
    this.toggle.setAttribute("aria-expanded", "true");
    this.fill();
    this.choices.querySelector("input")?.focus();
    // Labels an admin added or renamed since the page loaded.
    const fresh = await attempt(() => api("/api/labels"));
    if (fresh && !this.popover.hidden) {
      this.labels = fresh.labels;
      this.fill();
    }
  }

  close(returnFocus) {
    if (this.popover.hidden) return;
    this.popover.hidden = true;
    this.toggle.setAttribute("aria-expanded", "false");
    if (returnFocus) this.toggle.focus();
  }

  /** The checkboxes, as the conversation has them; keyboard focus stays on the one it was on. */
  fill() {
    const focused = this.choices.contains(document.activeElement) ? document.activeElement.dataset.label : null;
    const on = new Set((this.conversation.labels || []).map((label) => label.id));
    $("labels-none").hidden = this.labels.length > 0;
    this.choices.replaceChildren(...this.labels.map((label) => {
      const box = el("input", { type: "checkbox", id: `label-choice-${label.id}`, checked: on.has(label.id), dataset: { label: label.id } });
      box.addEventListener("change", () => this.change(label, box));
      return el("li", {}, el("label", { for: box.id }, box, labelChip(label)));
    }));
    if (focused) this.choices.querySelector(`[data-label="${CSS.escape(focused)}"]`)?.focus();
  }

  async change(label, box) {
    const id = this.conversation.id;
    // Not disabled meanwhile: a disabled checkbox drops keyboard focus.
    box.setAttribute("aria-busy", "true");
    const updated = await attempt(() => (box.checked
      ? api(`/api/conversations/${id}/labels`, { method: "POST", json: { label_id: label.id } })
      : api(`/api/conversations/${id}/labels/${label.id}`, { method: "DELETE" })));
    box.removeAttribute("aria-busy");
    if (!updated) {
      box.checked = !box.checked;
      return;
    }
    if (this.conversation?.id === id) this.onUpdated(updated);
  }
}
