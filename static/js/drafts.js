// Keeps what someone is writing in this browser until the server has saved it,
// so an expired session, an expired form or a lost connection never costs a
// draft. Every form with data-draft="<key>" is kept under that key in
// localStorage; a page carrying data-draft-saved="<key>" (shown after a save)
// forgets it. Without this file (or without storage) the forms work as before.
(function () {
  "use strict";

  var FIELDS = ["title", "body", "tags"];
  var DELAY = 400;

  function storage() {
    try {
      var store = window.localStorage;
      store.setItem("tandem-draft-probe", "1");
      store.removeItem("tandem-draft-probe");
      return store;
    } catch (e) {
      return null;
    }
  }

  function load(store, key) {
    try {
      var draft = JSON.parse(store.getItem(key));
      return draft && typeof draft === "object" ? draft : null;
    } catch (e) {
      return null;
    }
  }

  function valuesOf(form) {
    var values = {};
    FIELDS.forEach(function (name) {
      var field = form.elements.namedItem(name);
      values[name] = field ? field.value : "";
    });
    return values;
  }

  function isEmpty(values) {
    return FIELDS.every(function (name) { return !(values[name] || "").trim(); });
  }

  function isSame(a, b) {
    return FIELDS.every(function (name) { return (a[name] || "") === (b[name] || ""); });
  }

  function fill(form, values) {
    FIELDS.forEach(function (name) {
      var field = form.elements.namedItem(name);
      if (field && typeof values[name] === "string") { field.value = values[name]; }
    });
  }

  function show(element, visible) {
    if (element) { element.hidden = !visible; }
  }

  function keep(store, form) {
    var key = form.getAttribute("data-draft");
    // A form shown fresh holds saved text (or nothing); one shown again after a
    // refused save holds unsent text, which is kept at once.
    var baseline = form.hasAttribute("data-draft-clean") ? valuesOf(form) : null;
    var notice = document.querySelector("[data-draft-notice]");
    var timer = null;

    function find(selector) { return notice ? notice.querySelector(selector) : null; }

    function save() {
      if (timer) { window.clearTimeout(timer); timer = null; }
      var values = valuesOf(form);
      try {
        if (isEmpty(values) || (baseline && isSame(values, baseline))) {
          store.removeItem(key);
        } else {
          values.kept_at = new Date().toISOString();
          store.setItem(key, JSON.stringify(values));
        }
      } catch (e) {
        // Storage full or refused: the form still posts as usual.
      }
    }

    function later() {
      if (timer) { window.clearTimeout(timer); }
      timer = window.setTimeout(save, DELAY);
    }

    function hideNotice() { show(notice, false); }

    var stored = load(store, key);
    var current = valuesOf(form);
    if (!baseline) {
      save();
    } else if (stored && !isEmpty(stored) && !isSame(stored, current)) {
      show(notice, true);
      if (isEmpty(current)) {
        fill(form, stored);
        show(find("[data-draft-offer]"), false);
        show(find("[data-draft-restore]"), false);
        show(find("[data-draft-discard]"), false);
        show(find("[data-draft-restored]"), true);
        show(find("[data-draft-afresh]"), true);
      }
    } else if (stored) {
      store.removeItem(key);
    }

    var restore = find("[data-draft-restore]");
    if (restore) {
      restore.addEventListener("click", function () {
        fill(form, stored || {});
        hideNotice();
        save();
        var body = form.elements.namedItem("body");
        if (body) { body.focus(); }
      });
    }
    var discard = find("[data-draft-discard]");
    if (discard) {
      discard.addEventListener("click", function () {
        store.removeItem(key);
        hideNotice();
      });
    }
    var afresh = find("[data-draft-afresh]");
    if (afresh) {
      afresh.addEventListener("click", function () {
        fill(form, baseline);
        store.removeItem(key);
        hideNotice();
      });
    }

    form.addEventListener("input", function () {
      if (notice && !notice.hidden && restore && !restore.hidden) { hideNotice(); }
      later();
    });
    form.addEventListener("submit", save);
    window.addEventListener("pagehide", function () { if (timer) { save(); } });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var store = storage();
    if (!store) { return; }
    document.querySelectorAll("[data-draft-saved]").forEach(function (element) {
      store.removeItem(element.getAttribute("data-draft-saved"));
    });
    document.querySelectorAll("form[data-draft]").forEach(function (form) { keep(store, form); });
  });
})();
