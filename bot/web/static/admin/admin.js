/* Staff pages: the chat preview (the widget's own safe Markdown renderer, which builds DOM
 * nodes and never uses innerHTML), confirmations, and the training progress. */
(function () {
  "use strict";

  // --- preview ---------------------------------------------------------------------------
  var fields = document.querySelectorAll("textarea[data-preview]");
  var chat = document.querySelector(".chat");
  var phone = chat ? chat.getAttribute("data-phone") || "" : "";

  function renderInto(target, text) {
    while (target.firstChild) target.removeChild(target.firstChild);
    var filled = String(text || "").replace(/\{clinic_phone\}/g, phone);
    if (window.ClinicChat && window.ClinicChat.renderMarkdown) {
      target.appendChild(window.ClinicChat.renderMarkdown(filled));
    } else {
      target.textContent = filled; // the renderer is not loaded yet: plain text
    }
  }

  function updateAll() {
    Array.prototype.forEach.call(fields, function (field) {
      var target = document.getElementById(field.getAttribute("data-preview"));
      if (target) renderInto(target, field.value);
    });
  }

  if (fields.length) {
    Array.prototype.forEach.call(fields, function (field) {
      field.addEventListener("input", updateAll);
    });
    updateAll();
    var tries = 0;
    var wait = setInterval(function () {
      tries += 1;
      if ((window.ClinicChat && window.ClinicChat.renderMarkdown) || tries > 50) {
        clearInterval(wait);
        updateAll();
      }
    }, 100);
  }

  // --- confirmations -----------------------------------------------------------------------
  Array.prototype.forEach.call(document.querySelectorAll("form[data-confirm]"), function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
    });
  });

  // --- training progress -------------------------------------------------------------------
  var training = document.getElementById("training");
  if (training && training.getAttribute("data-active") === "true") {
    var url = training.getAttribute("data-status-url");
    var poll = setInterval(function () {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (data) {
          var message = document.getElementById("training-message");
          if (data.job && message) message.textContent = data.job.message;
          if (!data.active) {
            clearInterval(poll);
            window.location.reload();
          }
        })
        .catch(function () { /* try again at the next tick */ });
    }, 2000);
  }
})();
