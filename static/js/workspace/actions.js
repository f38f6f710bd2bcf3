// The thread's header: who it is, and the actions on it (status, assignee, labels).
import { $, api, attempt, el, guarded, t } from "./core.js";
import { LabelMenu } from "./labels.js";
import { conversationName } from "./list.js";

export class ConversationActions {
  constructor({ me, canAct, snooze, labels, onUpdated, onTitle }) {
    this.me = me;
    this.snooze = snooze;
    this.onUpdated = onUpdated;
    this.onTitle = onTitle;
    this.agents = null;
    this.conversation = null;
    this.status = $("status-select");
    this.assignee = $("assignee-select");
    this.assignMe = $("assign-me");
    // Supervisors see who has what; agents and admins change it.
    for (const control of [this.status, this.assignee, this.assignMe]) control.disabled = !canAct;
    this.canAct = canAct;
    this.status.addEventListener("change", () => this.patch({ status: this.status.value }));
    this.assignee.addEventListener("change", () =>
      this.patch({ assignee_id: this.assignee.value ? Number(this.assignee.value) : null }));
    this.assignMe.addEventListener("click", () => this.assignToMe());
    this.labelMenu = new LabelMenu({ labels, canAct, onUpdated });
  }

  /** The button and the `a` shortcut: the updated conversation, or nothing when there was
   * nothing to do (no conversation, a supervisor, already assigned to me) or it failed. */
  async assignToMe() {
    if (!this.canAct || !this.conversation || this.conversation.assignee?.id === this.me.id) return null;
    return this.patch({ assignee_id: this.me.id });
  }

  /** The `e` shortcut: resolve, as choosing Resolved in the status menu does. */
  async resolve() {
    if (!this.canAct || !this.conversation || this.conversation.status === "resolved") return null;
    this.status.value = "resolved";
    return this.patch({ status: "resolved" });
  }

  async loadAgents() {
    if (this.agents) return;
    const answer = await attempt(() => api("/api/agents"));
    this.agents = answer?.agents || [this.me];
  }

  /** Show a conversation (list-item or detail JSON) in the header. */
  async show(conversation) {
    this.conversation = conversation;
    const name = conversationName(conversation);
    $("thread-title").textContent = name;
    this.onTitle(`${name} · ${$("workspace").dataset.title}`);
    const kind = { user: t("oneToOne"), group: t("group"), room: t("room") }[conversation.source.type];
    $("thread-subtitle").replaceChildren(el("span", { textContent: kind }), " · ", el("span", { textContent: conversation.channel.name }));
    this.status.value = conversation.status;
    this.status.dataset.status = conversation.status;
    this.snooze?.show(conversation);
    guarded("labels", () => this.labelMenu.show(conversation));
    await this.loadAgents();
    if (this.conversation !== conversation) return;
    this.fillAssignees(conversation.assignee);
  }

  fillAssignees(current) {
    const people = new Map(this.agents.map((agent) => [agent.id, agent]));
    if (current && !people.has(current.id)) people.set(current.id, current);
    const label = (person) => (person.id === this.me.id ? t("meNamed", { name: person.display_name || person.email }) : person.display_name || person.email);
    this.assignee.replaceChildren(
      el("option", { value: "", textContent: t("unassigned") }),
      ...[...people.values()].map((person) => el("option", { value: String(person.id), textContent: label(person) })),
    );
    this.assignee.value = current ? String(current.id) : "";
    this.assignMe.hidden = !this.canAct || current?.id === this.me.id;
  }

  async patch(change) {
    const conversation = this.conversation;
    const updated = await attempt(() => api(`/api/conversations/${conversation.id}`, { method: "PATCH", json: change }));
    if (!updated) {
      this.show(conversation); // put the controls back as they were
      return null;
    }
    this.onUpdated(updated);
    return updated;
  }
}
