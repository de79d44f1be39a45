// The job page asks the server every two seconds how the work goes: progress is updated in
// place, and the page is loaded again when the state changes (started, done, failed).
// Without JavaScript the page has a link that updates it.
(function () {
  "use strict";
  var box = document.querySelector("[data-job-waiting]");
  if (!box) return;
  var url = box.getAttribute("data-job");
  var status = box.getAttribute("data-job-status");
  function look() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) { window.setTimeout(look, 5000); return; }
        if (state.finished || state.status !== status) {
          window.location.reload();
          return;
        }
        status = state.status;
        var text = box.querySelector("[data-job-progress]");
        var bar = box.querySelector("progress");
        if (text) text.textContent = state.text;
        if (bar && state.total) { bar.max = state.total; bar.value = state.done; }
        window.setTimeout(look, 2000);
      })
      .catch(function () { window.setTimeout(look, 5000); });
  }
  window.setTimeout(look, 1000);
})();
