// Tandem's service worker: caches the static shell and an offline page, nothing else.
// Pages and data are private: they are never cached, here or by the browser (no-store).
"use strict";

// The shell by the URLs pages link: content-hashed names (journal/static_assets.py), so a
// release that changes a file is a new worker, and its cache (named by those URLs) replaces
// the old one when it activates.
var ICON = {{ static_url_for("static", filename="icons/icon-192.png")|tojson }};
var SHELL = [
  "/offline",
  {{ static_url_for("static", filename="css/tandem.css")|tojson }},
  {{ static_url_for("static", filename="js/tandem.js")|tojson }},
  {{ static_url_for("static", filename="icons/icon.svg")|tojson }},
  ICON
];
var CACHE = "tandem-shell " + SHELL.join(" ");

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); }));
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }));
  self.clients.claim();
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate") {
    // Always the network for pages; the offline page only when there is none.
    event.respondWith(fetch(request).catch(function () { return caches.match("/offline"); }));
    return;
  }
  if (SHELL.indexOf(url.pathname) !== -1) {
    // Pages ask for content-hashed URLs that the browser keeps for good, so the network
    // (or the HTTP cache) answers first; the copy kept here is for when offline.
    event.respondWith(fetch(request).catch(function () { return caches.match(url.pathname); }));
  }
});

// Web push: show the reminder the server sent (title, body, a same-origin link).
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = {}; }
  var title = typeof data.title === "string" && data.title ? data.title : "Tandem";
  var options = {
    body: typeof data.body === "string" ? data.body : "",
    tag: typeof data.tag === "string" && data.tag ? data.tag : undefined,
    icon: ICON,
    data: { url: typeof data.url === "string" ? data.url : "/" }
  };
  event.waitUntil(self.registration.showNotification(title, options));
});

// Open (or focus) the page the notification is about, on this site only.
self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target;
  try {
    target = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  } catch (e) {
    target = new URL("/", self.location.origin);
  }
  if (target.origin !== self.location.origin) { target = new URL("/", self.location.origin); }
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
    for (var i = 0; i < windows.length; i += 1) {
      if (windows[i].url === target.href && "focus" in windows[i]) { return windows[i].focus(); }
    }
    return self.clients.openWindow ? self.clients.openWindow(target.href) : null;
  }));
});
