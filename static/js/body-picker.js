// The sensation map on the progress-note form: tap an area of the body diagram to
// answer for it, instead of going through eleven drop-downs. Without this file the
// diagram's areas are links to their drop-downs, which all stay on the page.
(function () {
  "use strict";

  var HATCHED = { reduced: true, uncomfortable: true };

  function areaKey(link) {
    return link.getAttribute("href").replace("#sensation-", "");
  }

  function paint(link, select) {
    var key = areaKey(link);
    var prefix = link.id.slice(0, link.id.length - key.length - 1);
    var shape = link.querySelector(".area");
    var feeling = select.value || "none";
    var words = select.value ? select.options[select.selectedIndex].text : "no answer";
    var label = select.labels && select.labels[0] ? select.labels[0].textContent : key;
    shape.setAttribute("class", "area area-" + key + " feel-" + feeling);
    shape.setAttribute("fill", HATCHED[feeling] ? "url(#" + prefix + "-" + feeling + ")" : "#ffffff");
    link.setAttribute("aria-label", label + ": " + words);
    var title = shape.querySelector("title");
    if (title) { title.textContent = label + ": " + words; }
  }

  function enhance(picker) {
    var links = picker.querySelectorAll(".area-link");
    var panel = picker.querySelector(".picker-panel");
    picker.classList.add("enhanced");
    if (panel) { panel.hidden = false; }
    links.forEach(function (link) {
      var select = document.getElementById("sensation-" + areaKey(link));
      if (!select) { return; }
      var row = select.closest(".map-area");
      select.addEventListener("change", function () { paint(link, select); });
      link.addEventListener("click", function (event) {
        event.preventDefault();
        picker.querySelectorAll(".map-area.chosen").forEach(function (r) { r.classList.remove("chosen"); });
        links.forEach(function (l) { l.classList.remove("chosen"); });
        row.classList.add("chosen");
        link.classList.add("chosen");
        select.focus();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".body-picker").forEach(enhance);
  });
}());
