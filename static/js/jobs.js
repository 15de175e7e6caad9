// The job page (templates/common/job.html): poll the job's status once a second and move the progress bar.
// When the job ends, reload the page (the server renders the outcome) and start the download once.
// Without JavaScript the page refreshes itself (<noscript> meta refresh) and shows the same.
(function () {
  var box = document.querySelector("[data-job-status-url]");
  if (!box) { return; }
  var download = box.getAttribute("data-auto-download");
  if (download) {
    // Drop ?from=running first, so reloading the finished page doesn't download the file again.
    if (window.history && window.history.replaceState) { window.history.replaceState(null, "", window.location.pathname); }
    window.location.href = download;
    return;
  }
  if (box.getAttribute("data-job-finished") === "1") { return; }
  var url = box.getAttribute("data-job-status-url");
  function field(name) { return box.querySelector("[data-job-field=" + name + "]"); }
  var status = field("status"), text = field("text"), bar = field("bar"), hint = field("hint");
  var failures = 0;

  function show(s) {
    status.textContent = s.status_label;
    if (s.status === "queued") {
      text.textContent = "等待后台处理…";
    } else if (s.total) {
      text.textContent = "已完成 " + s.percent + "%（" + s.done + " / " + s.total + "）";
      bar.max = s.total;
      bar.value = s.done;
    } else {
      text.textContent = "正在准备…";
    }
    bar.textContent = s.percent + "%";
    hint.textContent = s.hint || "";
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" }, cache: "no-store" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("json") < 0) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (s) {
        failures = 0;
        show(s);
        if (s.finished) { window.location.replace(s.page_url + "?from=running"); } else { window.setTimeout(poll, 1000); }
      })
      .catch(function () {
        // Logged out (a redirect to the login page) or the server restarting: reload after a few tries.
        failures += 1;
        if (failures > 5) { window.location.reload(); } else { window.setTimeout(poll, 2000); }
      });
  }
  window.setTimeout(poll, 1000);
})();
