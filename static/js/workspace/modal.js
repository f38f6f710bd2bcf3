// Modal dialogs (WAI-ARIA dialog pattern) on the native <dialog>: showModal() makes the page
// behind inert and Escape closes it; here Tab and Shift+Tab also wrap inside the dialog instead
// of leaving for the browser's own controls, and focus goes back to what opened it.

const FOCUSABLE = "button, [href], input, select, textarea, summary, [tabindex]:not([tabindex='-1'])";

function focusables(dialog) {
  return [...dialog.querySelectorAll(FOCUSABLE)].filter((node) => !node.disabled && node.getClientRects().length);
}

function trapTab(event) {
  if (event.key !== "Tab") return;
  const items = focusables(event.currentTarget);
  if (!items.length) return;
  const first = items[0];
  const last = items.at(-1);
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}

/** Open `dialog` as a modal, focusing `initialFocus` (or its first control). */
export function openModal(dialog, initialFocus = null) {
  if (dialog.open) return;
  const opener = document.activeElement;
  if (!dialog.dataset.modalWired) {
    dialog.dataset.modalWired = "true";
    dialog.addEventListener("keydown", trapTab);
  }
  dialog.addEventListener("close", () => {
    if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
  }, { once: true });
  dialog.showModal();
  (initialFocus || focusables(dialog)[0])?.focus();
}
