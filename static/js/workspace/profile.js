// The right-hand panel: who the agent is talking to (a person, or a group's or room's members),
// and leaving a group or room after a confirmation.
import { $, api, avatar, el, languageName, safely, t, timeElement } from "./core.js";
import { conversationName } from "./list.js";
import { openModal } from "./modal.js";

function field(label, ...value) {
  const shown = value.filter((part) => part !== null && part !== undefined && part !== "");
  if (!shown.length) return null;
  return [el("dt", { textContent: label }), el("dd", {}, ...shown)];
}

/** The friendship in words: what an event told us, or what LINE's Get Profile answer did. */
function followState(contact) {
  const state = contact.follow_state || "unknown";
  let words;
  if (state === "following") {
    // No follow event: the user became a friend before this inbox was connected.
    words = contact.followed_at ? [t("friend"), " · ", t("since"), " ", timeElement(contact.followed_at)] : [t("friendBeforeInbox")];
  } else if (state === "blocked") {
    words = [t("blockedAccount"), contact.blocked_at ? [" · ", timeElement(contact.blocked_at)] : ""];
  } else if (state === "not_friend") {
    words = [t("notFriendOrBlocked")];
  } else if (state === "unknown") {
    words = [t("friendshipUnknown")];
  } else {
    words = [state];
  }
  return el("span", { class: `follow follow-${state}` }, ...words);
}

function personCard(contact) {
  const name = contact.display_name || t("lineUser");
  return el("section", { class: "person", "aria-labelledby": "profile-name" },
    avatar(contact.picture_url, name, "large"),
    el("h2", { id: "profile-name", textContent: name }),
    contact.status_message ? el("p", { class: "status-message", textContent: contact.status_message }) : null,
    el("dl", { class: "facts" },
      field(t("friendship"), followState(contact)),
      field(t("language"), contact.language ? languageName(contact.language) : ""),
      field(t("lineUserId"), el("code", { textContent: contact.line_user_id })),
      field(t("profileProblem"), contact.profile_error || "")),
  );
}

function memberItem(member) {
  const name = member.display_name || t("lineUser");
  return el("li", { class: member.is_member ? "member" : "member member-left" },
    avatar(member.picture_url, name, "small"),
    el("span", { class: "member-text" },
      el("span", { class: "member-name", textContent: name }),
      member.status_message ? el("span", { class: "member-status", textContent: member.status_message }) : null,
      el("span", { class: "member-meta" },
        member.language ? languageName(member.language) : "",
        member.is_member ? "" : [member.language ? " · " : "", t("memberLeft")])),
  );
}

const member = (item) => safely("member", () => memberItem(item), "li");

function groupCard(detail) {
  const group = detail.group;
  const name = group.name || conversationName(detail);
  const members = group.members || [];
  const present = members.filter((member) => member.is_member);
  const left = members.filter((member) => !member.is_member);
  const count = group.member_count ?? present.length;
  return el("section", { class: "person", "aria-labelledby": "profile-name" },
    avatar(group.picture_url, name, "large"),
    el("h2", { id: "profile-name", textContent: name }),
    el("p", { class: "status-message", textContent: group.type === "group" ? t("groupKind") : t("roomKind") }),
    el("dl", { class: "facts" },
      field(t("members"), t("memberCount", { count })),
      field(t("lineGroupId"), el("code", { textContent: group.id })),
      field(t("profileProblem"), group.profile_error || "")),
    el("h3", { textContent: t("knownMembers") }),
    present.length ? el("ul", { class: "members" }, present.map(member)) : el("p", { class: "hint", textContent: t("noMembersYet") }),
    left.length ? el("details", { class: "left-members" }, el("summary", { textContent: t("formerMembers", { count: left.length }) }), el("ul", { class: "members" }, left.map(member))) : null,
  );
}

export class ProfilePanel {
  constructor({ canAct, onLeft }) {
    this.canAct = canAct;
    this.root = $("profile-body");
    this.dialog = $("leave-dialog");
    this.onLeft = onLeft;
    this.detail = null;
    $("leave-cancel").addEventListener("click", () => this.dialog.close());
    $("leave-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.leave();
    });
  }

  clear() {
    this.detail = null;
    this.root.replaceChildren(el("p", { class: "hint", textContent: t("profileEmpty") }));
  }

  show(detail) {
    this.detail = detail;
    this.root.replaceChildren(
      safely("profile", () => this.card(detail)),
      safely("channel", () => el("p", { class: "channel-line" }, t("channel"), ": ", el("span", { textContent: detail.channel.name }))),
      safely("leave", () => this.leaveControl(detail) || ""),
    );
  }

  card(detail) {
    if (detail.group) return groupCard(detail);
    if (detail.contact) return personCard(detail.contact);
    return el("p", { class: "hint", textContent: t("profileUnknown") });
  }

  leaveControl(detail) {
    if (!detail.group || !this.canAct) return null;
    if (!detail.bot_is_member) return el("p", { class: "hint", textContent: t("accountNotMember") });
    const label = detail.group.type === "group" ? t("leaveGroup") : t("leaveRoom");
    return el("button", { type: "button", class: "danger", id: "leave-button", textContent: label, onclick: () => this.confirmLeave() });
  }

  confirmLeave() {
    const group = this.detail.group;
    $("leave-title").textContent = group.type === "group" ? t("leaveGroupTitle") : t("leaveRoomTitle");
    $("leave-text").textContent = t("leaveExplain", { name: group.name || conversationName(this.detail) });
    $("leave-error").textContent = "";
    $("leave-confirm").disabled = false;
    openModal(this.dialog, $("leave-cancel"));
  }

  async leave() {
    const id = this.detail.id;
    $("leave-confirm").disabled = true;
    $("leave-error").textContent = "";
    let done;
    try {
      done = await api(`/api/conversations/${id}/leave`, { method: "POST", json: {} });
    } catch (error) {
      $("leave-error").textContent = error.message; // LINE's words when LINE refused
      $("leave-confirm").disabled = false;
      return;
    }
    this.dialog.close();
    this.onLeft(done);
  }
}
