// Small progressive enhancements only; every page works without JavaScript.
(function () {
  // Long submissions (Excel import): show progress and prevent a double submit.
  document.querySelectorAll("form[data-progress]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var note = document.createElement("div");
      note.className = "progress-note";
      note.setAttribute("role", "status");
      note.innerHTML = '<span class="spinner"></span>' + form.getAttribute("data-progress");
      form.appendChild(note);
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    });
  });
  // Irreversible actions (a push is recorded against the unit, P6) ask once.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
  // USCC is upper-case letters and digits: normalise as the clerk types.
  document.querySelectorAll("input[name$=_uscc]").forEach(function (input) {
    input.addEventListener("blur", function () { input.value = input.value.replace(/\s+/g, "").toUpperCase(); });
  });
})();

// A printed page holds every row: folded rows (<details class="more-rows">, e.g. the dashboard's ranking beyond
// its first 10 units) are opened for printing and folded again afterwards.
(function () {
  var opened = [];
  window.addEventListener("beforeprint", function () {
    opened = Array.prototype.filter.call(document.querySelectorAll("details.more-rows:not([open])"), function (d) {
      d.open = true;
      return true;
    });
  });
  window.addEventListener("afterprint", function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();

