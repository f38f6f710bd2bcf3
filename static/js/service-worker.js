// The installed app's service worker. It keeps the app shell (styles, scripts, icons) and the
// offline page, so the app opens and says what is wrong without a network. It never keeps API
// answers, pages with people's data, Socket.IO traffic or /media: those always go to the server,
// untouched by this worker.
const CACHE = "inbox-shell-v1";
const OFFLINE_PAGE = "/offline";
const SHELL = [
  "/static/css/app.css",
  "/static/css/workspace.css",
  "/static/js/timezone.js",
  "/static/js/pwa.js",
  "/static/js/workspace/actions.js",
  "/static/js/workspace/composer.js",
  "/static/js/workspace/core.js",
  "/static/js/workspace/layout.js",
  "/static/js/workspace/list.js",
  "/static/js/workspace/main.js",
  "/static/js/workspace/messages.js",
  "/static/js/workspace/modal.js",
  "/static/js/workspace/profile.js",
  "/static/js/workspace/shortcuts.js",
  "/static/js/workspace/thread.js",
  "/static/vendor/socket.io/socket.io.esm.min.js",
  "/static/icons/icon.svg",
  "/static/icons/icon-192.png",
  OFFLINE_PAGE,
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) event.respondWith(shellFile(request));
  else if (request.mode === "navigate") event.respondWith(page(request));
  // Anything else (the API, /socket.io, /media, downloads) is the browser's own business.
});

/**
 * Network first: file names carry no version (there is no build step), so a kept copy served
 * first could pair an old script with a newer page. The kept copy is for when there is no network.
 */
async function shellFile(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic") await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const kept = await cache.match(request, { ignoreSearch: true });
    if (kept) return kept;
    throw error;
  }
}

/** Pages always come from the server and are never kept: without a network, the offline page. */
async function page(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const offline = await caches.match(OFFLINE_PAGE);
    if (offline) return offline;
    throw error;
  }
}
