/* Quiz attempt page: countdown to the server's deadline, autosave of each answer and
   the "answered" count. The page works without this script: the submit button posts
   every answer, and the server keeps the time limit either way. */
(function () {
  "use strict";

  var form = document.getElementById("quiz-form");
  if (!form) {
    return;
  }
  var text = form.dataset;
  var answerUrl = text.answerUrl;
  var csrfInput = form.querySelector("input[name=csrfmiddlewaretoken]");
  var csrfToken = csrfInput ? csrfInput.value : "";
  var announcer = document.getElementById("quiz-announce");
  var alertBox = document.getElementById("quiz-alert");
  var answeredCount = document.getElementById("quiz-answered");
  var submitting = false;
  var CHOICE_TYPES = { single: true, multiple: true, truefalse: true };
  var TEXT_DELAY_MS = 800;

  function fieldsets() {
    return Array.prototype.slice.call(form.querySelectorAll("fieldset[data-question]"));
  }

  function responseFor(fieldset) {
    var type = fieldset.dataset.type;
    if (CHOICE_TYPES[type]) {
      var chosen = fieldset.querySelectorAll("input:checked");
      return {
        option_ids: Array.prototype.map.call(chosen, function (input) {
          return Number(input.value);
        })
      };
    }
    var input = fieldset.querySelector(".answer-input");
    var value = input ? input.value : "";
    return type === "numeric" ? { value: value.trim() } : { text: value };
  }

  function isAnswered(fieldset) {
    var response = responseFor(fieldset);
    if (response.option_ids) {
      return response.option_ids.length > 0;
    }
    return String(response.text !== undefined ? response.text : response.value).trim() !== "";
  }

  function updateAnswered() {
    var count = 0;
    fieldsets().forEach(function (fieldset) {
      var answered = isAnswered(fieldset);
      fieldset.classList.toggle("is-answered", answered);
      if (answered) {
        count += 1;
      }
    });
    if (answeredCount) {
      answeredCount.textContent = String(count);
    }
  }

  function setStatus(fieldset, state, message) {
    var status = fieldset.querySelector(".save-status");
    if (!status) {
      return;
    }
    status.className = "save-status is-" + state;
    status.textContent = message;
  }

  function showAlert(message) {
    if (!alertBox) {
      return;
    }
    alertBox.textContent = message;
    alertBox.hidden = false;
  }

  // Autosave ----------------------------------------------------------------------
  // One request at a time per question, and the latest answer always goes last, so
  // a slow reply can never overwrite a newer answer on the server.
  var saving = {};

  function save(fieldset) {
    if (submitting) {
      return;
    }
    var id = fieldset.dataset.question;
    var state = saving[id] || (saving[id] = { busy: false, again: false });
    if (state.busy) {
      state.again = true;
      return;
    }
    state.busy = true;
    setStatus(fieldset, "saving", text.saving);
    fetch(answerUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken
      },
      body: JSON.stringify({ question_id: Number(id), response: responseFor(fieldset) })
    })
      .then(function (reply) {
        return reply.json().then(
          function (data) { return { ok: reply.ok, data: data }; },
          function () { return { ok: false, data: {} }; }
        );
      })
      .then(function (result) {
        if (result.ok && result.data.saved) {
          setStatus(fieldset, "saved", result.data.message || text.saved);
          return;
        }
        var message = result.data.error || text.offline;
        setStatus(fieldset, "error", message);
        if (result.data.code === "attempt_submitted" || result.data.code === "deadline_passed") {
          showAlert(message);
        }
      })
      .catch(function () {
        setStatus(fieldset, "error", text.offline);
      })
      .then(function () {
        state.busy = false;
        if (state.again) {
          state.again = false;
          save(fieldset);
        }
      });
  }

  var textTimers = {};

  form.addEventListener("change", function (event) {
    var fieldset = event.target.closest("fieldset[data-question]");
    if (!fieldset) {
      return;
    }
    clearTimeout(textTimers[fieldset.dataset.question]);
    updateAnswered();
    save(fieldset);
  });

  form.addEventListener("input", function (event) {
    if (!event.target.classList.contains("answer-input")) {
      return;
    }
    var fieldset = event.target.closest("fieldset[data-question]");
    var id = fieldset.dataset.question;
    updateAnswered();
    clearTimeout(textTimers[id]);
    textTimers[id] = setTimeout(function () { save(fieldset); }, TEXT_DELAY_MS);
  });

  // Enter in a text answer saves it instead of submitting the whole quiz.
  form.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.classList.contains("answer-input")) {
      event.preventDefault();
      var fieldset = event.target.closest("fieldset[data-question]");
      clearTimeout(textTimers[fieldset.dataset.question]);
      save(fieldset);
    }
  });

  form.addEventListener("submit", function (event) {
    if (submitting) {
      event.preventDefault();
      return;
    }
    submitting = true;
    var button = form.querySelector("button[type=submit]");
    if (button) {
      // After the form's data is collected, so nothing posted is lost.
      setTimeout(function () { button.disabled = true; }, 0);
    }
  });

  // Timer -------------------------------------------------------------------------
  var timer = document.getElementById("quiz-timer");

  function pad(number) {
    return (number < 10 ? "0" : "") + number;
  }

  function clock(ms) {
    var total = Math.ceil(ms / 1000);
    var hours = Math.floor(total / 3600);
    var minutes = Math.floor((total % 3600) / 60);
    var seconds = total % 60;
    return (hours ? hours + ":" + pad(minutes) : pad(minutes)) + ":" + pad(seconds);
  }

  function announce(message) {
    if (announcer) {
      announcer.textContent = message;
    }
  }

  function submitForTimeUp() {
    if (submitting) {
      return;
    }
    submitting = true;
    announce(text.timeUp);
    showAlert(text.timeUp);
    var flag = document.createElement("input");
    flag.type = "hidden";
    flag.name = "timeout";
    flag.value = "1";
    form.appendChild(flag);
    HTMLFormElement.prototype.submit.call(form);
  }

  if (timer) {
    var deadline = Number(timer.dataset.deadline);
    // Count against the server's clock: a phone's clock may be minutes off.
    var offset = Number(timer.dataset.serverNow) - Date.now();
    var remainingAtLoad = deadline - (Date.now() + offset);
    var announced = {
      five: remainingAtLoad <= 5 * 60 * 1000,
      one: remainingAtLoad <= 60 * 1000
    };
    var tick = function () {
      var remaining = Math.max(0, deadline - (Date.now() + offset));
      timer.textContent = clock(remaining);
      timer.classList.toggle("is-low", remaining <= 5 * 60 * 1000);
      timer.classList.toggle("is-critical", remaining <= 60 * 1000);
      if (!announced.five && remaining <= 5 * 60 * 1000) {
        announced.five = true;
        announce(text.fiveMinutes);
      }
      if (!announced.one && remaining <= 60 * 1000) {
        announced.one = true;
        announce(text.oneMinute);
      }
      if (remaining <= 0) {
        clearInterval(interval);
        submitForTimeUp();
      }
    };
    var interval = setInterval(tick, 1000);
    tick();
  }

  updateAnswered();
})();
