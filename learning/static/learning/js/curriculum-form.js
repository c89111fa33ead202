// HR's curriculum form: filterable department checklists, fields shown only when
// they apply to the chosen due rule and recurrence, and a live count of the
// people the audience selects (asked of the server, which applies the same rule
// as the assignments; nothing is saved).
(function () {
function start() {
  "use strict";
  var trees = Array.prototype.slice.call(document.querySelectorAll("[data-dept-tree]"));
  var form = trees.length ? trees[0].closest("form") : null;
  if (!form) return;

  function wrapperOf(element) {
    return element && (element.closest(".w-field__wrapper") || element.parentNode);
  }

  // Department checklists -------------------------------------------------------
  trees.forEach(function (tree) {
    var list = tree.querySelector(":scope > div");
    if (!list) return;
    var options = Array.prototype.slice.call(list.querySelectorAll("input[type=checkbox]"));
    var search = document.createElement("input");
    search.type = "search";
    search.className = "dept-tree__search";
    search.setAttribute("aria-label", tree.dataset.searchLabel);
    search.placeholder = tree.dataset.searchLabel;
    var empty = document.createElement("p");
    empty.textContent = tree.dataset.noMatchLabel;
    empty.hidden = true;
    var chosen = document.createElement("p");
    chosen.className = "dept-tree__chosen";
    chosen.setAttribute("aria-live", "polite");
    tree.insertBefore(search, list);
    tree.insertBefore(empty, list);
    tree.appendChild(chosen);

    function rowOf(input) { return input.closest("label").parentNode; }
    function filter() {
      var query = search.value.trim().toLowerCase();
      var shown = 0;
      options.forEach(function (input) {
        var text = (input.dataset.path || input.parentNode.textContent).toLowerCase();
        var match = !query || text.indexOf(query) !== -1;
        rowOf(input).hidden = !match;
        if (match) shown += 1;
      });
      empty.hidden = shown > 0;
    }
    function summarise() {
      var names = options.filter(function (input) { return input.checked; })
        .map(function (input) { return input.dataset.path || input.parentNode.textContent.trim(); });
      chosen.textContent = tree.dataset.selectedLabel + " " +
        (names.length ? names.join(" · ") : tree.dataset.noneLabel);
    }
    search.addEventListener("input", filter);
    // Enter in the filter must not submit the curriculum.
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") event.preventDefault();
    });
    list.addEventListener("change", summarise);
    summarise();
  });

  // Fields that apply -------------------------------------------------------------
  var dueKind = form.querySelector("[name=due_kind]");
  var dueDate = wrapperOf(form.querySelector("[name=due_date]"));
  var recurrence = form.querySelector("[name=recurrence_months]");
  var renewal = wrapperOf(form.querySelector("[name=renewal_window_days]"));
  function showApplicable() {
    if (dueKind && dueDate) dueDate.hidden = dueKind.value !== "fixed";
    if (recurrence && renewal) renewal.hidden = !(Number(recurrence.value) > 0);
  }
  [dueKind, recurrence].forEach(function (field) {
    if (field) field.addEventListener("input", showApplicable);
    if (field) field.addEventListener("change", showApplicable);
  });
  showApplicable();

  // Live audience count -------------------------------------------------------------
  var preview = document.createElement("p");
  preview.className = "curriculum-preview";
  preview.setAttribute("role", "status");
  preview.setAttribute("aria-live", "polite");
  form.insertBefore(preview, form.firstElementChild);
  var url = trees[0].dataset.previewUrl;
  var timer = null, asked = 0;
  var AUDIENCE = /^(owner_department|status|departments|departments_exact|positions|ranks|individual_numbers|excluded_departments|excluded_numbers)$/;
  function ask() {
    var mine = ++asked;
    fetch(url, { method: "POST", body: new FormData(form), credentials: "same-origin",
                 headers: { "X-Requested-With": "XMLHttpRequest" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || mine !== asked) return;
        preview.textContent = data.text;
        preview.dataset.state = data.state;
      })
      .catch(function () { /* the count is a help; the form works without it */ });
  }
  form.addEventListener("change", function (event) {
    if (!event.target.name || !AUDIENCE.test(event.target.name)) return;
    clearTimeout(timer);
    timer = setTimeout(ask, 300);
  });
  ask();
}
// The back office may load this script in the page's head: start once the form is there.
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", start);
} else {
  start();
}
})();
