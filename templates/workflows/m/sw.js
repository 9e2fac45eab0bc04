/* Bangban /m/ service worker (served by workflows.offline_views.service_worker; scope /m/).
   App shell and static files: cache first. Pages under /m/ and the offline data: network first, the last
   good copy when there is no network, the offline page for a page never seen. Photos and the API are never
   cached (personal documents; the API's writes are queued by the page itself, in IndexedDB). */
"use strict";
var VERSION = "{{ version }}";
var SHELL = "bangban-shell-" + VERSION;
var PAGES = "bangban-pages";
var STATIC_URLS = {{ static_urls|safe }};
var PAGE_URLS = {{ pages|safe }};
var OFFLINE_URL = {{ offline_url|safe }};
var STATIC_PREFIX = {{ static_prefix|safe }};
var NEEDS_NETWORK = "<!doctype html><html lang=zh-CN><meta charset=utf-8><meta name=viewport content='width=device-width'>" +
  "<title>需要联网</title><body style='font:18px/1.6 sans-serif;padding:16px'><h1>此操作需要联网</h1>" +
  "<p>分派、上门、报送、办结等案件操作需要连接服务器。请在有信号时再试；新的登记可在“离线登记”中先保存到手机。</p>" +
  "<p><a href='" + OFFLINE_URL + "'>打开离线登记</a></p></body></html>";

function cachePages(cache) {
  return Promise.all(PAGE_URLS.map(function (url) {
    return fetch(url, { credentials: "same-origin" }).then(function (r) {
      if (r.ok && !r.redirected) { return cache.put(url, r); }
    }).catch(function () { /* filled on the next online visit */ });
  }));
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL).then(function (c) { return c.addAll(STATIC_URLS); })
      .then(function () { return caches.open(PAGES); }).then(cachePages)
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k.indexOf("bangban-shell-") === 0 && k !== SHELL; })
        .map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("message", function (event) {
  if (event.data === "refresh") { event.waitUntil(caches.open(PAGES).then(cachePages)); }
});

// Kept for offline use: the shell pages, the offline data and the new-request pages (新建 and 一件事, whose
// forms queue offline). Case pages are not kept (the assigned agent's copy shows the resident's full number;
// a 一件事's progress page likewise); offline, they open the offline page instead.
function keep(url) {
  var p = url.pathname;
  return PAGE_URLS.indexOf(p) !== -1 || p.indexOf("/m/new/") === 0 ||
    (p.indexOf("/m/bundles/") === 0 && p.indexOf("/m/bundles/case/") !== 0);
}

function networkFirst(request) {
  return fetch(request).then(function (response) {
    if (keep(new URL(request.url)) && response.ok && response.type === "basic" && !response.redirected) {
      var copy = response.clone();
      caches.open(PAGES).then(function (c) { c.put(request, copy); });
    }
    return response;
  }).catch(function () {
    return caches.open(PAGES).then(function (c) { return c.match(request, { ignoreVary: true, ignoreSearch: true }); }).then(function (hit) {
      if (hit) { return hit; }
      if (request.mode === "navigate") {
        return caches.open(PAGES).then(function (c) { return c.match(OFFLINE_URL, { ignoreVary: true, ignoreSearch: true }); }).then(function (shell) {
          return shell || new Response(NEEDS_NETWORK, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
        });
      }
      return Response.error();
    });
  });
}

function cacheFirst(request) {
  return caches.match(request).then(function (hit) {
    return hit || fetch(request).then(function (response) {
      if (response.ok) { var copy = response.clone(); caches.open(SHELL).then(function (c) { c.put(request, copy); }); }
      return response;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method !== "GET") {
    // a case step posted without signal: say plainly that it needs the network (the page's JS says it first)
    if (request.mode === "navigate") {
      event.respondWith(fetch(request).catch(function () {
        return new Response(NEEDS_NETWORK, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
      }));
    }
    return;
  }
  if (url.pathname.indexOf(STATIC_PREFIX) === 0) { event.respondWith(cacheFirst(request)); return; }
  if (url.pathname.indexOf("/m/photos/") === 0 || url.pathname === "/m/sw.js") { return; }
  if (url.pathname.indexOf("/m/") === 0) { event.respondWith(networkFirst(request)); }
});
