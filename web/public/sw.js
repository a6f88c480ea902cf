// The service worker: keeps the app's own files so the door scanner (and every page) still opens
// after a reload without a connection. It never touches the API: answers with people's data
// are not cached here (the door's offline check-in list lives in the page's own storage, per
// user), and no request but a GET of the app's files is intercepted.
//
// - Pages (navigations): the network first, so a new build is seen at once; offline, the last
//   index.html (every client-side route is the same page).
// - /assets/…: content-hashed, never change: from the cache, fetched and kept on first use.
// - Other files of the app (the icon): the network first, the cache when offline.
const CACHE = "boxoffice-app-v1";
// Hashed assets pile up across builds; the oldest go beyond this many entries.
const MAX_ENTRIES = 80;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.add("/"))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

async function keep(request, response) {
  if (!response.ok || response.type !== "basic") return;
  const cache = await caches.open(CACHE);
  await cache.put(request, response);
  const keys = await cache.keys();
  for (const old of keys.slice(0, Math.max(0, keys.length - MAX_ENTRIES))) {
    if (new URL(old.url).pathname !== "/") await cache.delete(old);
  }
}

async function networkFirst(request, fallback) {
  try {
    const response = await fetch(request);
    if (response.ok) await keep(fallback ?? request, response.clone());
    return response;
  } catch (error) {
    const cached = await caches.match(fallback ?? request);
    if (cached) return cached;
    throw error;
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  await keep(request, response.clone());
  return response;
}

// The page names the app files it loaded before this worker controlled it (the first visit):
// kept too, so that visit's door works offline after a reload. Only this site's /assets/ files.
self.addEventListener("message", (event) => {
  const data = event.data;
  if (!data || data.type !== "keep" || !Array.isArray(data.urls)) return;
  const urls = data.urls
    .slice(0, MAX_ENTRIES)
    .map((u) => new URL(String(u), self.location.origin))
    .filter((u) => u.origin === self.location.origin && u.pathname.startsWith("/assets/"))
    .map((u) => u.pathname);
  event.waitUntil(
    caches.open(CACHE).then(async (cache) => {
      for (const path of urls) {
        if (!(await cache.match(path))) await cache.add(path).catch(() => undefined);
      }
    }),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/") || url.pathname === "/sw.js") return;
  if (request.mode === "navigate") {
    event.respondWith(networkFirst(request, "/"));
  } else if (url.pathname.startsWith("/assets/")) {
    event.respondWith(cacheFirst(request));
  } else if (/^\/[^/]+\.(svg|png|ico|webmanifest)$/.test(url.pathname)) {
    event.respondWith(networkFirst(request));
  }
});
