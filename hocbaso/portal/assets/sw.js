// Service worker of the parents' portal (scope /phu-huynh/). The shell (style, script, icons)
// is cached at install; a child's pages are fetched from the network first and the last copy of
// each (only those marked X-Portal-Offline, never a học bạ file) is kept for offline reading.
// Every cache is deleted at logout (portal.js, this worker's "logout" message, the Clear-Site-Data
// header of the logout response) and the pages' cache whenever the login page is loaded, so a
// page of one account is never shown to the next person signing in on the same phone.
"use strict";
var SHELL = "shell-__VERSION__";
var PAGES = "pages-v1";
var SHELL_FILES = ["/phu-huynh/portal.css", "/phu-huynh/portal.js", "/phu-huynh/icon-192.png"];

self.addEventListener("install", function (ev) {
  ev.waitUntil(caches.open(SHELL).then(function (c) { return c.addAll(SHELL_FILES); }));
  self.skipWaiting();
});

self.addEventListener("activate", function (ev) {
  ev.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("shell-") === 0 && k !== SHELL; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("message", function (ev) {
  if (ev.data === "logout") {
    ev.waitUntil(caches.keys().then(function (keys) {
      return Promise.all(keys.map(function (k) { return caches.delete(k); }));
    }));
  }
});

function cacheable(req, res) {
  var url = new URL(req.url);
  return res && res.ok && res.type === "basic" && url.pathname.indexOf("/phu-huynh/con/") === 0
    && url.pathname.indexOf("/hoc-ba/") < 0 && res.headers.get("X-Portal-Offline") === "1";
}

self.addEventListener("fetch", function (ev) {
  var req = ev.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.indexOf("/phu-huynh/") !== 0) return;
  if (SHELL_FILES.indexOf(url.pathname) >= 0) {
    ev.respondWith(caches.match(req).then(function (hit) { return hit || fetch(req); }));
    return;
  }
  if (req.mode !== "navigate") return;
  ev.respondWith(fetch(req).then(function (res) {
    if (cacheable(req, res)) {
      var copy = res.clone();
      caches.open(PAGES).then(function (c) { c.put(req, copy); });
    }
    if (url.pathname === "/phu-huynh/dang-xuat/" || url.pathname === "/phu-huynh/dang-nhap/") {
      caches.delete(PAGES);
    }
    return res;
  }).catch(function () {
    return caches.open(PAGES).then(function (c) { return c.match(req); }).then(function (hit) {
      return hit || new Response("<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'><p style='font:16px sans-serif;padding:1rem'>Không có mạng. Trang này chưa được lưu để xem ngoại tuyến.</p>",
        { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
    });
  }));
});
