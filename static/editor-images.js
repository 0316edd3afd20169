// Images in the article form (templates/editor/_cover_fields.html and
// _insert_image.html): a chosen cover is uploaded at once and its key put in
// the hidden `cover` field; "Insert image" uploads a picture and puts its
// Markdown into both analyses at the cursor. Without this file the cover
// still goes with the form's own submit. Messages come from the page, in the
// editor's language.
(function () {
  "use strict";

  function csrfToken(form) {
    var field = form.querySelector("input[name=csrf_token]");
    return field ? field.value : "";
  }

  // POST a FormData to the upload route; resolves to {status, body}.
  function upload(form, url, data) {
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(form), Accept: "application/json" },
    }).then(function (response) {
      return response.json().then(
        function (body) { return { status: response.status, body: body }; },
        function () { return { status: response.status, body: {} }; }
      );
    });
  }

  function showError(element, message, input) {
    element.textContent = message || "";
    if (input) {
      if (message) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
  }

  // The form changed: the preview and the "unsaved changes" warning should know.
  function changed(form) {
    form.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function setUpCover(form) {
    var input = form.querySelector("#cover_file");
    var key = form.querySelector("#cover");
    var thumb = form.querySelector("#cover-thumb");
    var error = form.querySelector("#error-cover");
    if (!input || !key) return;
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) return;
      input.value = ""; // the file goes up now, never again with the form or its preview
      if (file.size > Number(input.dataset.maxBytes)) {
        showError(error, input.dataset.tooBig, input);
        return;
      }
      var data = new FormData();
      data.append("image", file);
      data.append("purpose", "cover");
      upload(form, input.dataset.uploadUrl, data).then(function (answer) {
        if (answer.status !== 200) {
          var errors = answer.body.errors || {};
          showError(error, errors.image || input.dataset.failed, input);
          return;
        }
        showError(error, "", input);
        key.value = answer.body.key;
        var img = document.createElement("img");
        img.src = answer.body.thumbnail;
        img.alt = "";
        thumb.replaceChildren(img);
        changed(form);
      }, function () {
        showError(error, input.dataset.failed, input);
      });
    });
  }

  // Put `text` into a textarea at its cursor (at the end if it was never focused), on a line of its own.
  function insertAt(textarea, text) {
    var start = textarea.selectionStart, end = textarea.selectionEnd, value = textarea.value;
    if (document.activeElement !== textarea && start === 0 && end === 0) start = end = value.length;
    var before = value.slice(0, start), after = value.slice(end);
    var block = (before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "") + text +
      (after && !/^\n\n/.test(after) ? "\n\n" : "");
    textarea.value = before + block + after;
    var caret = before.length + block.length;
    textarea.setSelectionRange(caret, caret);
  }

  function setUpInsert(form) {
    var button = form.querySelector("#insert-button");
    if (!button) return;
    var fileInput = form.querySelector("#insert-file");
    var status = form.querySelector("#insert-status");
    var langs = ["en", "zh"];
    var fields = { image: fileInput };
    langs.forEach(function (code) { fields["alt_" + code] = form.querySelector("#insert-alt-" + code); });
    function clearErrors() {
      Object.keys(fields).forEach(function (name) { showError(form.querySelector("#insert-error-" + name), "", fields[name]); });
    }
    // Enter in a description uploads and inserts, instead of submitting the article.
    langs.forEach(function (code) {
      fields["alt_" + code].addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
          event.preventDefault();
          button.click();
        }
      });
    });
    button.addEventListener("click", function () {
      clearErrors();
      status.textContent = "";
      var file = fileInput.files && fileInput.files[0];
      if (file && file.size > Number(button.dataset.maxBytes)) {
        showError(form.querySelector("#insert-error-image"), button.dataset.tooBig, fileInput);
        return;
      }
      var data = new FormData();
      if (file) data.append("image", file);
      data.append("purpose", "insert");
      langs.forEach(function (code) { data.append("alt_" + code, fields["alt_" + code].value); });
      button.disabled = true;
      upload(form, button.dataset.uploadUrl, data).then(function (answer) {
        button.disabled = false;
        if (answer.status !== 200) {
          var errors = answer.body.errors || { image: button.dataset.failed };
          Object.keys(errors).forEach(function (name) {
            if (fields[name]) showError(form.querySelector("#insert-error-" + name), errors[name], fields[name]);
          });
          return;
        }
        langs.forEach(function (code) {
          insertAt(form.querySelector("[name=analysis_" + code + "]"), answer.body.markdown[code]);
        });
        fileInput.value = "";
        langs.forEach(function (code) { fields["alt_" + code].value = ""; });
        status.textContent = button.dataset.done;
        changed(form);
      }, function () {
        button.disabled = false;
        showError(form.querySelector("#insert-error-image"), button.dataset.failed, fileInput);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("article-form");
    if (!form) return;
    setUpCover(form);
    setUpInsert(form);
  });
})();
