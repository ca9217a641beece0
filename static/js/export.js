// While the export is being made, say so (the download then starts by itself).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector(".export-form");
    var status = document.querySelector(".export-status");
    if (!form || !status) { return; }
    form.addEventListener("submit", function () {
      window.setTimeout(function () { status.hidden = false; }, 400);
    });
  });
}());
