// Small progressive enhancements; every action works without this file.
(function () {
  "use strict";

  // Preselect the browser's time zone on fields that ask for it, unless the
  // person (or the server) already chose something other than the default.
  function detectTimezone() {
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone) { return; }
    document.querySelectorAll("select[data-detect]").forEach(function (select) {
      if (select.value && select.value !== "UTC") { return; }
      for (var i = 0; i < select.options.length; i += 1) {
        if (select.options[i].value === zone) { select.value = zone; return; }
      }
    });
  }

  // Select the whole invitation link on focus so it is easy to copy.
  function copyFields() {
    document.querySelectorAll("input[data-copy]").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
  }

  // Installable: the service worker caches only the static shell and the offline page.
  function registerServiceWorker() {
    if ("serviceWorker" in navigator && window.isSecureContext) {
      navigator.serviceWorker.register("/sw.js").catch(function () { /* optional */ });
    }
  }

  // Unsent journal drafts stay on this device only until log-out.
  function clearDraftsOnLogout() {
    document.querySelectorAll("form[action='/logout']").forEach(function (form) {
      form.addEventListener("submit", function () {
        try {
          Object.keys(window.localStorage).forEach(function (key) {
            if (key.indexOf("tandem-draft:") === 0) { window.localStorage.removeItem(key); }
          });
        } catch (e) { /* storage unavailable: nothing to clear */ }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    detectTimezone();
    copyFields();
    registerServiceWorker();
    clearDraftsOnLogout();
  });
})();
