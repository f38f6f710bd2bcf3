// Makes the inbox installable: registers the service worker (static/js/service-worker.js, served
// from /service-worker.js so that it covers the whole app). Browsers without one, or pages not
// on https or localhost, simply work as a website.
function register() {
  navigator.serviceWorker.register("/service-worker.js", { scope: "/" }).catch((error) => {
    console.warn("inbox: the service worker could not be registered", error);
  });
}

if ("serviceWorker" in navigator && window.isSecureContext) {
  if (document.readyState === "complete") register();
  else window.addEventListener("load", register, { once: true });
}
