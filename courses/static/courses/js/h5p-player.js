// The lesson page's side of its H5P activities. Each activity plays in its own
// sandboxed frame (an opaque origin: package code never runs with the site's origin
// or cookies; see courses/h5p/serving.py and h5p-frame.js). This script answers a
// frame that says "ready" with the activity's IRI and the learner's saved state,
// and takes from it only well-formed messages: xAPI statements about its own
// activity (posted to /xapi/statements with the session and CSRF token, where the
// server decides what they count for), its state (saved as it changes) and its
// height.
(function () {
  "use strict";
  var config = document.getElementById("h5p-config");
  var nodes = Array.prototype.slice.call(document.querySelectorAll(".h5p-activity"));
  if (!config || !nodes.length) return;
  config = JSON.parse(config.textContent);
  var labels = config.labels || {};

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, body, extraHeaders) {
    var headers = { "Content-Type": "application/json", "X-CSRFToken": csrfToken() };
    Object.keys(extraHeaders || {}).forEach(function (k) { headers[k] = extraHeaders[k]; });
    return fetch(url, {
      method: "POST", credentials: "same-origin", headers: headers, body: JSON.stringify(body),
      keepalive: true  // a state saved as the page closes still arrives
    });
  }

  function statusFor(iri) {
    var node = nodes.filter(function (n) { return n.getAttribute("data-h5p-iri") === iri; })[0];
    return node ? node.parentNode.querySelector(".h5p-status") : null;
  }

  // The learner is the actor, and the launch the server issued for the activity
  // (data-h5p-registration) goes into context.registration: without it a result
  // is stored but counts for nothing.
  function withLaunch(statement) {
    var iri = statement.object.id.replace(/\?.*$/, "");
    var node = nodes.filter(function (n) { return n.getAttribute("data-h5p-iri") === iri; })[0];
    var registration = node && node.getAttribute("data-h5p-registration");
    if (config.actor) statement.actor = config.actor;
    if (registration) {
      statement.context = statement.context || {};
      statement.context.registration = registration;
    }
    return statement;
  }

  var FINAL = /\/(answered|completed|passed|failed)$/;
  var CHANNEL = "civicskills-h5p";
  var MAX_STATE = 64 * 1024;

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  // A statement from the frame of `node`: about that activity (or a part of it),
  // with a verb; anything else is dropped.
  function validStatement(node, statement) {
    if (!isObject(statement) || !isObject(statement.object) || !isObject(statement.verb)) {
      return false;
    }
    var id = statement.object.id, verb = statement.verb.id;
    var iri = node.getAttribute("data-h5p-iri");
    if (typeof id !== "string" || typeof verb !== "string") return false;
    if (id.indexOf(config.activityBase) !== 0) return false;
    return id === iri || id.indexOf(iri + "?") === 0;
  }

  function onStatement(statement) {
    withLaunch(statement);
    post(config.xapiUrl, statement, { "X-Experience-API-Version": "1.0.3" })
      .then(function (response) {
        var parent = statement.context && statement.context.contextActivities &&
          statement.context.contextActivities.parent;
        if (!FINAL.test(statement.verb.id) || parent) return;
        var status = statusFor(statement.object.id.replace(/\?.*$/, ""));
        if (status) status.textContent = response.ok ? labels.saved : labels.failed;
        if (response.ok) document.dispatchEvent(new CustomEvent("h5p:result"));
      })
      .catch(function () {
        var status = statusFor(statement.object.id.replace(/\?.*$/, ""));
        if (status) status.textContent = labels.failed;
      });
  }

  var latest = {};
  var lastSaved = {};
  function saveStates() {
    Object.keys(latest).forEach(function (id) {
      var state = latest[id];
      if (!state || state === "RESET" || lastSaved[id] === state) return;
      lastSaved[id] = state;
      post(config.stateUrl + id + "/", { state: state });
    });
  }

  function unavailable(node) {
    node.innerHTML = "";
    var message = document.createElement("p");
    message.className = "notice";
    message.textContent = labels.unavailable;
    node.appendChild(message);
  }

  var frames = nodes.map(function (node) {
    var frame = node.querySelector("iframe.h5p-sandbox");
    if (frame) {
      frame.style.width = "100%";
      frame.style.border = "0";
      frame.style.height = "12rem";
    }
    return frame;
  });

  window.addEventListener("message", function (event) {
    var index = -1;
    for (var i = 0; i < frames.length; i++) {
      if (frames[i] && frames[i].contentWindow === event.source) index = i;
    }
    // Only our frames, from the content origin ("null": the sandbox's opaque one).
    if (index < 0 || event.origin !== config.contentOrigin) return;
    var data = event.data, node = nodes[index], frame = frames[index];
    if (!isObject(data) || data.channel !== CHANNEL || typeof data.type !== "string") return;
    var id = node.getAttribute("data-h5p-id");
    if (data.type === "ready") {
      var previous = (config.states || {})[id];
      frame.contentWindow.postMessage({
        channel: CHANNEL,
        type: "init",
        iri: node.getAttribute("data-h5p-iri"),
        state: typeof previous === "string" ? previous : null
      }, config.contentOrigin === "null" ? "*" : config.contentOrigin);
    } else if (data.type === "statement") {
      if (validStatement(node, data.statement)) onStatement(data.statement);
    } else if (data.type === "state") {
      if (typeof data.state === "string" && data.state.length <= MAX_STATE) {
        latest[id] = data.state;
      }
    } else if (data.type === "height") {
      var height = Number(data.height);
      if (isFinite(height)) {
        frame.style.height = Math.max(80, Math.min(Math.ceil(height), 4000)) + "px";
      }
    } else if (data.type === "unavailable") {
      unavailable(node);
    }
  });
  setInterval(saveStates, 5000);
  window.addEventListener("pagehide", saveStates);
})();
