// The account page's desktop-notification switch: says what this browser allows, and asks for
// permission only when the person clicks (browsers ignore, and penalise, asking on load).
const box = document.getElementById("notification-permission");
const state = document.getElementById("notification-state");
const allow = document.getElementById("allow-notifications");

function show() {
  box.hidden = false;
  if (!("Notification" in window)) {
    state.textContent = box.dataset.unsupported;
    allow.hidden = true;
    return;
  }
  const permission = Notification.permission;
  state.textContent = permission === "default" ? "" : box.dataset[permission] || "";
  allow.hidden = permission !== "default";
}

allow.addEventListener("click", async () => {
  await Notification.requestPermission();
  show();
});
show();
