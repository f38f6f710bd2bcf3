// A whole transcript, read-only: the agents' thread renderer shows everything they see, plus
// (for supervisors) unsent originals, earlier versions, notes, who sent what and how.
import { $ } from "../workspace/core.js";
import { Thread } from "../workspace/thread.js";

const boot = JSON.parse($("history-boot").textContent);
const thread = new Thread({ me: boot.me, onRetry: () => {} });
thread.setPeople(boot.conversation);

async function open() {
  try {
    if (boot.at) await thread.openAt(boot.conversation.id, boot.at);
    else await thread.open(boot.conversation.id);
  } catch (error) {
    $("history-error").textContent = error.message;
  }
}

open();
