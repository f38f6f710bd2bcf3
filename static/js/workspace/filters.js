// The list's filter bar: channel, label, waiting time and assignee, beside the tabs and the
// search. The choices combine with them, go to the list API, and live in the address so a
// view can be bookmarked and reloads as it was.
import { $ } from "./core.js";

export const FILTER_NAMES = ["channel", "label", "waiting", "assignee"];

export class ListFilters {
  constructor({ boot, onChange }) {
    this.me = boot.me;
    this.onChange = onChange;
    this.values = { ...boot.filters };
    this.selects = Object.fromEntries(FILTER_NAMES.map((name) => [name, $(`filter-${name}`)]).filter(([, node]) => node));
    this.clear = $("filters-clear");
    for (const [name, select] of Object.entries(this.selects)) {
      select.value = this.values[name] || "";
      select.addEventListener("change", () => this.set(name, select.value));
    }
    this.clear.addEventListener("click", () => {
      for (const name of FILTER_NAMES) this.values[name] = "";
      for (const select of Object.values(this.selects)) select.value = "";
      this.changed();
      this.selects.channel?.focus() ?? this.selects.waiting.focus();
    });
    this.showClear();
  }

  set(name, value) {
    if (this.values[name] === value) return;
    this.values[name] = value;
    this.changed();
  }

  changed() {
    this.showClear();
    this.onChange();
  }

  showClear() {
    this.clear.hidden = !this.active();
  }

  /** Whether any filter narrows the list. */
  active() {
    return FILTER_NAMES.some((name) => this.values[name]);
  }

  /** A tab that picks an assignee itself (Mine, Unassigned) decides it: the menu shows so. */
  followView(viewParams) {
    const select = this.selects.assignee;
    if (!select) return;
    select.disabled = Boolean(viewParams.assignee);
    select.value = viewParams.assignee || this.values.assignee || "";
  }

  /** The chosen filters added to the list API's (or the address's) query parameters. */
  addTo(params, viewParams = {}) {
    for (const name of FILTER_NAMES) {
      const value = this.values[name];
      if (!value || (name === "assignee" && viewParams.assignee)) continue;
      params.set(name, value);
    }
    return params;
  }

  /** Whether a live conversation belongs in the filtered list, as the server would decide. */
  matches(conversation, viewParams = {}, now = Date.now()) {
    const { channel, label, waiting, assignee } = this.values;
    if (channel && String(conversation.channel?.id) !== channel) return false;
    if (label && !(conversation.labels || []).some((item) => String(item.id) === label)) return false;
    if (waiting) {
      const since = conversation.waiting_since ? Date.parse(conversation.waiting_since) : NaN;
      if (!(now - since >= Number(waiting) * 60_000)) return false;
    }
    if (assignee && !viewParams.assignee) {
      const id = conversation.assignee?.id;
      if (assignee === "me" && id !== this.me.id) return false;
      if (assignee === "none" && id) return false;
      if (/^\d+$/.test(assignee) && String(id) !== assignee) return false;
    }
    return true;
  }
}
