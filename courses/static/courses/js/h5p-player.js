// Plays the lesson's H5P activities with the h5p-standalone player served from our
// own static files, one after another (the player needs that), restores each
// learner's saved state, saves it as it changes and sends the activities' xAPI
// statements to /xapi/statements, where the server decides what they count for.
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
      method: "POST", credentials: "same-origin", headers: headers, body: JSON.stringify(body)
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
  function onStatement(event) {
    var statement = event && event.data && event.data.statement;
    if (!statement || !statement.object || !statement.object.id) return;
    if (statement.object.id.indexOf(config.activityBase) !== 0) return;
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
        var status = statusFor(statement.object.id);
        if (status) status.textContent = labels.failed;
      });
  }

  var lastSaved = {};
  function saveStates() {
    if (!window.H5PIntegration || !window.H5PIntegration.contents) return;
    nodes.forEach(function (node) {
      var id = node.getAttribute("data-h5p-id");
      var content = window.H5PIntegration.contents["cid-" + id];
      var data = content && content.contentUserData;
      var state = data && data[0] && data[0].state;
      if (!state || state === "RESET" || lastSaved[id] === state) return;
      lastSaved[id] = state;
      post(config.stateUrl + id + "/", { state: state });
    });
  }

  async function play() {
    var listening = false;
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      var id = node.getAttribute("data-h5p-id");
      var previous = (config.states || {})[id];
      node.innerHTML = "";
      try {
        await new window.H5PStandalone.H5P(node, {
          id: id,
          h5pJsonPath: node.getAttribute("data-h5p-path"),
          frameJs: config.frameJs,
          frameCss: config.frameCss,
          xAPIObjectIRI: node.getAttribute("data-h5p-iri"),
          frame: false,
          copyright: false,
          icon: false,
          fullScreen: false,
          saveFreq: 5,
          contentUserData: previous ? [{ dataType: "state", previousState: previous, subContentId: "*" }] : []
        });
      } catch (error) {
        node.innerHTML = "";
        var message = document.createElement("p");
        message.className = "notice";
        message.textContent = labels.unavailable;
        node.appendChild(message);
        continue;
      }
      if (!listening && window.H5P && window.H5P.externalDispatcher) {
        window.H5P.externalDispatcher.on("xAPI", onStatement);
        listening = true;
      }
    }
    setInterval(saveStates, 5000);
    window.addEventListener("pagehide", saveStates);
  }

  if (!window.H5PStandalone) {
    nodes.forEach(function (node) { node.textContent = labels.unavailable; });
    return;
  }
  play();
})();
