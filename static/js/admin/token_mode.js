// The channel form shows only the credentials the chosen token mode takes. Without this
// script every field shows, each saying which mode it is for, and the server ignores the
// ones that do not belong to the chosen mode.
const form = document.querySelector(".channel-form");

function showChosenMode() {
  const chosen = form.querySelector('input[name="token_mode"]:checked')?.value;
  for (const group of form.querySelectorAll("[data-token-mode]")) {
    group.hidden = group.dataset.tokenMode !== chosen;
  }
}

if (form) {
  form.addEventListener("change", (event) => {
    if (event.target.name === "token_mode") showChosenMode();
  });
  showChosenMode();
}
