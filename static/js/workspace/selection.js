// Choosing several conversations in the list and acting on them together: a checkbox per row,
// Shift+click for a range, Space or X on the focused row; the bar above the list resolves,
// reopens, assigns, labels or snoozes them all in one request (POST /api/conversations/bulk).
import { $, api, attempt, el, showProblem, t } from "./core.js";
import { presetTime } from "./snooze.js";

export class Selection {
  constructor({ list, me, onUpdated, announce }) {
    this.list = list;
    this.me = me;
    this.onUpdated = onUpdated;
    this.announce = announce;
    this.ids = new Set();
    this.anchor = null; // where a Shift+click range starts: the row toggled last
    this.bar = $("bulk-bar");
    this.assignee = $("bulk-assignee");
    this.agentsLoaded = false;
    $("bulk-resolve").addEventListener("click", () => this.run("resolve"));
    $("bulk-reopen").addEventListener("click", () => this.run("reopen"));
    $("bulk-assign-me").addEventListener("click", () => this.run("assign", { assignee_id: this.me.id }));
    $("bulk-clear").addEventListener("click", () => this.clear());
    this.assignee.addEventListener("focus", () => this.loadAgents());
    this.assignee.addEventListener("pointerdown", () => this.loadAgents());
    this.chosen("bulk-label", (value) => this.run("label", { label_id: Number(value) }));
    this.chosen("bulk-snooze", (value) => this.run("snooze", { until: presetTime(value).toISOString() }));
    this.assignee.addEventListener("change", () => {
      const value = this.assignee.value;
      this.assignee.value = "";
      if (value === "none") this.run("assign", { assignee_id: null });
      else if (value) this.run("assign", { assignee_id: Number(value) });
    });
  }

  has(id) {
    return this.ids.has(id);
  }

  /** The checkbox at the start of a row; Shift+click selects everything from the last one. */
  checkbox(conversation, name) {
    const box = el("input", {
      type: "checkbox", class: "conv-check", tabindex: "-1", checked: this.ids.has(conversation.id),
      "aria-label": t("selectConversation", { name }), dataset: { select: conversation.id },
    });
    box.addEventListener("click", (event) => {
      event.stopPropagation();
      if (event.shiftKey && this.anchor !== null) this.selectRange(this.anchor, conversation.id, box.checked);
      else this.set(conversation.id, box.checked);
      this.anchor = conversation.id;
    });
    return box;
  }

  toggle(id) {
    this.set(id, !this.ids.has(id));
    this.anchor = id;
  }

  set(id, selected) {
    if (selected) this.ids.add(id);
    else this.ids.delete(id);
    this.show();
  }

  selectRange(from, to, selected) {
    const order = this.list.order;
    let [start, end] = [order.indexOf(from), order.indexOf(to)];
    if (start < 0) start = end;
    if (start > end) [start, end] = [end, start];
    for (const id of order.slice(start, end + 1)) {
      if (selected) this.ids.add(id);
      else this.ids.delete(id);
    }
    this.show();
  }

  clear() {
    this.ids.clear();
    this.anchor = null;
    this.show();
  }

  /** Forget rows that left the list (another tab, a new search, resolved out of this tab). */
  keepOnly(ids) {
    const before = this.ids.size;
    for (const id of [...this.ids]) if (!ids.has(id)) this.ids.delete(id);
    if (this.anchor !== null && !ids.has(this.anchor)) this.anchor = null;
    if (this.ids.size !== before) this.show();
  }

  /** The bar shows while something is chosen; the rows' checkboxes follow the set. */
  show() {
    this.bar.hidden = this.ids.size === 0;
    $("bulk-count").textContent = t("selectedCount", { count: this.ids.size });
    for (const box of this.list.list.querySelectorAll("input[data-select]")) {
      const selected = this.ids.has(Number(box.dataset.select));
      box.checked = selected;
      box.closest("li")?.classList.toggle("selected", selected);
    }
  }

  /** A menu of the bar that acts when something is chosen, then shows its prompt again. */
  chosen(id, act) {
    const menu = $(id);
    menu.addEventListener("change", () => {
      const value = menu.value;
      menu.value = "";
      if (value) act(value);
    });
  }

  async loadAgents() {
    if (this.agentsLoaded) return;
    this.agentsLoaded = true;
    const answer = await attempt(() => api("/api/agents"));
    if (!answer) {
      this.agentsLoaded = false;
      return;
    }
    const people = answer.agents.map((agent) => el("option", { value: String(agent.id), textContent: agent.display_name || agent.email }));
    this.assignee.append(...people);
  }

  async run(action, options = {}) {
    const ids = this.list.order.filter((id) => this.ids.has(id));
    if (!ids.length) return;
    this.bar.setAttribute("aria-busy", "true");
    for (const button of this.bar.querySelectorAll("button, select")) button.disabled = true;
    try {
      const answer = await attempt(() => api("/api/conversations/bulk", { method: "POST", json: { ids, action, ...options } }));
      if (answer) this.report(action, options, answer);
    } finally {
      this.bar.removeAttribute("aria-busy");
      for (const button of this.bar.querySelectorAll("button, select")) button.disabled = false;
    }
  }

  report(action, options, answer) {
    const failed = answer.results.filter((result) => !result.ok);
    for (const result of answer.results) if (result.ok) this.onUpdated(result.conversation);
    this.clear();
    const done = action === "assign" && options.assignee_id === null ? "bulkUnassigned" : `bulk_${action}`;
    const said = t(done, { count: answer.changed });
    this.announce(said);
    const note = $("bulk-done");
    note.textContent = said;
    note.hidden = false;
    clearTimeout(this.noteTimer);
    this.noteTimer = setTimeout(() => { note.hidden = true; }, 6000);
    if (failed.length) {
      const reasons = [...new Set(failed.map((result) => result.message).filter(Boolean))].join(" ");
      showProblem(t("bulkNotChanged", { count: failed.length, reasons }));
    }
  }
}
