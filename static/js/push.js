// Web push on this device. Loaded only on the notifications page; the rest of the
// page (seeing and turning off devices) works without it.
(function () {
  "use strict";

  function keyBytes(base64url) {
    var padded = base64url + "====".slice((base64url.length % 4) || 4);
    var raw = window.atob(padded.replace(/-/g, "+").replace(/_/g, "/"));
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) { out[i] = raw.charCodeAt(i); }
    return out;
  }

  function post(url, token, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (response.ok) { return response; }
      return response.json().catch(function () { return {}; }).then(function (data) {
        throw new Error(data.error || "That didn't work just now. Please try again later.");
      });
    });
  }

  function setUp(box) {
    var on = box.querySelector("[data-push-on]");
    var off = box.querySelector("[data-push-off]");
    var status = box.querySelector("[data-push-status]");
    var note = box.querySelector("[data-push-nojs]");
    var csrf = box.querySelector("input[data-csrf]");
    var token = csrf ? csrf.value : "";
    function say(text) { status.textContent = text; }

    var supported = window.isSecureContext && "serviceWorker" in navigator &&
      "PushManager" in window && "Notification" in window;
    if (!supported) {
      note.textContent = "This browser can't show notifications from Tandem. Another browser, or Tandem added to your home screen, may be able to.";
      return;
    }
    note.hidden = true;

    var ready = navigator.serviceWorker.register("/sw.js").then(function () {
      return navigator.serviceWorker.ready;
    });

    function show(subscription) {
      on.hidden = Boolean(subscription);
      off.hidden = !subscription;
    }

    ready.then(function (registration) {
      return registration.pushManager.getSubscription();
    }).then(show).catch(function () { show(null); });

    on.addEventListener("click", function () {
      on.disabled = true;
      say("Asking this browser…");
      Notification.requestPermission().then(function (permission) {
        if (permission !== "granted") {
          throw new Error("Notifications weren't allowed. You can change that in this browser's settings whenever you like.");
        }
        return ready;
      }).then(function (registration) {
        return registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(box.getAttribute("data-vapid-key"))
        });
      }).then(function (subscription) {
        return post(box.getAttribute("data-subscribe-url"), token, subscription.toJSON());
      }).then(function () {
        say("Notifications are on for this device.");
        window.location.reload();
      }).catch(function (error) {
        say(error && error.message ? error.message : "That didn't work just now. Please try again later.");
        on.disabled = false;
      });
    });

    off.addEventListener("click", function () {
      off.disabled = true;
      ready.then(function (registration) {
        return registration.pushManager.getSubscription();
      }).then(function (subscription) {
        if (!subscription) { return null; }
        var endpoint = subscription.endpoint;
        return subscription.unsubscribe().then(function () {
          return post(box.getAttribute("data-unsubscribe-url"), token, { endpoint: endpoint });
        });
      }).then(function () {
        say("Notifications are off for this device.");
        window.location.reload();
      }).catch(function (error) {
        say(error && error.message ? error.message : "That didn't work just now. Please try again later.");
        off.disabled = false;
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-push]").forEach(setUp);
  });
})();
