/* Staff pages: the chat preview (the widget's own safe Markdown renderer, which builds DOM
 * nodes and never uses innerHTML), the check while typing, the draft preview chat, the
 * unsaved-changes warning, confirmations, and the training progress. Every text from the
 * server or typed by staff is put in as text (textContent) or through that renderer. */
(function () {
  "use strict";

  var editForm = document.querySelector("form[data-unsaved-warning]");
  var csrfInput = document.querySelector('input[name="csrf_token"]');
  var csrf = csrfInput ? csrfInput.value : "";

  function postForm(url, data) {
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    }).then(function (response) {
      return response.json();
    });
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

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

  // --- check while typing ------------------------------------------------------------------
  // /admin/api/check validates the text as publishing will, a moment after typing stops;
  // its findings are shown under the field. Saving checks again: this is only a help.
  var CHECK_DELAY_MS = 600;
  Array.prototype.forEach.call(document.querySelectorAll("textarea[data-check]"), function (field) {
    var out = document.getElementById(field.id + "-check");
    if (!out) return;
    var timer = null;
    var latest = 0;

    function show(result) {
      var ok = Boolean(result.ok);
      out.hidden = false;
      out.className = "field-check " + (ok ? "check-ok" : "check-problem");
      out.textContent = [result.message || ""].concat(result.findings || []).join(" ");
      if (ok) field.removeAttribute("aria-invalid");
      else field.setAttribute("aria-invalid", "true");
    }

    function check() {
      var mine = ++latest;
      var data = new FormData();
      data.append("csrf_token", csrf);
      data.append("field", field.getAttribute("data-check"));
      data.append("text", field.value);
      postForm("/admin/api/check", data)
        .then(function (result) {
          if (mine === latest) show(result); // an older answer never overwrites a newer one
        })
        .catch(function () { /* offline or signed out: saving will say so */ });
    }

    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(check, CHECK_DELAY_MS);
    });
    if (field.value.trim()) check();
  });

  // --- the draft preview chat ---------------------------------------------------------------
  var tryBox = document.querySelector("section.try");
  if (tryBox && editForm) {
    var tryUrl = tryBox.getAttribute("data-url");
    var log = document.getElementById("try-log");
    var question = document.getElementById("try-question");
    var send = document.getElementById("try-send");

    var showTurn = function (asked, result) {
      var turn = element("div", "try-turn");
      turn.appendChild(element("div", "bubble mine", asked));
      if (result.ok) {
        turn.appendChild(element("p", "try-label", "Preview, not live"));
        (result.messages || []).forEach(function (message) {
          var bubble = element("div", "bubble");
          if (window.ClinicChat && window.ClinicChat.renderMarkdown) {
            bubble.appendChild(window.ClinicChat.renderMarkdown(message.text || ""));
          } else {
            bubble.textContent = message.text || "";
          }
          if (message.buttons && message.buttons.length) {
            var buttons = element("div", "try-buttons");
            message.buttons.forEach(function (title) {
              buttons.appendChild(element("span", "try-button", title));
            });
            bubble.appendChild(buttons);
          }
          turn.appendChild(bubble);
        });
      }
      var note = element("p", "try-note" + (result.ok ? "" : " check-problem"), result.ok ? result.note : result.message);
      if (result.ok) note.setAttribute("data-from-draft", result.from_draft ? "true" : "false");
      turn.appendChild(note);
      log.appendChild(turn);
      turn.scrollIntoView({ block: "nearest" });
    };

    var ask = function () {
      var asked = question.value.trim();
      if (!asked) {
        question.focus();
        return;
      }
      // The whole edit form goes with the question: the draft is the page as it is now.
      var data = new FormData(editForm);
      data.append("message", asked);
      send.disabled = true;
      postForm(tryUrl, data)
        .then(function (result) {
          showTurn(asked, result);
        })
        .catch(function () {
          showTurn(asked, { ok: false, message: "The preview could not be reached. Check the connection and try again." });
        })
        .then(function () {
          send.disabled = false;
        });
      // The question stays in the box: edit the text, then ask it again.
    };

    send.addEventListener("click", ask);
    question.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.isComposing) {
        event.preventDefault(); // Enter here asks; it must not submit (publish) the edit form
        ask();
      }
    });
  }

  // --- unsaved changes ------------------------------------------------------------------------
  // Leaving the edit page (a link, another form such as "Publish version N", closing the
  // tab) with changes not saved asks first. A page shown again after a refused save starts
  // out unsaved (data-unsaved): what is in its fields is not in the database.
  var UNSAVED = "You have changes on this page that are not saved. Leave without saving them?";
  var snapshot = function () {
    return new URLSearchParams(new FormData(editForm)).toString();
  };
  var savedState = editForm ? snapshot() : "";
  var startsUnsaved = Boolean(editForm) && editForm.getAttribute("data-unsaved") === "true";
  var leaving = false;
  var unsaved = function () {
    return Boolean(editForm) && !leaving && (startsUnsaved || snapshot() !== savedState);
  };

  window.addEventListener("beforeunload", function (event) {
    if (unsaved()) {
      event.preventDefault();
      event.returnValue = ""; // older browsers need it set to show the prompt
    }
  });

  document.addEventListener("click", function (event) {
    var link = event.target && event.target.closest ? event.target.closest("a[href]") : null;
    if (!link || link.target === "_blank" || link.getAttribute("href").charAt(0) === "#") return;
    if (!unsaved()) return;
    if (window.confirm(UNSAVED)) leaving = true; // asked once: not again by beforeunload
    else event.preventDefault();
  });

  // --- confirmations -----------------------------------------------------------------------
  Array.prototype.forEach.call(document.querySelectorAll("form"), function (form) {
    form.addEventListener("submit", function (event) {
      if (form !== editForm && unsaved() && !window.confirm(UNSAVED)) {
        event.preventDefault();
        return;
      }
      var confirmation = form.getAttribute("data-confirm");
      if (confirmation && !window.confirm(confirmation)) {
        event.preventDefault();
        return;
      }
      leaving = true;
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
