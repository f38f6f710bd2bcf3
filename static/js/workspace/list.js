// The conversation list: filter tabs, search, channel choice, infinite scroll, live rows.
// It is a WAI-ARIA listbox of links: one row is the tab stop (roving tabindex), arrows, Home,
// End, j and k move between rows, Enter opens one (Space too, where rows cannot be selected for
// bulk actions; there Space and x select the row); the open one is aria-selected.
// A search looks through every status: the tabs step aside until it is cleared.
import { $, api, avatar, debounce, el, fullDateTime, locale, onTick, safely, t, timeElement } from "./core.js";
import { labelChip } from "./labels.js";
import { previewText } from "./messages.js";
import { hitSnippet } from "./search_hits.js";

const unit = (name) => new Intl.NumberFormat(locale, { style: "unit", unit: name, unitDisplay: "short" });
const minutes = unit("minute");
const hours = unit("hour");
const days = unit("day");

/** "7 min", "2 hr 5 min", "3 days": how long a customer has waited. */
export function waitedFor(ms) {
  const total = Math.floor(Math.max(0, ms) / 60_000);
  if (total < 1) return t("waitingUnderMinute");
  if (total < 60) return minutes.format(total);
  if (total < 48 * 60) {
    const rest = total % 60;
    return rest ? `${hours.format(Math.floor(total / 60))} ${minutes.format(rest)}` : hours.format(total / 60);
  }
  return days.format(Math.floor(total / (24 * 60)));
}

/** calm, amber or red, by the instants the server worked out from the channel's thresholds. */
export function waitingLevel(waiting, now = Date.now()) {
  if (now >= Date.parse(waiting.red_at)) return "red";
  if (now >= Date.parse(waiting.amber_at)) return "amber";
  return "calm";
}

function showWaiting(badge, waiting, now) {
  badge.className = `waiting waiting-${waitingLevel(waiting, now)}`;
  badge.textContent = t("waitingFor", { duration: waitedFor(now - Date.parse(waiting.since)) });
}

function waitingBadge(waiting) {
  const badge = el("span", { title: t("waitingSince", { time: fullDateTime(new Date(waiting.since)) }) });
  showWaiting(badge, waiting, Date.now());
  return badge;
}

const newestFirst = (a, b) => (b.last_activity_at || "").localeCompare(a.last_activity_at || "") || b.id - a.id;

/** What to call a conversation when LINE has not told us a name (yet). */
export function conversationName(conversation) {
  if (conversation.name) return conversation.name;
  const kind = { user: t("lineUser"), group: t("group"), room: t("room") }[conversation.source?.type] || t("lineUser");
  return `${kind} ${(conversation.source?.id || "").slice(0, 8)}…`;
}

export class ConversationList {
  constructor({ boot, filters, onOpen, onChange }) {
    this.me = boot.me;
    this.views = boot.views;
    this.view = boot.view;
    this.query = boot.query;
    this.filters = filters; // the filter bar (filters.js): channel, label, waiting, assignee
    this.multiChannel = boot.channels.length > 1;
    this.pageSize = boot.page_size;
    this.onOpen = onOpen;
    this.onChange = onChange;
    this.activeId = null;
    this.focusId = null; // the row that is the list's tab stop once someone has moved in it
    this.order = []; // row ids, top to bottom
    this.list = $("conversation-list");
    this.status = $("list-status");
    this.rows = new Map();
    this.selection = null; // set by the page where the viewer may act on several rows
    this.take(boot.list, true);
    this.showSearchScope();
    this.wire();
    onTick((now) => this.tickWaiting(now));
  }

  /** Waiting times grow and change colour with the page's clock, without redrawing rows. */
  tickWaiting(now) {
    for (const [id, row] of this.rows) {
      const badge = row.querySelector(".waiting");
      const waiting = this.items.get(id)?.waiting;
      if (badge && waiting) showWaiting(badge, waiting, now.getTime());
    }
  }

  wire() {
    for (const tab of document.querySelectorAll("[data-view]")) {
      tab.addEventListener("click", (event) => {
        event.preventDefault();
        this.setView(tab.dataset.view);
      });
    }
    const tabs = document.querySelector(".tabs");
    new ResizeObserver(() => this.fitTabs(tabs)).observe(tabs);
    document.fonts.ready.then(() => this.fitTabs(tabs));
    const search = $("search");
    const searchLater = debounce(() => this.setQuery(search.value.trim()), 300);
    search.addEventListener("input", searchLater);
    search.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && search.value) {
        event.preventDefault(); // handled: the page's Escape (leave the field) waits for the next one
        search.value = "";
        this.setQuery("");
      }
    });
    $("list-search").addEventListener("submit", (event) => {
      event.preventDefault();
      this.setQuery(search.value.trim());
    });
    new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) this.loadMore();
    }, { root: $("list-scroller"), rootMargin: "200px" }).observe($("list-more"));
    this.list.addEventListener("click", (event) => {
      const link = event.target.closest("a[data-conversation]");
      if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      this.onOpen(Number(link.dataset.conversation));
    });
    this.list.addEventListener("keydown", (event) => this.listKeys(event));
    this.list.addEventListener("focusin", () => {
      const id = this.focusedId();
      if (id) {
        this.focusId = id;
        this.markTabStop();
      }
    });
  }

  listKeys(event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const moves = {
      ArrowDown: () => this.step(1),
      ArrowUp: () => this.step(-1),
      Home: () => this.focusRow(this.order[0]),
      End: () => this.focusRow(this.order.at(-1)),
    };
    if (moves[event.key]) {
      event.preventDefault();
      moves[event.key]();
    } else if (this.selection && (event.key === " " || event.key === "x" || event.code === "KeyX") && this.focusedId()) {
      event.preventDefault();
      this.selection.toggle(this.focusedId());
    } else if (event.key === " " && this.focusedId()) {
      event.preventDefault(); // a link ignores Space; a listbox option is chosen with it
      this.onOpen(this.focusedId());
    }
  }

  /** The row with keyboard focus, if any. */
  focusedId() {
    const option = document.activeElement?.closest?.("#conversation-list [data-conversation]");
    return option ? Number(option.dataset.conversation) : null;
  }

  /** The one row Tab stops at: the last one focused, else the open one, else the first. */
  tabStopId() {
    for (const id of [this.focusId, this.activeId]) if (id && this.items.has(id)) return id;
    return this.order[0] ?? null;
  }

  markTabStop() {
    const stop = String(this.tabStopId());
    for (const option of this.list.querySelectorAll("[data-conversation]")) {
      option.tabIndex = option.dataset.conversation === stop ? 0 : -1;
    }
  }

  focusRow(id) {
    const option = id ? this.list.querySelector(`[data-conversation="${CSS.escape(String(id))}"]`) : null;
    if (!option) return false;
    this.focusId = id;
    this.markTabStop();
    option.focus();
    option.scrollIntoView({ block: "nearest" });
    return true;
  }

  /** Keyboard focus into the list, on its tab stop (the list itself when it has no rows). */
  focus() {
    if (!this.focusRow(this.tabStopId())) this.list.focus();
  }

  /** Whether the list is on screen (a phone shows either it or the thread). */
  isShown() {
    return this.list.getClientRects().length > 0;
  }

  /**
   * The next (`delta` 1) or previous (-1) row: focused where the list is on screen, opened
   * where it is not. Starts from the focused row, else the list's tab stop.
   */
  step(delta) {
    if (!this.order.length) return;
    const from = this.focusedId() ?? [this.focusId, this.activeId].find((id) => id && this.items.has(id));
    const at = this.order.indexOf(from);
    const last = this.order.length - 1;
    const next = at < 0 ? (delta > 0 ? 0 : last) : Math.max(0, Math.min(last, at + delta));
    const id = this.order[next];
    if (this.isShown()) this.focusRow(id);
    else if (id !== this.activeId) this.onOpen(id);
  }

  setView(view) {
    if (!(view in this.views) || (view === this.view && !this.query)) return;
    if (this.query) {
      // Choosing a tab ends the search that had set the tabs aside.
      $("search").value = "";
      this.query = "";
      this.showSearchScope();
    }
    this.view = view;
    for (const tab of document.querySelectorAll("[data-view]")) {
      if (tab.dataset.view === view) tab.setAttribute("aria-current", "page");
      else tab.removeAttribute("aria-current");
    }
    this.showCurrentTab();
    this.filters?.followView(this.views[view]);
    this.onChange();
    this.reload();
  }

  // The tabs stay on one line: tighter when their words are too long for the list (Indonesian
  // at a laptop's width), scrolling sideways with the current one in sight when even that is not
  // enough (a tablet).
  fitTabs(tabs) {
    tabs.classList.remove("tight");
    tabs.classList.toggle("tight", tabs.scrollWidth > tabs.clientWidth);
    this.showCurrentTab();
  }

  showCurrentTab() {
    document.querySelector("[data-view][aria-current]")?.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  setQuery(query) {
    if (query === this.query) return;
    this.query = query;
    this.showSearchScope();
    this.onChange();
    this.reload();
  }

  /** While searching, the results come from every status: the tabs say they do not apply. */
  showSearchScope() {
    const searching = Boolean(this.query);
    document.querySelector(".tabs")?.classList.toggle("searching", searching);
    const scope = $("search-scope");
    if (scope) scope.hidden = !searching;
  }

  params(cursor) {
    // A search looks through every status and assignee: a hit hidden by the tab is a dead end.
    const tab = this.query ? {} : this.views[this.view];
    const params = new URLSearchParams({ ...tab, limit: this.pageSize });
    if (this.query) params.set("q", this.query);
    this.filters?.addTo(params, this.views[this.view]);
    if (cursor) params.set("cursor", cursor);
    return params;
  }

  async reload() {
    this.controller?.abort();
    this.controller = new AbortController();
    this.status.textContent = t("loading");
    this.list.setAttribute("aria-busy", "true");
    try {
      const page = await api(`/api/conversations?${this.params()}`, { signal: this.controller.signal });
      this.take(page, true);
    } finally {
      this.list.removeAttribute("aria-busy");
    }
  }

  async loadMore() {
    if (!this.nextCursor || this.loadingMore) return;
    this.loadingMore = true;
    try {
      const page = await api(`/api/conversations?${this.params(this.nextCursor)}`);
      this.take(page, false);
    } finally {
      this.loadingMore = false;
    }
  }

  take(page, fresh) {
    if (fresh) this.items = new Map();
    for (const conversation of page.conversations) this.items.set(conversation.id, conversation);
    this.nextCursor = page.next_cursor;
    this.render();
  }

  /** Whether a conversation belongs in the current tab, search and channel. */
  matches(conversation) {
    const params = this.query ? {} : this.views[this.view];
    if (params.status && !params.status.split(",").includes(conversation.status)) return false;
    if (params.assignee === "me" && conversation.assignee?.id !== this.me.id) return false;
    if (params.assignee === "none" && conversation.assignee) return false;
    if (this.filters && !this.filters.matches(conversation, params)) return false;
    if (this.query && !this.items.has(conversation.id)) {
      // Words of its messages are the server's to match; a live row joins by its name only.
      const needle = this.query.toLocaleLowerCase();
      const haystack = `${conversation.name || ""} ${conversation.source?.id || ""}`.toLocaleLowerCase();
      if (!haystack.includes(needle)) return false;
    }
    return true;
  }

  /** A live `conversation` event: insert, update, move to its place, or drop from this tab. */
  upsert(conversation) {
    const known = this.items.has(conversation.id);
    const previous = this.items.get(conversation.id);
    // PATCH and leave answers carry no last_message: the row keeps the one it had.
    conversation = {
      ...conversation,
      last_message: conversation.last_message ?? previous?.last_message ?? null,
      match: conversation.match ?? previous?.match,
    };
    if (conversation.id === this.activeId) conversation.unread_count = 0;
    if (!this.matches(conversation)) {
      if (!known) return;
      this.items.delete(conversation.id);
    } else {
      const oldest = [...this.items.values()].sort(newestFirst).at(-1);
      // Older than the loaded pages: the next page will bring it in its place.
      if (!known && this.nextCursor && oldest && newestFirst(conversation, oldest) > 0) return;
      this.items.set(conversation.id, conversation);
    }
    this.render(conversation.id);
  }

  get(id) {
    return this.items.get(id);
  }

  setActive(id) {
    const previous = this.activeId;
    this.activeId = id;
    if (id) this.focusId = id; // Back, or Tab into the list, returns to the one opened last
    const current = this.items.get(id);
    if (current) this.items.set(id, { ...current, unread_count: 0 });
    for (const changed of [previous, id]) if (changed && this.items.has(changed)) this.render(changed);
  }

  /** Redraw rows (`changedId`: only that row is rebuilt; null: all), keeping keyboard focus. */
  render(changedId = null) {
    const focused = this.focusedId();
    const ordered = [...this.items.values()].sort(newestFirst);
    this.order = ordered.map((conversation) => conversation.id);
    if (changedId === null) this.rows = new Map();
    const nodes = ordered.map((conversation) => {
      let row = this.rows.get(conversation.id);
      if (!row || changedId === null || conversation.id === changedId) {
        row = safely("conversation", () => this.row(conversation), "li");
        this.rows.set(conversation.id, row);
      }
      return row;
    });
    for (const id of [...this.rows.keys()]) if (!this.items.has(id)) this.rows.delete(id);
    this.selection?.keepOnly(this.items);
    this.list.replaceChildren(...nodes);
    this.markTabStop();
    if (focused && document.activeElement === document.body) this.focusRow(focused);
    const empty = this.query ? t("noMatches", { query: this.query }) : this.filters?.active() ? t("noFilterMatches") : t("emptyView");
    this.status.textContent = ordered.length ? "" : empty;
    $("list-more").hidden = !this.nextCursor;
  }

  row(conversation) {
    const name = conversationName(conversation);
    const unread = conversation.unread_count || 0;
    const href = `/conversations/${conversation.id}${location.search}`;
    const kind = conversation.source?.type;
    const assignee = conversation.assignee
      ? conversation.assignee.id === this.me.id ? t("assignedToYou") : conversation.assignee.display_name || conversation.assignee.email
      : t("unassigned");
    const link = el("a", {
      href, class: "conv", role: "option", tabindex: "-1", dataset: { conversation: conversation.id },
      "aria-selected": String(conversation.id === this.activeId),
    },
      avatar(conversation.picture_url, name),
      el("span", { class: "conv-main" },
        el("span", { class: "conv-top" },
          el("span", { class: "conv-name", textContent: name }),
          kind !== "user" ? el("span", { class: "chip", textContent: kind === "group" ? t("group") : t("room") }) : null,
          timeElement(conversation.last_activity_at)),
        conversation.match?.message?.text
          ? hitSnippet(conversation.match)
          // A file's name, a place or a sticker matched: the message as the list words it.
          : el("span", { class: "conv-preview", textContent: previewText(conversation.match?.message ?? conversation.last_message, this.me) }),
        el("span", { class: "conv-meta" },
          conversation.waiting && conversation.status !== "resolved" ? waitingBadge(conversation.waiting) : null,
          el("span", { class: `status status-${conversation.status}`, textContent: t(`status_${conversation.status}`) }),
          el("span", { class: "conv-assignee", textContent: assignee }),
          this.multiChannel ? el("span", { class: "conv-channel", textContent: conversation.channel.name }) : null,
          ...(conversation.labels || []).map((label) => labelChip(label)),
          conversation.bot_is_member === false ? el("span", { class: "chip muted", textContent: t("accountLeft") }) : null)),
      unread ? el("span", { class: "unread", "aria-label": t("unreadCount", { count: unread }), textContent: unread > 99 ? "99+" : String(unread) }) : null,
    );
    if (!this.selection) return el("li", { role: "none" }, link);
    const selected = this.selection.has(conversation.id);
    return el("li", { role: "none", class: selected ? "selectable selected" : "selectable" },
      this.selection.checkbox(conversation, name), link);
  }
}
