// Small progressive enhancements; every action works without this file.
(function () {
  "use strict";

  function browserZone() {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return ""; }
  }

  // Time-zone fields: the browser's zone listed first (and preselected where the field
  // asks for it with data-detect, unless the person or the server already chose something
  // other than the default), and a search field that narrows the list as one types.
  function timezoneFields() {
    var zone = browserZone();
    document.querySelectorAll("select[data-zones]").forEach(function (select) {
      var known = Array.prototype.some.call(select.options, function (o) { return o.value === zone; });
      if (known) {
        var group = document.createElement("optgroup");
        group.label = "This device";
        var mine = Array.prototype.find.call(select.options, function (o) { return o.value === zone; });
        group.appendChild(new Option(mine.textContent, zone));
        select.insertBefore(group, select.firstChild);
        if (select.hasAttribute("data-detect") && (!select.value || select.value === "UTC")) {
          select.value = zone;
        }
      }
      var search = document.createElement("input");
      search.type = "search";
      search.id = select.id + "-search";
      search.className = "zone-search";
      search.setAttribute("autocomplete", "off");
      search.setAttribute("aria-controls", select.id);
      var label = document.createElement("label");
      label.htmlFor = search.id;
      label.className = "zone-search-label";
      label.textContent = "Search by city or region";
      select.parentNode.insertBefore(label, select);
      select.parentNode.insertBefore(search, select);
      search.addEventListener("input", function () {
        var words = search.value.trim().toLowerCase().replace(/[\s_]+/g, " ");
        var first = null;
        Array.prototype.forEach.call(select.options, function (option) {
          var text = (option.textContent + " " + option.value).toLowerCase().replace(/[\s_/]+/g, " ");
          option.hidden = words !== "" && text.indexOf(words) === -1;
          if (!option.hidden && first === null) { first = option; }
        });
        Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
          group.hidden = !Array.prototype.some.call(group.children, function (o) { return !o.hidden; });
        });
        var current = select.options[select.selectedIndex];
        if (first && (!current || current.hidden)) { select.value = first.value; }
      });
    });
  }

  // Select the whole invitation link on focus so it is easy to copy.
  function copyFields() {
    document.querySelectorAll("input[data-copy]").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
  }

  // Share (the Web Share API) and Copy buttons, shown only where the browser offers them;
  // without them the link stays in its field and the code on the page, to copy by hand.
  function shareButtons() {
    var status = document.querySelector(".copy-status");
    function say(words) { if (status) { status.textContent = words; } }
    function show(button) {
      button.hidden = false;
      button.closest(".share-row").hidden = false;
    }
    document.querySelectorAll("button[data-share-url]").forEach(function (button) {
      if (typeof navigator.share !== "function") { return; }
      show(button);
      button.addEventListener("click", function () {
        navigator.share({ title: "Tandem", text: button.dataset.shareText, url: button.dataset.shareUrl })
          .catch(function () { /* closed without sharing: nothing to say */ });
      });
    });
    document.querySelectorAll("button[data-copy-text]").forEach(function (button) {
      if (!navigator.clipboard || typeof navigator.clipboard.writeText !== "function") { return; }
      show(button);
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(button.dataset.copyText).then(function () {
          say("Copied. Paste it into a message to your partner.");
        }, function () {
          say("That didn't copy. You can select it and copy it by hand.");
        });
      });
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
    timezoneFields();
    copyFields();
    shareButtons();
    registerServiceWorker();
    clearDraftsOnLogout();
  });
})();
