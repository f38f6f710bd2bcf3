// Shared helpers of the agent workspace: DOM building, translations, formatting, the API.
// User and LINE text only ever enters the page through textContent and DOM APIs.

const catalog = JSON.parse(document.getElementById("workspace-strings").textContent);
const csrf = document.querySelector('meta[name="csrf-token"]').content;

function pageLocale() {
  const lang = document.documentElement.lang || "en";
  try {
    return Intl.getCanonicalLocales(lang)[0];
  } catch {
    return "en";
  }
}

export const locale = pageLocale();
const plurals = new Intl.PluralRules(locale);

/** A translated string; `{name}` placeholders are filled from `values`. */
export function t(key, values = {}) {
  let text = catalog[key];
  if (text && typeof text === "object") {
    const count = Number(values.count ?? 0);
    text = text[plurals.select(count)] ?? text.other;
    values = { ...values, count: formatNumber(count) };
  }
  if (text === undefined) {
    console.warn(`workspace: no string "${key}"`);
    return key;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

/** `el("a", {href, class, textContent}, child...)`: attributes, properties, children. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key in node && !key.includes("-")) node[key] = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

export const $ = (id) => document.getElementById(id);

/**
 * One part of the page (a message, the profile, a list row, the composer's hint), drawn on its
 * own: if drawing it throws, the error is logged and a small "could not display this" takes
 * its place, so one odd row from LINE can never blank the rest of the workspace.
 */
export function safely(part, draw, tag = "div") {
  try {
    return draw();
  } catch (error) {
    console.error(`workspace: could not display ${part}`, error);
    return el(tag, { class: "render-failed", role: "note", dataset: { part }, textContent: t("couldNotDisplay") });
  }
}

/** Run a step of the page's wiring (showing a header, naming people) without letting its
 * failure, at once or later, stop the steps after it. */
export function guarded(part, step, onFailure = () => {}) {
  const failed = (error) => {
    console.error(`workspace: could not display ${part}`, error);
    onFailure();
  };
  try {
    const result = step();
    if (result instanceof Promise) result.catch(failed);
  } catch (error) {
    failed(error);
  }
}

// Formatting ---------------------------------------------------------------------------------

const numberFormat = new Intl.NumberFormat(locale);
export const formatNumber = (value) => numberFormat.format(value);

/** A zone Intl knows, or undefined (the browser's own). */
function knownZone(name) {
  if (!name) return undefined;
  try {
    new Intl.DateTimeFormat("en", { timeZone: name });
    return name;
  } catch {
    return undefined;
  }
}

/** Every time on the page is shown in the zone saved at /account, else the browser's. */
export const timeZone = knownZone(document.documentElement.dataset.timeZone);
const zoned = (options, language = locale) => new Intl.DateTimeFormat(language, { ...options, timeZone });

const timeOnly = zoned({ hour: "numeric", minute: "2-digit" });
const dayMonth = zoned({ month: "short", day: "numeric" });
const fullDate = zoned({ dateStyle: "medium" });
const dateTime = zoned({ dateStyle: "full", timeStyle: "medium" });
const dayKey = zoned({ year: "numeric", month: "2-digit", day: "2-digit" }, "en-CA"); // 2026-11-24
const relative = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });

export const sameDay = (a, b) => dayKey.format(a) === dayKey.format(b);
const sameYear = (a, b) => dayKey.format(a).slice(0, 4) === dayKey.format(b).slice(0, 4);

/** What a `<time>` says: "now", "14:05" today, "3 Mar" this year, else the date. */
function timeLabel(when, style, now = new Date()) {
  if (style === "clock") return timeOnly.format(when);
  if (now - when < 60_000 && now - when > -60_000) return t("justNow");
  if (sameDay(when, now)) return timeOnly.format(when);
  if (sameYear(when, now)) return dayMonth.format(when);
  return fullDate.format(when);
}

/** A `<time>` in the viewer's zone; unless it is a clock time, it follows the page's tick. */
export function timeElement(iso, style = "short") {
  const when = new Date(iso);
  if (!iso || Number.isNaN(when.getTime())) return el("time");
  return el("time", {
    dateTime: iso,
    title: dateTime.format(when),
    textContent: timeLabel(when, style),
    dataset: style === "clock" ? undefined : { relative: style },
  });
}

/** The exact moment, in words, for titles and tooltips. */
export const fullDateTime = (date) => dateTime.format(date);

const capitalise = (text) => text.charAt(0).toLocaleUpperCase(locale) + text.slice(1);

/** "Today", "Yesterday" or the date, for the thread's day separators. */
export function dayLabel(date) {
  const days = Math.round((Date.parse(dayKey.format(date)) - Date.parse(dayKey.format(new Date()))) / 86_400_000);
  if (days === 0 || days === -1) return capitalise(relative.format(days, "day"));
  return fullDate.format(date);
}

// The page's one clock: relative times and waiting times move on with it ---------------------

const TICK = 30_000;
const tickers = new Set();

function tick() {
  const now = new Date();
  for (const node of document.querySelectorAll("time[data-relative]")) {
    const label = timeLabel(new Date(node.dateTime), node.dataset.relative, now);
    if (node.textContent !== label) node.textContent = label;
  }
  for (const ticker of tickers) {
    try {
      ticker(now);
    } catch (error) {
      console.error("workspace: a ticking part failed", error);
    }
  }
}

/** Call `ticker(now)` on every tick of the page's clock. */
export const onTick = (ticker) => tickers.add(ticker);

setInterval(tick, TICK);
// A hidden tab's timers are slowed down: catch up as soon as it is looked at again.
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") tick();
});

export function formatBytes(bytes) {
  if (bytes === null || bytes === undefined) return "";
  const units = ["byte", "kilobyte", "megabyte", "gigabyte"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return new Intl.NumberFormat(locale, {
    style: "unit", unit: units[unit], unitDisplay: "short", maximumFractionDigits: unit ? 1 : 0,
  }).format(value);
}

export function formatDuration(ms) {
  if (!ms && ms !== 0) return "";
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

export function languageName(code) {
  if (!code) return "";
  try {
    return new Intl.DisplayNames([locale], { type: "language" }).of(code) || code;
  } catch {
    return code;
  }
}

/** Only our own media paths are loaded; LINE's or anyone else's addresses never are. */
export const isOwnUrl = (url) => typeof url === "string" && url.startsWith("/") && !url.startsWith("//");

/** A round picture, or the name's first letter when there is no picture of our own. */
export function avatar(url, name, size = "") {
  const classes = `avatar ${size}`.trim();
  if (isOwnUrl(url)) return el("img", { class: classes, src: url, alt: "", loading: "lazy" });
  const initial = Array.from((name || "?").trim())[0] || "?";
  return el("span", { class: `${classes} initial`, "aria-hidden": "true", textContent: initial.toLocaleUpperCase(locale) });
}

// Talking to the server -----------------------------------------------------------------------

export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/** JSON over fetch with the session cookie and the CSRF header; errors carry the server's words. */
export async function api(path, { method = "GET", json, form, signal } = {}) {
  const options = { method, signal, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (method !== "GET") options.headers["X-CSRFToken"] = csrf;
  if (json !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(json);
  }
  if (form !== undefined) options.body = form; // multipart: the browser sets the boundary
  let response;
  try {
    response = await fetch(path, options);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, t("offline"), null);
  }
  const body = await response.json().catch(() => null);
  if (response.status === 401) {
    window.location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
  }
  if (!response.ok) {
    throw new ApiError(response.status, body?.message || t("httpError", { status: response.status }), body);
  }
  return body;
}

/** One line in the page's alert area; empty text hides it. */
export function showProblem(message) {
  const box = $("problem");
  box.replaceChildren();
  box.hidden = !message;
  if (!message) return;
  box.append(
    el("span", { textContent: message }),
    el("button", { type: "button", class: "link", textContent: t("dismiss"), onclick: () => showProblem("") }),
  );
}

/** Run an action; a failure shows the server's message instead of vanishing. */
export async function attempt(action) {
  try {
    return await action();
  } catch (error) {
    if (error.name !== "AbortError") showProblem(error.message);
    return undefined;
  }
}

export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
