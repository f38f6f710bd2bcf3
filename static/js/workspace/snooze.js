// Snooze from the thread's header: presets (an hour, tomorrow 9:00, next Monday 9:00, in the
// viewer's saved zone) or a chosen date and time; while snoozed, the time and "Unsnooze".
import { $, api, attempt, fullDateTime, t, timeZone } from "./core.js";

const HOUR = 3_600_000;

/** The parts of `date` as the viewer's zone reads them (numbers). */
function zonedParts(date) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
    hour: "numeric", minute: "numeric", weekday: "short",
  }).formatToParts(date);
  const value = Object.fromEntries(parts.map((part) => [part.type, part.value]));
  return { ...value, year: +value.year, month: +value.month, day: +value.day, hour: +value.hour, minute: +value.minute };
}

/** The instant when the viewer's zone shows this calendar date and time (DST-safe). */
export function zonedInstant(year, month, day, hour, minute = 0) {
  const wanted = Date.UTC(year, month - 1, day, hour, minute);
  let guess = wanted;
  for (let pass = 0; pass < 2; pass += 1) {
    const shown = zonedParts(new Date(guess));
    guess += wanted - Date.UTC(shown.year, shown.month - 1, shown.day, shown.hour, shown.minute);
  }
  return new Date(guess);
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

export function presetTime(preset, now = new Date()) {
  if (preset === "hour") return new Date(now.getTime() + HOUR);
  const today = zonedParts(now);
  const ahead = preset === "tomorrow" ? 1 : 7 - ((WEEKDAYS.indexOf(today.weekday) + 6) % 7);
  const day = new Date(Date.UTC(today.year, today.month - 1, today.day + ahead));
  return zonedInstant(day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), 9);
}

export class SnoozeControl {
  constructor({ canAct, onUpdated }) {
    this.onUpdated = onUpdated;
    this.conversation = null;
    this.toggle = $("snooze-toggle");
    this.menu = $("snooze-menu");
    this.state = $("snooze-state");
    this.custom = $("snooze-custom");
    this.toggle.hidden = !canAct;
    this.toggle.addEventListener("click", () => this.open(this.menu.hidden));
    for (const button of this.menu.querySelectorAll("[data-preset]")) {
      button.addEventListener("click", () => this.snooze(presetTime(button.dataset.preset)));
    }
    $("snooze-custom-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const [date, time] = this.custom.value.split("T");
      if (!date || !time) return;
      const [year, month, day] = date.split("-").map(Number);
      const [hour, minute] = time.split(":").map(Number);
      this.snooze(zonedInstant(year, month, day, hour, minute));
    });
    $("unsnooze").addEventListener("click", () => this.send("DELETE"));
    $("unsnooze").hidden = !canAct;
    this.menu.addEventListener("keydown", (event) => {
      if (event.key === "Escape") { this.open(false); this.toggle.focus(); }
    });
  }

  open(wanted) {
    this.menu.hidden = !wanted;
    this.toggle.setAttribute("aria-expanded", String(wanted));
    if (wanted) this.menu.querySelector("button")?.focus();
  }

  show(conversation) {
    if (this.conversation?.id !== conversation.id) this.open(false); // not on a refresh of this one
    this.conversation = conversation;
    const until = conversation.snoozed_until ? new Date(conversation.snoozed_until) : null;
    this.state.hidden = !until;
    this.toggle.disabled = conversation.status === "resolved";
    if (until) $("snooze-until").textContent = t("snoozedUntil", { time: fullDateTime(until) });
  }

  async snooze(until) {
    if (Number.isNaN(until.getTime())) return;
    await this.send("PUT", { until: until.toISOString() });
  }

  async send(method, json) {
    const conversation = this.conversation;
    if (!conversation) return;
    const updated = await attempt(() => api(`/api/conversations/${conversation.id}/snooze`, { method, json }));
    this.open(false);
    if (updated) {
      this.show(updated);
      this.onUpdated(updated);
    }
  }
}
