// The witness form's service worker (served at /e/{election}/sw.js, scope
// the form): when there is no connection, the form and its files come from
// the cache the page filled (submit.js, offlineShell). Only GET requests of
// this origin are answered here; sending sheets is the page's job, so that
// every request it makes reaches the server or fails visibly.
"use strict";
const CACHE = "actas-form-v1";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (ev) => ev.waitUntil(self.clients.claim()));

self.addEventListener("fetch", (ev) => {
  const req = ev.request;
  if (req.method !== "GET") return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    // Static URLs carry their content's hash: a cached copy is the file.
    ev.respondWith(caches.match(req).then((hit) => hit || fetch(req)));
    return;
  }
  if (req.mode !== "navigate") return;
  // The form itself: fresh from the server when it answers (the account's
  // stations may change), else the copy kept, whatever its query.
  ev.respondWith(
    fetch(req)
      .then((resp) => {
        if (resp.ok && !resp.redirected) {
          const copy = resp.clone();
          caches.open(CACHE).then((c) => c.put(url.pathname, copy));
        }
        return resp;
      })
      .catch(() =>
        caches.match(url.pathname, { ignoreVary: true, ignoreSearch: true }).then((hit) => hit || Response.error()),
      ),
  );
});
