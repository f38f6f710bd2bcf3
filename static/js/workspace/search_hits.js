// A search hit in the list: the words of the message that matched, the matches marked.
// Built from text nodes and <mark> elements only: the customer's text is never parsed as HTML.
import { el } from "./core.js";

const LEAD = 24; // characters (UTF-16 units) shown before the first match

const isTrailSurrogate = (code) => code >= 0xdc00 && code <= 0xdfff;

/** The [start, end) ranges that fit the text, in order, not overlapping. */
function usableSpans(text, spans) {
  const usable = [];
  for (const [start, end] of spans || []) {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > text.length || start >= end) continue;
    if (usable.length && start < usable.at(-1)[1]) continue;
    usable.push([start, end]);
  }
  return usable;
}

/** The message's text from a little before its first match, the matches in <mark>. */
export function hitSnippet(match) {
  const text = match?.message?.text || "";
  const spans = usableSpans(text, match?.spans);
  let from = spans.length ? Math.max(0, spans[0][0] - LEAD) : 0;
  if (from > 0 && isTrailSurrogate(text.charCodeAt(from))) from -= 1; // keep a pair whole
  const parts = from > 0 ? ["…"] : [];
  let at = from;
  for (const [start, end] of spans) {
    if (start > at) parts.push(text.slice(at, start));
    parts.push(el("mark", { textContent: text.slice(start, end) }));
    at = end;
  }
  parts.push(text.slice(at));
  return el("span", { class: "conv-preview conv-hit" }, ...parts);
}
