// Chorus' service worker, served at /sw.js so that its scope is the whole site.
//
// Offline: it stores the offline page and what that page shows when it installs, and
// answers a navigation that fails for want of a network with that page. It never stores
// anything else: pages are personal, and a shared phone must not show one member's pages
// to the next. Push: it shows what Chorus sends and opens the message's page on a tap,
// only ever a page of this site.
"use strict";

const CONFIG = {{ config|safe }};
const CACHE_PREFIX = "chorus-offline-";
const CACHE = CACHE_PREFIX + CONFIG.version;

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // Without cookies: what is stored is what anyone signed out would see.
      await cache.addAll(
        CONFIG.precache.map((url) => new Request(url, { credentials: "omit", cache: "reload" })),
      );
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names
          .filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE)
          .map((name) => caches.delete(name)),
      );
      if (self.registration.navigationPreload) {
        await self.registration.navigationPreload.enable();
      }
      await self.clients.claim();
    })(),
  );
});

async function offlinePage() {
  const cache = await caches.open(CACHE);
  return (await cache.match(CONFIG.offline)) || Response.error();
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    event.respondWith(
      (async () => {
        try {
          const preloaded = await event.preloadResponse;
          return preloaded || (await fetch(request));
        } catch (error) {
          return offlinePage();
        }
      })(),
    );
    return;
  }
  // What the offline page itself shows: the network first, the stored copy offline.
  const url = new URL(request.url);
  if (url.origin === self.location.origin && CONFIG.precache.includes(url.pathname)) {
    event.respondWith(
      fetch(request).catch(async () => (await caches.match(url.pathname)) || Response.error()),
    );
  }
});

// Only this site's pages open from a notification; anything else opens the home page.
function ownPage(value) {
  try {
    const url = new URL(String(value || "/"), self.location.origin);
    if (url.origin === self.location.origin) return url.href;
  } catch (error) {
    // not an address at all
  }
  return new URL("/", self.location.origin).href;
}

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = (event.data && event.data.json()) || {};
  } catch (error) {
    data = {};
  }
  const title = typeof data.title === "string" && data.title ? data.title : CONFIG.title;
  const options = {
    body: typeof data.body === "string" ? data.body : "",
    icon: CONFIG.icon,
    badge: CONFIG.badge,
    data: { url: ownPage(data.url) },
  };
  if (typeof data.tag === "string" && data.tag) {
    // One notification per kind of message: a newer one replaces it, and still rings.
    options.tag = data.tag;
    options.renotify = true;
  }
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = ownPage(event.notification.data && event.notification.data.url);
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      for (const client of windows) {
        if (client.url === target && "focus" in client) return client.focus();
      }
      return self.clients.openWindow(target);
    })(),
  );
});
