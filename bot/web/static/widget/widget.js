/*
 * The clinic's chat widget: a launcher button and a chat panel that talk to the Rasa
 * server's socket.io channel. Vanilla JS, no framework; served by bot/web as
 * /widget/widget.js, bundled with the vendored socket.io-client (which provides `io`).
 *
 * Embed (README, "Website widget"):
 *   <script src="https://BOT-WEBSITE/widget/widget.js" data-server="https://RASA-SERVER"
 *           data-title="..." data-color="#0a58a3" data-greeting="..." async></script>
 *
 * Safety: message text is never parsed as HTML. renderMarkdown() builds DOM nodes from a
 * tiny Markdown subset (paragraphs, lists, bold, italics, https/mailto/tel links, and
 * backslash escapes, which make patient text repeated in a reply literal) and everything
 * else is inserted as text.
 */
(function () {
  "use strict";

  var VERSION = "1.1.0";
  var MAX_STORED_MESSAGES = 100;
  var REPLY_TIMEOUT_MS = 30000;
  // What a patient may type. Below the server's own cut (bot/channels/guard.py,
  // MAX_MESSAGE_CHARS = 2000), so a message from the widget is never cut; the box never
  // cuts either: near the limit it counts down, past it it says so and does not send.
  var MAX_MESSAGE_CHARS = 1000;
  var COUNT_FROM = 100; // characters left when the count appears
  var ANNOUNCE_AT = [100, 50, 20, 10, 0]; // ...and when screen readers hear it
  // The phone layout (widget.css): the chat fills the screen and is modal.
  var PHONE_MEDIA = "(max-width: 480px)";

  if (window.ClinicChat && window.ClinicChat.loaded) {
    return; // pasted twice: one widget is enough
  }

  var script = document.currentScript;
  var scriptUrl = script && script.src ? script.src : window.location.href;
  var data = (script && script.dataset) || {};
  var extra = window.ClinicChatConfig || {};

  function option(name, fallback) {
    var value = extra[name] !== undefined ? extra[name] : data[name];
    return value === undefined || value === null || value === "" ? fallback : String(value);
  }

  var config = {
    server: option("server", new URL(scriptUrl).origin),
    socketPath: option("socketPath", "/socket.io/"),
    title: option("title", "Questions about Botox for migraine"),
    color: option("color", "#0a58a3"),
    greeting: option("greeting", ""),
    startPayload: option("startPayload", "/greet"),
    emergencyNumber: option("emergencyNumber", "999"),
    phone: option("phone", ""),
    disclaimer: option("disclaimer", ""),
    launcherLabel: option("launcherLabel", "Ask a question"),
    position: option("position", "right") === "left" ? "left" : "right",
    storage: option("storage", "session") === "local" ? "local" : "session",
  };

  // ---------------------------------------------------------------------------------
  // Colours: the foreground on the clinic's colour is chosen for WCAG AA contrast.

  function parseHex(color) {
    var m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(String(color).trim());
    if (!m) return null;
    var hex = m[1].length === 3 ? m[1].replace(/(.)/g, "$1$1") : m[1];
    return [0, 2, 4].map(function (i) {
      return parseInt(hex.slice(i, i + 2), 16);
    });
  }

  function luminance(rgb) {
    var c = rgb.map(function (v) {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  }

  function contrast(a, b) {
    var la = luminance(a);
    var lb = luminance(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }

  var DARK = [26, 26, 26];
  var WHITE = [255, 255, 255];
  var BUBBLE = [238, 241, 244];
  var primary = parseHex(config.color);
  if (!primary) {
    if (window.console) console.warn("ClinicChat: data-color must be #rgb or #rrggbb");
    primary = parseHex("#0a58a3");
  }
  var onPrimary = contrast(primary, WHITE) >= contrast(primary, DARK) ? WHITE : DARK;
  // The clinic's colour as text on light backgrounds, if it is dark enough; else dark grey.
  var accent = contrast(primary, BUBBLE) >= 4.5 ? primary : DARK;

  function css(rgb) {
    return "rgb(" + rgb.join(",") + ")";
  }

  // ---------------------------------------------------------------------------------
  // Storage: the conversation survives reloads and other pages of the site. Session
  // storage by default (gone when the tab closes: kinder on a shared computer).

  var store = (function () {
    var backend = null;
    try {
      backend = config.storage === "local" ? window.localStorage : window.sessionStorage;
      backend.setItem("clinicChat:probe", "1");
      backend.removeItem("clinicChat:probe");
    } catch (e) {
      backend = null; // storage disabled: the widget still works, without memory
    }
    var prefix = "clinicChat:" + config.server + ":";
    return {
      get: function (key, fallback) {
        if (!backend) return fallback;
        try {
          var raw = backend.getItem(prefix + key);
          return raw === null ? fallback : JSON.parse(raw);
        } catch (e) {
          return fallback;
        }
      },
      set: function (key, value) {
        if (!backend) return;
        try {
          backend.setItem(prefix + key, JSON.stringify(value));
        } catch (e) {
          /* full or disabled: not worth failing the chat for */
        }
      },
      remove: function (key) {
        if (backend) backend.removeItem(prefix + key);
      },
    };
  })();

  function newSessionId() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map
      .call(bytes, function (b) {
        return ("0" + b.toString(16)).slice(-2);
      })
      .join("");
  }

  // ---------------------------------------------------------------------------------
  // Safe Markdown: DOM nodes only, never innerHTML.

  // 1 an escaped character (\* is a star); 2-3 a link; 4 bold; 5-6 italics; 7 a bare
  // https address. Inside a span, a backslash and the next character are one unit, so an
  // escaped star does not close the bold around it (bot/channels/format.py, the same).
  var INLINE_RE =
    /\\([!-\/:-@[-`{-~])|\[((?:\\.|[^\\\]\n])+)\]\(([^)\s]+)\)|\*\*((?!\s)(?:\\.|[^\\\n])+?(?<!\s))\*\*|\*((?![\s*])(?:\\.|[^\\*\n])+?(?<![\s*]))\*|_((?![\s_])(?:\\.|[^\\_\n])+?(?<![\s_]))_|(https:\/\/[^\s<>"'()[\]\\]+)/g;
  var SAFE_URL_RE = /^(https:\/\/|mailto:|tel:)[^\s<>"']+$/i;
  var WORD_RE = /[A-Za-z0-9_*]/;

  function link(href, label) {
    var a = document.createElement("a");
    a.href = href;
    if (/^https:/i.test(href)) {
      // Web pages open beside the chat; tel: and mailto: go to the phone or mail app.
      a.target = "_blank";
      a.rel = "noopener noreferrer";
    }
    if (label === href) a.textContent = label;
    else appendInline(a, label);
    return a;
  }

  function inline(text) {
    var fragment = document.createDocumentFragment();
    appendInline(fragment, text);
    return fragment;
  }

  function appendInline(parent, text) {
    var re = new RegExp(INLINE_RE.source, "g");
    var pos = 0;
    var m;
    while ((m = re.exec(text)) !== null) {
      var start = m.index;
      var end = start + m[0].length;
      var node = null;
      if (m[1] !== undefined) {
        node = document.createTextNode(m[1]);
      } else if (m[3] !== undefined) {
        node = SAFE_URL_RE.test(m[3]) ? link(m[3], m[2]) : inline(m[2]);
      } else if (m[4] !== undefined) {
        node = document.createElement("strong");
        appendInline(node, m[4]);
      } else if (m[5] !== undefined || m[6] !== undefined) {
        var before = start > 0 ? text.charAt(start - 1) : "";
        var after = text.charAt(end);
        if (WORD_RE.test(before) || WORD_RE.test(after)) {
          re.lastIndex = start + 1; // snake_case or 2*3: not emphasis
          continue;
        }
        node = document.createElement("em");
        appendInline(node, m[5] !== undefined ? m[5] : m[6]);
      } else if (m[7] !== undefined) {
        var url = m[7].replace(/[.,;:!?]+$/, "");
        end = start + url.length;
        re.lastIndex = end;
        node = link(url, url);
      }
      if (start > pos) parent.appendChild(document.createTextNode(text.slice(pos, start)));
      parent.appendChild(node);
      pos = end;
    }
    if (pos < text.length) parent.appendChild(document.createTextNode(text.slice(pos)));
  }

  function renderMarkdown(text) {
    var fragment = document.createDocumentFragment();
    var source = String(text === undefined || text === null ? "" : text)
      .replace(/\r\n/g, "\n")
      .trim();
    if (!source) return fragment;
    source.split(/\n[ \t]*\n/).forEach(function (block) {
      var list = null;
      var listType = "";
      var paragraph = null;
      block.split("\n").forEach(function (line) {
        var bullet = /^\s*[-*\u2022]\s+(.*)$/.exec(line);
        var numbered = bullet ? null : /^\s*(\d{1,3})[.)]\s+(.*)$/.exec(line);
        if (bullet || numbered) {
          var type = bullet ? "ul" : "ol";
          if (!list || listType !== type) {
            list = document.createElement(type);
            listType = type;
            if (numbered && numbered[1] !== "1") list.start = parseInt(numbered[1], 10);
            fragment.appendChild(list);
          }
          var item = document.createElement("li");
          appendInline(item, bullet ? bullet[1] : numbered[2]);
          list.appendChild(item);
          paragraph = null;
        } else if (line.trim()) {
          list = null;
          if (paragraph) {
            paragraph.appendChild(document.createElement("br"));
          } else {
            paragraph = document.createElement("p");
            fragment.appendChild(paragraph);
          }
          appendInline(paragraph, line.trim());
        }
      });
    });
    return fragment;
  }

  // ---------------------------------------------------------------------------------
  // DOM

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") node.textContent = attrs[key];
      else if (key === "className") node.className = attrs[key];
      else if (attrs[key] === true) node.setAttribute(key, "");
      else if (attrs[key] !== false && attrs[key] !== null) node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  var SVG_NS = "http://www.w3.org/2000/svg";
  function icon(pathData) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", pathData);
    svg.appendChild(path);
    return svg;
  }
  var ICON_CHAT = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z";
  var ICON_CLOSE = "M6 6l12 12M18 6L6 18";
  var ICON_SEND = "M3 20l18-8L3 4v6l12 2-12 2z";
  var ICON_RESTART = "M4 12a8 8 0 1 0 2.3-5.6M4 4v4h4";
  var ICON_WARNING = "M12 2L1 21h22L12 2zm1 16h-2v-2h2v2zm0-4h-2V9h2v5z";
  var ICON_PHONE =
    "M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25c1.1.37 2.3.57 3.6.57a1 1 0 0 1 1 1V20a1 1 0 0 1-1 1C10.6 21 3 13.4 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1z";

  // A tel: address for a number as written ("020 7946 0000" -> tel:02079460000).
  function telHref(number) {
    return "tel:" + String(number).replace(/[^\d+]/g, "");
  }

  // Text with these numbers as tap-to-call links (for the widget's own messages; the
  // bot's arrive with their numbers linked already: bot/channels/website.py).
  function withCallLinks(text, numbers) {
    var fragment = document.createDocumentFragment();
    var pos = 0;
    var found = [];
    numbers.forEach(function (number) {
      var at = number ? text.indexOf(number) : -1;
      if (at !== -1) found.push([at, number]);
    });
    found.sort(function (a, b) {
      return a[0] - b[0];
    });
    found.forEach(function (item) {
      if (item[0] < pos) return;
      fragment.appendChild(document.createTextNode(text.slice(pos, item[0])));
      fragment.appendChild(el("a", { href: telHref(item[1]), text: item[1] }));
      pos = item[0] + item[1].length;
    });
    fragment.appendChild(document.createTextNode(text.slice(pos)));
    return fragment;
  }

  var host = el("div", { className: "clinic-chat-host" });
  host.style.setProperty("all", "initial");
  var shadow = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  var stylesheet = el("link", { rel: "stylesheet", href: new URL("widget.css", scriptUrl).href });
  var root = el("div", { className: "cc-root cc-" + config.position + " cc-loading" });
  root.style.setProperty("--cc-primary", css(primary));
  root.style.setProperty("--cc-on-primary", css(onPrimary));
  root.style.setProperty("--cc-accent", css(accent));
  stylesheet.addEventListener("load", function () {
    root.classList.remove("cc-loading");
  });
  stylesheet.addEventListener("error", function () {
    root.classList.remove("cc-loading");
  });

  // The launcher's name starts with its visible text (WCAG 2.5.3, label in name).
  var launcherIcon = el("span", { className: "cc-launcher-icon" }, [icon(ICON_CHAT)]);
  var launcherText = el("span", { className: "cc-launcher-label", text: config.launcherLabel });
  var launcher = el(
    "button",
    {
      type: "button",
      className: "cc-launcher",
      "aria-expanded": "false",
      "aria-controls": "cc-panel",
    },
    [launcherIcon, launcherText],
  );

  function setLauncher(isOpen) {
    launcher.setAttribute("aria-expanded", isOpen ? "true" : "false");
    launcherText.textContent = isOpen ? "Close chat" : config.launcherLabel;
    launcher.setAttribute(
      "aria-label",
      isOpen ? "Close chat" : config.launcherLabel + " (chat: " + config.title + ")",
    );
    launcherIcon.replaceChild(icon(isOpen ? ICON_CLOSE : ICON_CHAT), launcherIcon.firstChild);
    launcherIcon.className = "cc-launcher-icon" + (isOpen ? " cc-stroke" : "");
  }

  var titleEl = el("h2", { id: "cc-title", className: "cc-title", text: config.title });
  var restartButton = el("button", {
    type: "button",
    className: "cc-icon-button cc-restart",
    "aria-label": "Start a new conversation",
    title: "Start a new conversation",
  });
  restartButton.appendChild(icon(ICON_RESTART));
  var closeButton = el("button", {
    type: "button",
    className: "cc-icon-button cc-close",
    "aria-label": "Close chat",
    title: "Close chat",
  });
  closeButton.appendChild(icon(ICON_CLOSE));

  var disclaimerText =
    config.disclaimer ||
    "General information, not medical advice. In an emergency call " +
      config.emergencyNumber +
      ".";
  var disclaimer = el("p", { id: "cc-disclaimer", className: "cc-disclaimer" }, [
    withCallLinks(disclaimerText, [config.emergencyNumber]),
  ]);
  var status = el("div", { className: "cc-status", role: "alert", hidden: true });

  // "Start a new conversation" asks first, inside the widget (an alert dialog, focus on
  // the choice that keeps the conversation, Escape = no).
  var confirmBox = el(
    "div",
    {
      className: "cc-confirm",
      role: "alertdialog",
      "aria-modal": "true",
      "aria-labelledby": "cc-confirm-title",
      "aria-describedby": "cc-confirm-note",
      hidden: true,
    },
    [
      el("p", {
        id: "cc-confirm-title",
        className: "cc-confirm-title",
        text: "Start a new conversation? This clears the messages from this window.",
      }),
      el("p", {
        id: "cc-confirm-note",
        className: "cc-confirm-note",
        text: 'It does not erase them from the clinic\'s system: for that, say "forget me".',
      }),
    ],
  );
  var confirmYes = el("button", {
    type: "button",
    className: "cc-confirm-yes",
    text: "Yes, start again",
  });
  var confirmNo = el("button", { type: "button", className: "cc-confirm-no", text: "No, go back" });
  confirmBox.appendChild(el("div", { className: "cc-confirm-actions" }, [confirmYes, confirmNo]));
  var log = el("div", {
    className: "cc-log",
    role: "log",
    "aria-live": "polite",
    "aria-relevant": "additions",
    "aria-label": "Conversation",
    tabindex: "0",
  });
  var typing = el("div", { className: "cc-typing", role: "status", hidden: true }, [
    el("span", { className: "cc-sr", text: "The assistant is typing" }),
    el("span", { className: "cc-dots", "aria-hidden": "true" }, [
      el("span"),
      el("span"),
      el("span"),
    ]),
  ]);
  // No maxlength: it would cut a pasted message silently. The count says how long it is.
  var input = el("textarea", {
    id: "cc-input",
    className: "cc-input",
    rows: "1",
    placeholder: "Type your question",
    autocomplete: "off",
    "aria-describedby": "cc-count cc-disclaimer",
  });
  var count = el("p", { id: "cc-count", className: "cc-count", hidden: true });
  // Screen readers hear the count at a few steps only, not at every key.
  var countAnnouncer = el("p", { className: "cc-sr", "aria-live": "polite" });
  var lastAnnounced = null;
  var sendButton = el("button", { type: "submit", className: "cc-send", "aria-label": "Send" });
  sendButton.appendChild(icon(ICON_SEND));
  var form = el("form", { className: "cc-form" }, [
    el("label", { for: "cc-input", className: "cc-sr", text: "Your question" }),
    input,
    sendButton,
    count,
    countAnnouncer,
  ]);
  var panel = el(
    "section",
    {
      id: "cc-panel",
      className: "cc-panel",
      role: "dialog",
      "aria-labelledby": "cc-title",
      "aria-describedby": "cc-disclaimer",
      hidden: true,
    },
    [
      el("header", { className: "cc-header" }, [titleEl, restartButton, closeButton]),
      confirmBox,
      disclaimer,
      status,
      log,
      typing,
      form,
    ],
  );
  root.appendChild(panel);
  root.appendChild(launcher);
  shadow.appendChild(stylesheet);
  shadow.appendChild(root);

  // ---------------------------------------------------------------------------------
  // Conversation state

  var messages = store.get("messages", []);
  var sessionId = store.get("session", null);
  var socket = null;
  var ready = false; // session confirmed by the server
  var unreachable = false; // the last connection attempt failed
  var queue = []; // messages typed before that
  var replyTimer = null;
  // The first bot message since the patient's last message: a new answer is shown from
  // its start (a long one would otherwise open at its end, its first lines off-screen).
  var turnStart = null;

  function save() {
    if (messages.length > MAX_STORED_MESSAGES) messages = messages.slice(-MAX_STORED_MESSAGES);
    store.set("messages", messages);
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  // The latest answer from its first line, or the end of the conversation when that fits
  // (the browser stops the scroll at the end).
  function scrollToLatest() {
    if (!turnStart || !turnStart.parentNode) return scrollToEnd();
    var offset = turnStart.getBoundingClientRect().top - log.getBoundingClientRect().top;
    log.scrollTop += offset - 8;
  }

  function renderMessage(message, live) {
    var fromBot = message.from === "bot";
    var urgent = fromBot && message.kind === "red_flag";
    var bubble = el("div", { className: "cc-bubble" });
    if (urgent) {
      // Not colour alone: an icon and a heading say it is urgent, and one tap calls.
      bubble.appendChild(
        el("h3", { className: "cc-urgent-title" }, [icon(ICON_WARNING), "Urgent: get help now"]),
      );
    }
    if (fromBot) bubble.appendChild(renderMarkdown(message.text));
    else bubble.textContent = message.text;
    if (urgent) {
      var number = message.call || config.emergencyNumber;
      bubble.appendChild(
        el("a", { className: "cc-call", href: telHref(number) }, [icon(ICON_PHONE), "Call " + number]),
      );
    }
    var node = el(
      "div",
      {
        className: "cc-message " + (fromBot ? "cc-bot" : "cc-user") + (urgent ? " cc-urgent" : ""),
        // Read out at once, not after whatever is being read; only when it arrives, not
        // again when the page is reloaded.
        role: urgent && live ? "alert" : null,
      },
      [el("span", { className: "cc-sr", text: fromBot ? "Assistant: " : "You: " }), bubble],
    );
    if (fromBot && message.feedback && message.feedback.length) {
      node.appendChild(renderFeedback(message));
    }
    return node;
  }

  // Thumbs up/down under an answer (the bot's /feedback_helpful and /feedback_not_helpful
  // buttons). They stay with their answer, unlike quick replies; one vote per answer.
  var FEEDBACK_PAYLOADS = ["/feedback_helpful", "/feedback_not_helpful"];
  var ICON_THUMB_UP =
    "M7 22V11l5-9a2 2 0 0 1 3 2l-1 5h6a2 2 0 0 1 2 2.3l-1.4 8A2 2 0 0 1 18.6 21H7zM3 11h4v11H3z";
  var ICON_THUMB_DOWN =
    "M17 2v11l-5 9a2 2 0 0 1-3-2l1-5H4a2 2 0 0 1-2-2.3l1.4-8A2 2 0 0 1 5.4 3H17zM21 13h-4V2h4z";

  function isFeedback(reply) {
    return FEEDBACK_PAYLOADS.indexOf(reply.payload) !== -1;
  }

  function renderFeedback(message) {
    var group = el("div", {
      className: "cc-feedback",
      role: "group",
      "aria-label": "Was this answer helpful?",
    });
    message.feedback.forEach(function (reply) {
      var up = reply.payload === FEEDBACK_PAYLOADS[0];
      var chosen = message.rated === reply.payload;
      // aria-disabled, not disabled, once voted: a disabled button loses the focus, and
      // the patient who voted with the keyboard would be thrown out of the conversation.
      var button = el(
        "button",
        {
          type: "button",
          className: "cc-thumb" + (chosen ? " cc-chosen" : ""),
          "aria-label": up ? "Helpful" : "Not helpful",
          "aria-pressed": chosen ? "true" : "false",
          "aria-disabled": message.rated ? "true" : null,
          title: up ? "Helpful" : "Not helpful",
        },
        [icon(up ? ICON_THUMB_UP : ICON_THUMB_DOWN)],
      );
      button.addEventListener("click", function () {
        if (message.rated) return;
        if (!send(reply.payload, reply.title)) return;
        message.rated = reply.payload;
        save();
        var rated = renderFeedback(message);
        group.parentNode.replaceChild(rated, group);
        rated.querySelector(".cc-chosen").focus(); // the focus stays where the vote was
      });
      group.appendChild(button);
    });
    return group;
  }

  function renderReplies(replies) {
    var group = el("div", {
      className: "cc-replies",
      role: "group",
      "aria-label": "Suggested replies",
    });
    replies.forEach(function (reply) {
      var button = el("button", { type: "button", className: "cc-reply", text: reply.title });
      button.addEventListener("click", function () {
        // "Start a new conversation" (after "forget me"): also clear this window's copy.
        if (reply.payload === "/restart") return restart();
        if (send(reply.payload, reply.title)) input.focus(); // the buttons are gone now
      });
      group.appendChild(button);
    });
    return group;
  }

  function clearReplies() {
    var old = log.querySelectorAll(".cc-replies");
    Array.prototype.forEach.call(old, function (node) {
      node.parentNode.removeChild(node);
    });
  }

  function renderAll() {
    while (log.firstChild) log.removeChild(log.firstChild);
    turnStart = null;
    messages.forEach(function (message) {
      var node = renderMessage(message, false);
      log.appendChild(node);
      if (message.from !== "bot") turnStart = null;
      else if (!turnStart) turnStart = node;
    });
    var last = messages[messages.length - 1];
    if (last && last.from === "bot" && last.replies && last.replies.length) {
      log.appendChild(renderReplies(last.replies));
    }
    scrollToLatest();
  }

  function addMessage(message) {
    clearReplies();
    messages.push(message);
    save();
    var node = renderMessage(message, true);
    log.appendChild(node);
    if (message.replies && message.replies.length) log.appendChild(renderReplies(message.replies));
    if (message.from !== "bot") {
      turnStart = null;
      scrollToEnd();
    } else {
      if (!turnStart) turnStart = node;
      scrollToLatest();
    }
  }

  function showTyping(on) {
    typing.hidden = !on;
    if (on && !turnStart) scrollToEnd();
  }

  function showStatus(text) {
    while (status.firstChild) status.removeChild(status.firstChild);
    if (text) status.appendChild(withCallLinks(text, [config.phone, config.emergencyNumber]));
    status.hidden = !text;
  }

  function unreachableText() {
    var text =
      "Sorry, the assistant can't be reached right now. Please try again in a few minutes.";
    if (config.phone) text += " You can also call the clinic on " + config.phone + ".";
    return text + " In an emergency call " + config.emergencyNumber + ".";
  }

  // ---------------------------------------------------------------------------------
  // Connection (Rasa socket.io channel, session persistence)

  // Each message has its own random id, kept if it waits in the queue: the server
  // processes one id once (bot/rasa/idempotency.py), however often it is delivered.
  function emitMessage(item) {
    socket.emit("user_uttered", {
      message: item.text,
      session_id: sessionId,
      message_id: item.id,
    });
    clearTimeout(replyTimer);
    replyTimer = setTimeout(function () {
      showTyping(false);
      showStatus(
        "No answer yet: the assistant may be busy. Please try again." +
          (config.phone ? " Or call the clinic on " + config.phone + "." : ""),
      );
    }, REPLY_TIMEOUT_MS);
  }

  function connect() {
    if (socket) return;
    if (!sessionId) {
      sessionId = newSessionId();
      store.set("session", sessionId);
    }
    if (typeof io !== "function") {
      showStatus(unreachableText());
      return;
    }
    socket = io(config.server, {
      path: config.socketPath,
      transports: ["websocket", "polling"],
      reconnectionDelayMax: 10000,
    });
    socket.on("connect", function () {
      ready = false;
      unreachable = false;
      socket.emit("session_request", { session_id: sessionId });
    });
    socket.on("session_confirm", function (confirmed) {
      var id = confirmed && typeof confirmed === "object" ? confirmed.session_id : confirmed;
      if (id && id !== sessionId) {
        sessionId = String(id);
        store.set("session", sessionId);
      }
      ready = true;
      showStatus("");
      while (queue.length) emitMessage(queue.shift());
    });
    socket.on("bot_uttered", function (message) {
      if (!message) return;
      clearTimeout(replyTimer);
      showTyping(false);
      showStatus("");
      var replies = (message.quick_replies || message.buttons || [])
        .filter(function (r) {
          return r && r.title;
        })
        .map(function (r) {
          return { title: String(r.title), payload: String(r.payload || r.title) };
        });
      var text = typeof message.text === "string" ? message.text : "";
      if (!text && !replies.length) return; // images, custom payloads: not used here
      // What the message is for (bot/channels/website.py): the red-flag advice, or the
      // confirmation that "forget me" erased the conversation.
      var meta = message.metadata && typeof message.metadata === "object" ? message.metadata : {};
      if (meta.kind === "conversation_erased") clearWindow();
      var entry = {
        from: "bot",
        text: text,
        replies: replies.filter(function (r) {
          return !isFeedback(r);
        }),
        feedback: replies.filter(isFeedback),
      };
      if (meta.kind === "red_flag") {
        entry.kind = "red_flag";
        if (/^\d{2,6}$/.test(String(meta.emergency_number))) {
          entry.call = String(meta.emergency_number);
        }
      }
      addMessage(entry);
    });
    socket.on("connect_error", function () {
      ready = false;
      unreachable = true;
      showTyping(false);
      showStatus(unreachableText());
    });
    socket.on("disconnect", function (reason) {
      ready = false;
      if (reason === "io client disconnect") return;
      unreachable = true;
      showStatus(unreachableText());
    });
  }

  function send(payload, shownText) {
    var text = String(payload || "").trim();
    if (!text) return false;
    connect();
    if (!socket || unreachable) {
      showStatus(unreachableText());
      return false;
    }
    if (shownText !== null) addMessage({ from: "user", text: shownText || text });
    showTyping(true);
    var item = { text: text, id: newSessionId() };
    if (ready) emitMessage(item);
    else queue.push(item);
    return true;
  }

  function start() {
    if (messages.length) return;
    if (config.greeting) {
      addMessage({ from: "bot", text: config.greeting, replies: [] });
    } else if (config.startPayload) {
      send(config.startPayload, null); // the bot's own greeting, with its topic buttons
    }
  }

  // ---------------------------------------------------------------------------------
  // The question box: grows with the text, counts down near the limit, never cuts.

  function fitInput() {
    if (!input.value) {
      input.style.height = ""; // the stylesheet's one line
      input.style.overflowY = "";
      return;
    }
    input.style.height = "auto";
    var max = parseFloat(getComputedStyle(input).maxHeight) || 120;
    var borders = input.offsetHeight - input.clientHeight;
    var height = Math.min(input.scrollHeight + borders, max);
    input.style.height = height + "px";
    input.style.overflowY = input.scrollHeight + borders > max ? "auto" : "hidden";
  }

  function countText(left) {
    if (left >= 0) return left + (left === 1 ? " character" : " characters") + " left";
    var over = -left;
    return (
      over +
      (over === 1 ? " character" : " characters") +
      " too many: please shorten your message"
    );
  }

  function updateCount() {
    var left = MAX_MESSAGE_CHARS - input.value.length;
    var over = left < 0;
    count.hidden = left > COUNT_FROM;
    count.textContent = count.hidden ? "" : countText(left);
    count.classList.toggle("cc-over", over);
    if (over) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
    // Announce a step once, when the count reaches it (or goes over the limit).
    var step = over ? "over" : null;
    ANNOUNCE_AT.forEach(function (mark) {
      if (!over && left <= mark) step = mark;
    });
    if (step !== lastAnnounced) {
      lastAnnounced = step;
      countAnnouncer.textContent = step === null ? "" : countText(left);
    }
  }

  function inputChanged() {
    fitInput();
    updateCount();
  }

  function submitTyped() {
    if (input.value.length > MAX_MESSAGE_CHARS) {
      // Not sent, and not cut: the patient decides what to keep.
      countAnnouncer.textContent = "";
      lastAnnounced = "over";
      countAnnouncer.textContent = countText(MAX_MESSAGE_CHARS - input.value.length);
      input.focus();
      return;
    }
    if (send(input.value)) {
      input.value = "";
      inputChanged();
    }
  }

  // ---------------------------------------------------------------------------------
  // On a phone the open chat is modal: the page behind is inert (no focus, hidden from
  // screen readers) and does not scroll, and Tab stays inside the chat.

  var phoneQuery = window.matchMedia ? window.matchMedia(PHONE_MEDIA) : null;
  var pageHidden = null; // [[node, aria-hidden before, inert before]...] while modal
  var pageOverflow = null;

  function isModal() {
    return !panel.hidden && !!phoneQuery && phoneQuery.matches;
  }

  function updateModal() {
    var modal = isModal();
    if (modal) panel.setAttribute("aria-modal", "true");
    else panel.removeAttribute("aria-modal");
    if (modal && !pageHidden) {
      pageHidden = [];
      Array.prototype.forEach.call(document.body.children, function (node) {
        if (node === host || node.tagName === "SCRIPT") return;
        pageHidden.push([node, node.getAttribute("aria-hidden"), node.inert]);
        node.setAttribute("aria-hidden", "true");
        node.inert = true;
      });
      var rootStyle = document.documentElement.style;
      pageOverflow = [rootStyle.overflow, document.body.style.overflow];
      rootStyle.overflow = "hidden";
      document.body.style.overflow = "hidden";
    } else if (!modal && pageHidden) {
      pageHidden.forEach(function (saved) {
        if (saved[1] === null) saved[0].removeAttribute("aria-hidden");
        else saved[0].setAttribute("aria-hidden", saved[1]);
        saved[0].inert = saved[2];
      });
      pageHidden = null;
      document.documentElement.style.overflow = pageOverflow[0];
      document.body.style.overflow = pageOverflow[1];
    }
  }

  if (phoneQuery) {
    if (phoneQuery.addEventListener) phoneQuery.addEventListener("change", updateModal);
    else if (phoneQuery.addListener) phoneQuery.addListener(updateModal);
  }

  var FOCUSABLE = 'a[href], button, textarea, input, select, [tabindex]:not([tabindex="-1"])';

  function focusables(container) {
    return Array.prototype.filter.call(container.querySelectorAll(FOCUSABLE), function (node) {
      return !node.disabled && !node.closest("[inert]") && node.getClientRects().length > 0;
    });
  }

  function activeElement() {
    return shadow.activeElement !== undefined ? shadow.activeElement : document.activeElement;
  }

  // Tab and Shift+Tab go round inside the container (the chat, or the confirmation).
  function trapTab(event, container) {
    var items = focusables(container);
    if (!items.length) return;
    var first = items[0];
    var last = items[items.length - 1];
    var active = activeElement();
    var inside = active && container.contains(active);
    if (event.shiftKey && (!inside || active === first)) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && (!inside || active === last)) {
      event.preventDefault();
      first.focus();
    }
  }

  // ---------------------------------------------------------------------------------
  // Starting again: asked first

  var confirmInert = [];

  function askRestart() {
    confirmBox.hidden = false;
    // Only the question can be used while it is open.
    confirmInert = [disclaimer, status, log, typing, form, titleEl.parentNode];
    confirmInert.forEach(function (node) {
      node.inert = true;
    });
    confirmNo.focus();
  }

  function closeConfirm() {
    confirmBox.hidden = true;
    confirmInert.forEach(function (node) {
      node.inert = false;
    });
    confirmInert = [];
  }

  confirmYes.addEventListener("click", function () {
    closeConfirm();
    restart();
  });
  confirmNo.addEventListener("click", function () {
    closeConfirm();
    restartButton.focus();
  });

  // ---------------------------------------------------------------------------------
  // Opening, closing, keyboard

  function open() {
    panel.hidden = false;
    root.classList.add("cc-open");
    setLauncher(true);
    store.set("open", true);
    updateModal();
    connect();
    start();
    scrollToLatest();
    input.focus();
  }

  function close() {
    if (!confirmBox.hidden) closeConfirm();
    panel.hidden = true;
    root.classList.remove("cc-open");
    setLauncher(false);
    store.set("open", false);
    updateModal();
    launcher.focus();
  }

  // The window forgets the conversation at once (after "forget me", or starting again).
  function clearWindow() {
    messages = [];
    save();
    queue = [];
    clearTimeout(replyTimer);
    showTyping(false);
    renderAll();
  }

  function restart() {
    clearWindow();
    sessionId = newSessionId();
    store.set("session", sessionId);
    if (socket) {
      // A new socket, so that answers still on their way to the old session are dropped.
      socket.off();
      socket.disconnect();
      socket = null;
      ready = false;
      unreachable = false;
    }
    start();
    input.focus();
  }

  launcher.addEventListener("click", function () {
    if (panel.hidden) open();
    else close();
  });
  closeButton.addEventListener("click", close);
  restartButton.addEventListener("click", askRestart);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      if (!confirmBox.hidden) {
        closeConfirm(); // Escape answers "no", and leaves the chat open
        restartButton.focus();
      } else {
        close();
      }
    } else if (event.key === "Tab") {
      if (!confirmBox.hidden) trapTab(event, confirmBox);
      else if (isModal()) trapTab(event, panel);
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    submitTyped();
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submitTyped();
    }
  });
  input.addEventListener("input", inputChanged);

  // The stylesheet changes every message's height: place the conversation again once it
  // is in (after a reload the chat opens at the latest answer, not at the greeting).
  stylesheet.addEventListener("load", function () {
    if (!panel.hidden) {
      fitInput();
      scrollToLatest();
    }
  });

  function mount() {
    setLauncher(false);
    document.body.appendChild(host);
    if (store.get("open", false)) {
      panel.hidden = false;
      root.classList.add("cc-open");
      setLauncher(true);
      updateModal();
      renderAll(); // once the panel is shown: a hidden log cannot be scrolled
      connect();
      start();
    } else {
      renderAll();
    }
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);

  window.ClinicChat = {
    loaded: true,
    version: VERSION,
    open: open,
    close: close,
    restart: restart,
    renderMarkdown: renderMarkdown,
  };
})();
