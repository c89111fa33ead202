// Roster import progress: polls the status endpoint until the import is applied or
// has failed, then updates the bar (and shows the error).
(function () {
  "use strict";
  const root = document.querySelector("[data-roster-progress]");
  if (!root) return;
  const bar = root.querySelector("progress");
  const percent = root.querySelector("[data-roster-percent]");
  const status = root.querySelector("[data-roster-status]");
  const error = root.querySelector("[data-roster-error]");

  function poll() {
    fetch(root.dataset.statusUrl, {
      credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest" },
    })
      .then((response) => response.json())
      .then((data) => {
        bar.value = data.percent;
        percent.textContent = data.percent;
        status.textContent = data.status_label;
        if (data.error) {
          error.hidden = false;
          error.querySelector("p").textContent = data.error;
        }
        if (!data.done) window.setTimeout(poll, 1500);
      })
      .catch(() => window.setTimeout(poll, 5000));
  }
  poll();
})();
