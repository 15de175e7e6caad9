// V4 on the push form (templates/projects/form.html): when the clerk has typed the 统一社会信用代码 of the 建设单位 or
// the 施工总承包单位, ask the server (projects:enterprise_flags) for that enterprise's flags and show them beside the
// fieldset's legend, as the same tags the enterprise_mark template tag renders; a code without flags removes them.
// Without JavaScript the server shows the mark when the form comes back (ProjectForm.marked_sections).
(function () {
  var form = document.querySelector("form[data-enterprise-flags-url]");
  if (!form) { return; }
  var url = form.getAttribute("data-enterprise-flags-url");
  // 18 characters of the GB 32100 alphabet; the server checks the check digit.
  var USCC = /^[0-9A-HJ-NPQRTUWXY]{18}$/;

  function normalise(value) {
    // As common.validators.normalize_uscc: full-width characters (IME on) folded, spaces and dashes dropped.
    return (value.normalize ? value.normalize("NFKC") : value).replace(/[\s-]+/g, "").toUpperCase();
  }

  form.querySelectorAll("[data-enterprise-mark]").forEach(function (box) {
    var input = form.querySelector("input[name=" + box.getAttribute("data-enterprise-mark") + "_uscc]");
    if (!input) { return; }
    // The code the shown mark belongs to (the server rendered the one in the field); an older answer that
    // arrives after a newer question is dropped.
    var asked = normalise(input.value);

    function show(flags) {
      box.textContent = "";
      flags.forEach(function (flag, i) {
        if (i) { box.appendChild(document.createTextNode(" ")); }
        var tag = document.createElement("span");
        tag.className = "tag " + flag["class"];
        tag.title = flag.title;
        tag.textContent = flag.label;
        box.appendChild(tag);
      });
    }

    function check() {
      var code = normalise(input.value);
      if (code === asked) { return; }
      asked = code;
      if (!USCC.test(code)) { show([]); return; }
      fetch(url + "?uscc=" + encodeURIComponent(code), {
        credentials: "same-origin", headers: { "Accept": "application/json" }, cache: "no-store"
      })
        .then(function (response) {
          var type = response.headers.get("Content-Type") || "";
          if (!response.ok || type.indexOf("json") < 0) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (answer) { if (code === asked) { show(answer.flags || []); } })
        // Logged out or the server restarting: not known, so no mark; the next blur asks again, and the server
        // shows the mark when the form is submitted.
        .catch(function () { if (code === asked) { asked = null; show([]); } });
    }

    input.addEventListener("change", check);
    input.addEventListener("blur", check);
  });
})();
