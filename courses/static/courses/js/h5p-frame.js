// Runs inside the sandboxed H5P frame: an opaque origin, so the package's code has
// no cookies, no session and no access to the lesson page. Plays one package with
// h5p-standalone and talks to the lesson page (the origin the server signed into
// this frame's URL) only by postMessage: it says "ready" until the page answers
// "init" with the activity's IRI and the learner's saved state, then sends each xAPI
// statement, the state when it changes and its own height (h5p-player.js checks
// them).
(function () {
  "use strict";
  var CHANNEL = "civicskills-h5p";

  // An opaque origin has no web storage (reading window.localStorage throws), and
  // the player and some libraries use it: give them storage that lasts as long as
  // the frame. This script loads before the player for this reason.
  function memoryStorage() {
    var items = {};
    return {
      getItem: function (key) {
        return Object.prototype.hasOwnProperty.call(items, key) ? items[key] : null;
      },
      setItem: function (key, value) { items[key] = String(value); },
      removeItem: function (key) { delete items[key]; },
      clear: function () { items = {}; },
      key: function (index) { return Object.keys(items)[index] || null; },
      get length() { return Object.keys(items).length; }
    };
  }
  ["localStorage", "sessionStorage"].forEach(function (name) {
    try {
      window[name].getItem("probe");
    } catch (error) {
      Object.defineProperty(window, name, { value: memoryStorage(), configurable: true });
    }
  });
  var config = JSON.parse(document.getElementById("h5p-frame-config").textContent);
  var root = document.getElementById("h5p-frame-root");
  var started = false;

  function send(message) {
    message.channel = CHANNEL;
    window.parent.postMessage(message, config.parentOrigin);
  }

  function unavailable(error) {
    if (error) console.error(error);
    root.textContent = config.unavailable;
    send({ type: "unavailable" });
  }

  function currentState() {
    var contents = window.H5PIntegration && window.H5PIntegration.contents;
    var content = contents && contents["cid-activity"];
    var data = content && content.contentUserData;
    return data && data[0] && data[0].state;
  }

  var lastState = null;
  function sendState() {
    var state = currentState();
    if (typeof state !== "string" || state === lastState) return;
    lastState = state;
    send({ type: "state", state: state });
  }

  var lastHeight = 0;
  function sendHeight() {
    var height = document.documentElement.scrollHeight;
    if (height === lastHeight) return;
    lastHeight = height;
    send({ type: "height", height: height });
  }

  function start(iri, previous) {
    if (!window.H5PStandalone) {
      unavailable(new Error("the H5P player did not load"));
      return;
    }
    new window.H5PStandalone.H5P(root, {
      id: "activity",
      // This frame is the sandbox: content renders in it directly (a nested frame
      // would get an opaque origin of its own, out of the player's reach).
      embedType: "div",
      h5pJsonPath: config.h5pJsonPath,
      frameJs: config.frameJs,
      frameCss: config.frameCss,
      xAPIObjectIRI: iri,
      frame: false,
      copyright: false,
      icon: false,
      fullScreen: false,
      saveFreq: 2,
      contentUserData: previous
        ? [{ dataType: "state", previousState: previous, subContentId: "*" }]
        : []
    }).then(function () {
      window.H5P.externalDispatcher.on("xAPI", function (event) {
        var statement = event && event.data && event.data.statement;
        if (statement) send({ type: "statement", statement: JSON.parse(JSON.stringify(statement)) });
      });
      setInterval(sendState, 1000);
      setInterval(sendHeight, 500);
      sendHeight();
    }, unavailable);
  }

  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || event.origin !== config.parentOrigin) return;
    var data = event.data;
    if (started || !data || data.channel !== CHANNEL || data.type !== "init") return;
    if (typeof data.iri !== "string") return;
    started = true;
    start(data.iri, typeof data.state === "string" ? data.state : null);
  });

  // Ask only once the player's script (the next <script> in this frame) has run:
  // on a slow line "init" could otherwise arrive while it is still downloading,
  // and the activity would be declared unavailable. The lesson page's script may
  // start after this frame, so ask until it answers.
  function ask() {
    var asking = setInterval(function () {
      if (started) clearInterval(asking);
      else send({ type: "ready" });
    }, 250);
    send({ type: "ready" });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ask);
  } else {
    ask();
  }
})();
