// One message of the thread, by type, and the one-line preview the list shows for it.
import { avatar, el, formatBytes, formatDuration, fullDateTime, isOwnUrl, t, timeElement } from "./core.js";

const MEDIA = new Set(["image", "video", "audio", "file"]);

/** The short text for a list row: the message's words, or what kind of thing it was. */
export function previewText(message, me) {
  if (!message) return "";
  const text = previewBody(message);
  if (message.direction !== "outgoing") return text;
  const by = message.sent_by?.id === me.id ? t("you") : message.sent_by?.display_name || message.sent_by?.email || t("account");
  return t("byPrefix", { name: by, text });
}

function previewBody(message) {
  if (message.unsent) return t("messageUnsent");
  const payload = message.payload || {};
  switch (message.type) {
    case "text":
    case "textV2":
      return message.text || "";
    case "sticker": return t("sticker");
    case "image": return t("photo");
    case "video": return t("video");
    case "audio": return t("audio");
    case "file": return t("fileNamed", { name: message.attachment?.file_name || payload.fileName || "" });
    case "location": return t("locationNamed", { name: payload.title || payload.address || "" });
    case "postback": return t("postback");
    case "note": return t("notePreview", { text: message.text || payload.text || "" });
    default:
      return message.direction === "event" ? eventText(message) : t("unknownMessage", { type: message.type });
  }
}

// Event lines ----------------------------------------------------------------------------------

function eventText(message, names = new Map()) {
  const payload = message.payload || {};
  const who = message.sender?.display_name || t("someone");
  const members = (payload.members || []).map((m) => names.get(m.userId) || t("someone"));
  switch (message.type) {
    case "follow": return payload.isUnblocked ? t("eventUnblocked", { name: who }) : t("eventFollow", { name: who });
    case "unfollow": return t("eventUnfollow", { name: who });
    case "join": return t("eventJoin");
    case "leave":
      if (payload.by !== "agent") return t("eventLeave");
      return t("eventLeftByAgent", { name: message.sent_by?.display_name || message.sent_by?.email || t("anAgent") });
    case "memberJoined": return t("eventMemberJoined", { names: members.join(", ") || t("someone") });
    case "memberLeft": return t("eventMemberLeft", { names: members.join(", ") || t("someone") });
    case "beacon": return t("eventBeacon", { name: who, hwid: payload.hwid || "", type: payload.type || "" });
    case "accountLink": return t("eventAccountLink", { name: who, result: payload.result || "" });
    case "videoPlayComplete": return t("eventVideoPlayed", { name: who, id: payload.trackingId || "" });
    case "membership": return t("eventMembership", { name: who, type: payload.type || "" });
    case "unsupported": return t("eventUnsupported", { type: payload.type || "?" });
    case "status_changed": return statusChangeText(payload);
    case "assignment_changed": return assignmentText(payload);
    case "snooze_changed": return snoozeText(payload);
    case "labels_changed":
      return t(payload.action === "removed" ? "activityLabelRemoved" : "activityLabelAdded",
        { name: personName(payload.by), label: payload.label?.name || t("someone") });
    default: return t("eventOther", { type: message.type });
  }
}

// Activity lines: stored as what happened (who, from, to), said in the viewer's language.
const personName = (person) => person?.name || t("someone");

const REASONS = {
  blocked: "activityResolvedBlocked",
  bot_left: "activityResolvedBotLeft",
  customer_wrote: "activityReopenedCustomer",
  followed: "activityReopenedFollowed",
  bot_joined: "activityReopenedJoined",
};

function statusChangeText(payload) {
  if (REASONS[payload.reason]) return t(REASONS[payload.reason]);
  const name = personName(payload.by);
  if (payload.to === "resolved") return t("activityResolved", { name });
  if (payload.to === "pending") return t("activityPending", { name });
  if (payload.from === "resolved") return t("activityReopened", { name });
  return t("activityOpened", { name });
}

function assignmentText(payload) {
  const name = personName(payload.by);
  if (!payload.by && payload.to) {
    return payload.from
      ? t("activityReassignedAutomatically", { previous: personName(payload.from), assignee: personName(payload.to) })
      : t("activityAssignedAutomatically", { assignee: personName(payload.to) });
  }
  if (!payload.to) return t("activityUnassigned", { name, previous: personName(payload.from) });
  if (payload.from) return t("activityReassigned", { name, previous: personName(payload.from), assignee: personName(payload.to) });
  if (payload.by && payload.by.id === payload.to.id) return t("activityAssignedSelf", { name });
  return t("activityAssigned", { name, assignee: personName(payload.to) });
}

function snoozeText(payload) {
  if (payload.reason === "time_up") return t("activitySnoozeEnded");
  if (payload.reason === "customer_wrote") return t("activitySnoozeEndedCustomer");
  const name = personName(payload.by);
  if (!payload.until) return t("activityUnsnoozed", { name });
  return t("activitySnoozed", { name, time: fullDateTime(new Date(payload.until)) });
}

const ACTIVITY = new Set(["status_changed", "assignment_changed", "snooze_changed", "labels_changed"]);

// Message bodies -------------------------------------------------------------------------------

/** Text with a search's hits marked ([start, end) in UTF-16 code units, as JS strings count). */
function hitsBody(text, hits) {
  const node = el("p", { class: "text" });
  let at = 0;
  for (const [start, end] of hits) {
    if (start < at || end > text.length) continue;
    node.append(text.slice(at, start), el("mark", { class: "hit", textContent: text.slice(start, end) }));
    at = end;
  }
  node.append(text.slice(at));
  return node;
}

/** Text with mentions highlighted. LINE's indexes count UTF-16 code units, as JS strings do. */
function textBody(message, names, hits) {
  const text = message.text ?? message.payload?.text ?? "";
  if (hits?.length) return hitsBody(text, hits);
  const mentionees = [...(message.payload?.mention?.mentionees || [])].sort((a, b) => a.index - b.index);
  const node = el("p", { class: "text" });
  let at = 0;
  for (const mention of mentionees) {
    if (mention.index < at || mention.index + mention.length > text.length) continue;
    node.append(text.slice(at, mention.index));
    const who = mention.type === "all" ? t("everyone") : names.get(mention.userId) || mention.userId || "";
    node.append(el("mark", { class: "mention", title: who, textContent: text.slice(mention.index, mention.index + mention.length) }));
    at = mention.index + mention.length;
  }
  node.append(text.slice(at));
  return node;
}

function stickerBody(payload) {
  // LINE's sticker images live on LINE's servers: never loaded, described instead.
  const keywords = (payload.keywords || []).slice(0, 6).join(", ");
  return el("div", { class: "sticker-tile", role: "img", "aria-label": t("stickerLabel", { package: payload.packageId, sticker: payload.stickerId }) },
    el("span", { class: "sticker-icon", "aria-hidden": "true", textContent: "☺" }),
    el("span", { class: "sticker-ids", textContent: t("stickerIds", { package: payload.packageId ?? "?", sticker: payload.stickerId ?? "?" }) }),
    payload.text ? el("span", { class: "sticker-text", textContent: payload.text }) : null,
    keywords ? el("span", { class: "sticker-keywords", textContent: keywords }) : null,
  );
}

function attachmentState(attachment) {
  const states = {
    pending: t("mediaPending"),
    failed: t("mediaFailed"),
    expired: t("mediaExpired"),
  };
  return el("div", { class: `media-state media-${attachment.state}`, role: "note" },
    el("span", { textContent: states[attachment.state] || attachment.state }),
    attachment.error ? el("span", { class: "error-text", textContent: attachment.error }) : null,
  );
}

function mediaBody(message) {
  const attachment = message.attachment || { kind: message.type, state: "pending" };
  const kindLabel = { image: t("photo"), video: t("video"), audio: t("audio"), file: t("file") }[message.type];
  const box = (...children) => el("div", { class: `media media-kind-${message.type}` }, ...children);
  if (attachment.state === "external") {
    // Hosted by the sender's provider, not by LINE or us: opened only when the agent asks.
    return box(el("p", { class: "media-state", textContent: t("mediaExternal", { kind: kindLabel }) }),
      isHttp(attachment.url) ? el("a", { href: attachment.url, target: "_blank", rel: "noopener noreferrer", textContent: t("openExternal") }) : null);
  }
  if (attachment.state !== "ready" || !isOwnUrl(attachment.url)) {
    return box(el("p", { class: "media-kind", textContent: kindLabel }), attachmentState(attachment));
  }
  const url = attachment.url;
  const preview = isOwnUrl(attachment.preview_url) ? attachment.preview_url : undefined;
  if (message.type === "image") {
    const set = message.payload?.imageSet;
    return box(el("a", { href: url, target: "_blank", rel: "noopener", class: "image-link", title: t("openFull") },
      el("img", { src: preview || url, alt: t("photoFrom", { name: message.sender?.display_name || t("account") }), loading: "lazy" })),
      set ? el("span", { class: "meta-line", textContent: t("imageSet", { index: set.index, total: set.total }) }) : null);
  }
  if (message.type === "video") {
    return box(el("video", { controls: true, preload: "metadata", src: url, poster: preview, "aria-label": t("video") }));
  }
  if (message.type === "audio") {
    return box(el("audio", { controls: true, preload: "metadata", src: url, "aria-label": t("audio") }),
      attachment.duration_ms ? el("span", { class: "meta-line", textContent: formatDuration(attachment.duration_ms) }) : null);
  }
  const name = attachment.file_name || message.payload?.fileName || t("file");
  return box(el("a", { href: url, download: name, class: "file-link" },
    el("span", { class: "file-icon", "aria-hidden": "true", textContent: "📄" }),
    el("span", { class: "file-name", textContent: name }),
    el("span", { class: "file-size", textContent: formatBytes(attachment.file_size ?? message.payload?.fileSize) })));
}

const isHttp = (url) => typeof url === "string" && /^https:\/\//.test(url);

function locationBody(payload) {
  const lat = Number(payload.latitude);
  const lon = Number(payload.longitude);
  const map = `https://www.openstreetmap.org/?mlat=${encodeURIComponent(lat)}&mlon=${encodeURIComponent(lon)}#map=16/${lat}/${lon}`;
  return el("div", { class: "location" },
    el("span", { class: "location-pin", "aria-hidden": "true", textContent: "📍" }),
    el("div", {},
      el("strong", { textContent: payload.title || t("location") }),
      payload.address ? el("p", { textContent: payload.address }) : null,
      el("a", { href: map, target: "_blank", rel: "noopener noreferrer", textContent: t("openMap") })));
}

function postbackBody(payload) {
  const params = payload.params ? Object.entries(payload.params).map(([k, v]) => `${k}: ${v}`).join(", ") : "";
  return el("div", { class: "postback" },
    el("span", { class: "badge", textContent: t("postback") }),
    el("code", { textContent: payload.data ?? "" }),
    params ? el("span", { class: "meta-line", textContent: params }) : null);
}

function bodyOf(message, names, hits) {
  const payload = message.payload || {};
  if (message.unsent && message.text === null && message.payload === null) {
    return el("p", { class: "unsent-text", textContent: t("messageUnsent") });
  }
  if (MEDIA.has(message.type)) return mediaBody(message);
  switch (message.type) {
    case "text":
    case "textV2": return textBody(message, names, hits);
    case "sticker": return stickerBody(payload);
    case "location": return locationBody(payload);
    case "postback": return postbackBody(payload);
    case "unknown": return el("p", { class: "unsent-text", textContent: t("placeholderMessage") });
    default: return el("p", { class: "unsupported", textContent: t("unknownMessage", { type: message.type }) });
  }
}

// Outgoing delivery ------------------------------------------------------------------------------

function deliveryLine(message, onRetry) {
  const state = message.delivery_state || "pending";
  const labels = { pending: t("deliveryPending"), sent: t("deliverySent"), failed: t("deliveryFailed"), uncertain: t("deliveryUncertain") };
  const modes = { reply: t("modeReplyFree"), push: t("modePush") };
  const line = el("div", { class: `delivery delivery-${state}` },
    el("span", { class: "delivery-state", textContent: labels[state] || state }),
    message.send_mode ? el("span", { textContent: modes[message.send_mode] || message.send_mode }) : null,
    message.sent_by ? el("span", { textContent: t("sentBy", { name: message.sent_by.display_name || message.sent_by.email }) }) : null,
    message.line_request_id ? el("span", { class: "request-id", title: t("requestIdHelp") }, t("requestId"), " ", el("code", { textContent: message.line_request_id })) : null,
  );
  if (state !== "failed" && state !== "uncertain") return line;
  const details = (Array.isArray(message.error_details) ? message.error_details : []).map((detail) =>
    el("li", { textContent: [detail.property, detail.message].filter(Boolean).join(": ") || JSON.stringify(detail) }));
  return el("div", { class: "delivery-block" }, line,
    el("div", { class: "delivery-error", role: "alert" },
      el("p", { textContent: message.error_message || t("deliveryFailedUnknown") }),
      details.length ? el("ul", {}, details) : null,
      onRetry ? el("button", { type: "button", class: "secondary small", textContent: t(state === "uncertain" ? "resendUncertain" : "retry"), onclick: (event) => onRetry(message, event.currentTarget) }) : null));
}

function revisionsOf(message) {
  if (!message.revisions?.length) return null;
  return el("details", { class: "revisions" },
    el("summary", { textContent: t("earlierVersions", { count: message.revisions.length }) }),
    el("ol", {}, message.revisions.map((revision) =>
      el("li", {}, timeElement(revision.text_at), " ", el("span", { class: "text", textContent: revision.text ?? "" })))));
}

/** The `<li>` for one message. `ctx`: {me, names (LINE user id → name), onRetry}. */
export function renderMessage(message, ctx) {
  const item = el("li", { class: `msg msg-${message.direction}`, dataset: { id: message.id, at: message.sent_at || "" } });
  if (message.direction === "event" && message.type === "note") {
    item.classList.add("msg-note");
    const author = message.sent_by?.display_name || message.sent_by?.email;
    item.append(el("div", { class: "note" },
      el("span", { class: "note-label", textContent: t("privateNote") }),
      ctx.hits?.length ? hitsBody(message.text ?? "", ctx.hits) : el("p", { class: "text", textContent: message.text ?? message.payload?.text ?? "" }),
      el("span", { class: "meta-line" }, author ? [t("noteBy", { name: author }), " · "] : null, timeElement(message.sent_at, "clock"))));
    return item;
  }
  if (message.direction === "event") {
    item.classList.add("msg-system");
    if (ACTIVITY.has(message.type)) item.classList.add("msg-activity");
    item.append(el("p", { class: "system-line" }, el("span", { textContent: eventText(message, ctx.names) }), " · ", timeElement(message.sent_at, "clock")));
    return item;
  }
  const incoming = message.direction === "incoming";
  const name = incoming ? message.sender?.display_name || t("lineUser") : message.sent_by?.display_name || message.sent_by?.email || t("account");
  const bubble = el("div", { class: "bubble" });
  if (message.unsent) {
    bubble.classList.add("is-unsent");
    // Supervisors still read what was unsent; agents see only that it was.
    if (message.text !== null || message.payload !== null) {
      bubble.append(el("span", { class: "badge", textContent: t("messageUnsent") }));
    }
  }
  bubble.append(bodyOf(message, ctx.names, ctx.hits));
  if (message.edited_at) bubble.append(el("span", { class: "meta-line", textContent: t("edited") }));
  const revisions = revisionsOf(message);
  if (revisions) bubble.append(revisions);
  item.append(
    incoming ? avatar(message.sender?.picture_url, name, "small") : "",
    el("div", { class: "msg-body" },
      el("div", { class: "msg-head" }, el("span", { class: "msg-name", textContent: name }), timeElement(message.sent_at, "clock")),
      bubble,
      message.direction === "outgoing" ? deliveryLine(message, ctx.onRetry) : ""),
  );
  return item;
}
