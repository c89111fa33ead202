// Active reading time: counts only while the tab is visible and the learner has
// interacted in the last minute, and reports it to the server in small beats.
// The server caps every beat by the time since the previous one, so a forged or
// replayed beat gains nothing.
(function () {
  "use strict";
  var article = document.querySelector("[data-heartbeat-url]");
  if (!article) return;
  var url = article.getAttribute("data-heartbeat-url");
  var interval = parseInt(article.getAttribute("data-heartbeat-seconds"), 10) || 30;
  // The server's proof that it rendered this page: beats count only with it.
  var view = article.getAttribute("data-lesson-view") || "";
  var idleAfterMs = 60 * 1000;
  var lastInteraction = Date.now();
  var pending = 0;
  var label = document.querySelector("[data-active-time]");

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function active() {
    return document.visibilityState === "visible" && Date.now() - lastInteraction < idleAfterMs;
  }

  ["pointerdown", "keydown", "scroll", "touchstart", "mousemove", "wheel"].forEach(function (name) {
    window.addEventListener(name, function () { lastInteraction = Date.now(); }, { passive: true });
  });

  setInterval(function () { if (active()) pending += 1; }, 1000);

  function send(useBeacon) {
    if (pending <= 0) return;
    var seconds = pending;
    pending = 0;
    var body = new URLSearchParams({ seconds: String(seconds), view: view });
    if (useBeacon && navigator.sendBeacon) {
      body.append("csrfmiddlewaretoken", csrfToken());
      navigator.sendBeacon(url, body);
      return;
    }
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch" },
      body: body
    }).then(function (response) {
      return response.status < 500 ? response.json() : null;
    }).then(function (data) {
      if (data && label && (data.label || data.error)) label.textContent = data.label || data.error;
    }).catch(function () { pending += seconds; });
  }

  // Opening the page starts the server's clock (the page view itself writes nothing).
  fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch" },
    body: new URLSearchParams({ open: "1", view: view })
  }).catch(function () {});

  setInterval(function () { send(false); }, interval * 1000);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") send(true);
  });
  window.addEventListener("pagehide", function () { send(true); });
})();
