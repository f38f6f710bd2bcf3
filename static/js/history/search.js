// History search: the address bar holds the search (so it can be shared and reloaded); the
// results are the matching messages, newest first, each between its neighbours, hits marked.
// Without words or message filters, the page lists every conversation instead.
import { $, api, avatar, el, t, timeElement } from "../workspace/core.js";
import { previewText, renderMessage } from "../workspace/messages.js";

const boot = JSON.parse($("history-boot").textContent);
const me = boot.me;
const PAGE = 20;
const MESSAGE_FILTERS = ["q", "direction", "type", "agent", "conversation", "from", "to"];
const results = $("history-results");
const more = $("history-more");
const summary = $("history-summary");
const problem = $("history-error");
let nextCursor = null;
let shown = 0;

/** Local midnight of a yyyy-mm-dd day in the viewer's own time zone, `plus` days later. */
function dayStart(day, plus = 0) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return null;
  const [year, month, date] = day.split("-").map(Number);
  return new Date(year, month - 1, date + plus);
}

/** The API's parameters for what the address asks. */
function searchParams(address) {
  const params = new URLSearchParams();
  for (const name of ["q", "channel", "status", "direction", "type", "agent", "conversation"]) {
    const value = address.get(name)?.trim();
    if (value) params.set(name, value);
  }
  const since = dayStart(address.get("from") || "");
  const until = dayStart(address.get("to") || "", 1);
  if (since) params.set("since", since.toISOString());
  if (until) params.set("until", until.toISOString());
  return params;
}

function transcriptLink(conversationId, messageId) {
  const query = messageId ? `?at=${messageId}` : "";
  return `/history/conversations/${conversationId}${query}`;
}

function conversationLabel(conversation) {
  const kinds = { user: t("chatUser"), group: t("group"), room: t("room") };
  return [kinds[conversation.source.type], conversation.channel.name, t(`status_${conversation.status}`)].filter(Boolean).join(" · ");
}

function hitItem(result) {
  const { message, conversation, context, highlights } = result;
  const names = new Map();
  const render = (item, hits) => renderMessage(item, { me, names, hits, onRetry: () => {} });
  const thread = el("ol", { class: "thread hit-thread" });
  if (context.before) thread.append(render(context.before));
  const hit = render(message, highlights);
  hit.classList.add("is-hit");
  thread.append(hit);
  if (context.after) thread.append(render(context.after));
  for (const neighbour of thread.querySelectorAll("li:not(.is-hit)")) neighbour.classList.add("is-context");
  return el("li", { class: "hit-card" },
    el("div", { class: "hit-head" },
      avatar(conversation.picture_url, conversation.name, "small"),
      el("a", { class: "hit-name", href: transcriptLink(conversation.id, message.id), textContent: conversation.name || conversation.source.id }),
      el("span", { class: "hit-meta", textContent: conversationLabel(conversation) }),
      timeElement(message.sent_at)),
    thread,
    el("a", { class: "hit-open", href: transcriptLink(conversation.id, message.id), textContent: t("openTranscriptHere") }));
}

function conversationItem(conversation) {
  return el("li", { class: "hit-card conversation-card" },
    el("div", { class: "hit-head" },
      avatar(conversation.picture_url, conversation.name, "small"),
      el("a", { class: "hit-name", href: transcriptLink(conversation.id), textContent: conversation.name || conversation.source.id }),
      el("span", { class: "hit-meta", textContent: conversationLabel(conversation) }),
      timeElement(conversation.last_activity_at)),
    el("p", { class: "preview", textContent: previewText(conversation.last_message, me) }));
}

function exportLinks(params) {
  $("history-exports").hidden = false;
  for (const format of ["csv", "json"]) {
    const query = new URLSearchParams(params);
    query.set("format", format);
    $(`export-${format}`).href = `/api/history/export?${query}`;
  }
}

async function load(first) {
  const address = new URLSearchParams(location.search);
  const params = searchParams(address);
  const searching = MESSAGE_FILTERS.some((name) => address.get(name)?.trim());
  params.set("limit", PAGE);
  if (!first && nextCursor) params.set("cursor", nextCursor);
  problem.textContent = "";
  more.hidden = true;
  summary.textContent = t(first ? "searching" : "loadingMore");
  try {
    if (searching) {
      const page = await api(`/api/history/search?${params}`);
      results.append(...page.results.map(hitItem));
      shown += page.results.length;
      nextCursor = page.next_cursor;
      params.delete("limit");
      params.delete("cursor");
      exportLinks(params);
      summary.textContent = shown ? t("messagesFound", { count: shown }) + (nextCursor ? "+" : "") : t("nothingFound");
    } else {
      const page = await api(`/api/conversations?${params}`);
      results.append(...page.conversations.map(conversationItem));
      shown += page.conversations.length;
      nextCursor = page.next_cursor;
      summary.textContent = shown ? t("conversationsListed", { count: shown }) + (nextCursor ? "+" : "") : t("emptyView");
    }
  } catch (error) {
    summary.textContent = "";
    problem.textContent = error.message;
  }
  more.hidden = !nextCursor;
}

more.addEventListener("click", () => load(false));
load(true);
