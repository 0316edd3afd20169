// The editor form's helpers. The form works without them: the server counts
// too, refuses what is too long with the text kept, and marks bad fields.
(function () {
  "use strict";

  // Counted as the server counts: code points (Array.from, not .length, which
  // counts UTF-16 units), and a line break as one (a textarea's value holds
  // LF; browsers post CRLF, which the server turns back into LF).
  function characters(text) {
    return Array.from(text).length;
  }

  function formatNumber(number) {
    return new Intl.NumberFormat(document.documentElement.lang || undefined).format(number);
  }

  function fill(pattern, values) {
    return pattern.replace(/\{(count|max|over)\}/g, function (_match, name) { return formatNumber(values[name]); });
  }

  // A field's label as a screen reader should hear it with the news: the
  // fieldset's legend and the field's own label ("Summary English").
  function fieldName(field) {
    var parts = [], fieldset = field.closest("fieldset"), label = field.labels && field.labels[0];
    var legend = fieldset && fieldset.querySelector("legend");
    if (legend) parts.push(legend.textContent.trim());
    if (label && (!legend || label.textContent.trim() !== legend.textContent.trim())) parts.push(label.textContent.trim());
    return parts.join(" ");
  }

  // Invalid: a server error shown beside the field, or too many characters.
  function markInvalid(field) {
    var error = document.getElementById("error-" + field.name);
    var over = field.classList.contains("over");
    if (over || (error && error.textContent.trim())) field.setAttribute("aria-invalid", "true");
    else field.removeAttribute("aria-invalid");
  }

  function updateCounter(field, announce) {
    var form = field.form, counter = document.getElementById("count-" + field.name);
    if (!form || !counter) return;
    var limit = Number(field.dataset.limit), count = characters(field.value);
    var over = count > limit, wasOver = field.classList.contains("over");
    var text = fill(over ? form.dataset.countOver : form.dataset.countOk, { count: count, max: limit, over: count - limit });
    counter.textContent = text;
    counter.classList.toggle("over", over);
    field.classList.toggle("over", over);
    markInvalid(field);
    // Only going over the limit or back within it is announced, not each key.
    var status = document.getElementById("count-status");
    if (announce && status && over !== wasOver) status.textContent = fieldName(field) + ": " + text;
  }

  function setUp(root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll("[data-limit]").forEach(function (field) { updateCounter(field, false); });
  }

  document.addEventListener("DOMContentLoaded", function () { setUp(document); });
  document.addEventListener("input", function (event) {
    if (event.target.dataset && event.target.dataset.limit) updateCounter(event.target, true);
  });

  // The live preview swaps fresh errors in beside the fields: a field is
  // invalid, to assistive technology too, exactly while it has one.
  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("#article-form .field-error").forEach(function (error) {
      var field = document.getElementById(error.id.replace(/^error-/, ""));
      if (field) markInvalid(field);
    });
  });
})();
