/* The phone page's service worker: the page and its files load from the cache when the network is away, so a
   leader can still see the last tasks and queue answers. The API is never cached: it is always asked afresh. */
const CACHE = "dispatch-phone-v3";
const SHELL = ["/m", "/static/css/app.css", "/static/css/live.css", "/static/js/dom.js", "/static/js/phone.js",
  "/static/js/phone_duty.js", "/static/vendor/socket.io-client/socket.io.min.js", "/static/favicon.svg"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== location.origin || !SHELL.includes(url.pathname)) return;
  event.respondWith(fetch(event.request)
    .then((response) => {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(event.request, copy));
      return response;
    })
    .catch(() => caches.match(event.request)));
});
