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
 * tiny Markdown subset (paragraphs, lists, bold, italics, https/mailto/tel links) and
 * everything else is inserted as text.
 */
(function () {
  "use strict";

  var VERSION = "1.0.0";
  var MAX_STORED_MESSAGES = 100;
  var REPLY_TIMEOUT_MS = 30000;

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

  var INLINE_RE =
    /\[([^\]\n]+)\]\(([^)\s]+)\)|\*\*(\S(?:[^\n]*?\S)?)\*\*|\*([^\s*](?:[^*\n]*?[^\s*])?)\*|_([^\s_](?:[^_\n]*?[^\s_])?)_|(https:\/\/[^\s<>"'()[\]]+)/g;
  var SAFE_URL_RE = /^(https:\/\/|mailto:|tel:)[^\s<>"']+$/i;
  var WORD_RE = /[A-Za-z0-9_*]/;

  function link(href, label) {
    var a = document.createElement("a");
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    if (label === href) a.textContent = label;
    else appendInline(a, label);
    return a;
  }

  function appendInline(parent, text) {
    var re = new RegExp(INLINE_RE.source, "g");
    var pos = 0;
    var m;
    while ((m = re.exec(text)) !== null) {
      var start = m.index;
      var end = start + m[0].length;
      var node = null;
      if (m[2] !== undefined) {
        node = SAFE_URL_RE.test(m[2]) ? link(m[2], m[1]) : document.createTextNode(m[1]);
      } else if (m[3] !== undefined) {
        node = document.createElement("strong");
        appendInline(node, m[3]);
      } else if (m[4] !== undefined || m[5] !== undefined) {
        var before = start > 0 ? text.charAt(start - 1) : "";
        var after = text.charAt(end);
        if (WORD_RE.test(before) || WORD_RE.test(after)) {
          re.lastIndex = start + 1; // snake_case or 2*3: not emphasis
          continue;
        }
        node = document.createElement("em");
        appendInline(node, m[4] !== undefined ? m[4] : m[5]);
      } else if (m[6] !== undefined) {
        var url = m[6].replace(/[.,;:!?]+$/, "");
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
  var disclaimer = el("p", { id: "cc-disclaimer", className: "cc-disclaimer", text: disclaimerText });
  var status = el("div", { className: "cc-status", role: "alert", hidden: true });
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
  var input = el("textarea", {
    id: "cc-input",
    className: "cc-input",
    rows: "1",
    maxlength: "1000",
    placeholder: "Type your question",
    autocomplete: "off",
    "aria-describedby": "cc-disclaimer",
  });
  var sendButton = el("button", { type: "submit", className: "cc-send", "aria-label": "Send" });
  sendButton.appendChild(icon(ICON_SEND));
  var form = el("form", { className: "cc-form" }, [
    el("label", { for: "cc-input", className: "cc-sr", text: "Your question" }),
    input,
    sendButton,
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

  function save() {
    if (messages.length > MAX_STORED_MESSAGES) messages = messages.slice(-MAX_STORED_MESSAGES);
    store.set("messages", messages);
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function renderMessage(message) {
    var fromBot = message.from === "bot";
    var bubble = el("div", { className: "cc-bubble" });
    if (fromBot) bubble.appendChild(renderMarkdown(message.text));
    else bubble.textContent = message.text;
    var node = el("div", { className: "cc-message " + (fromBot ? "cc-bot" : "cc-user") }, [
      el("span", { className: "cc-sr", text: fromBot ? "Assistant: " : "You: " }),
      bubble,
    ]);
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
      var button = el(
        "button",
        {
          type: "button",
          className: "cc-thumb" + (chosen ? " cc-chosen" : ""),
          "aria-label": up ? "Helpful" : "Not helpful",
          "aria-pressed": chosen ? "true" : "false",
          disabled: message.rated ? true : false,
          title: up ? "Helpful" : "Not helpful",
        },
        [icon(up ? ICON_THUMB_UP : ICON_THUMB_DOWN)]
      );
      button.addEventListener("click", function () {
        if (message.rated) return;
        if (!send(reply.payload, reply.title)) return;
        message.rated = reply.payload;
        save();
        group.parentNode.replaceChild(renderFeedback(message), group);
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
    messages.forEach(function (message) {
      log.appendChild(renderMessage(message));
    });
    var last = messages[messages.length - 1];
    if (last && last.from === "bot" && last.replies && last.replies.length) {
      log.appendChild(renderReplies(last.replies));
    }
    scrollToEnd();
  }

  function addMessage(message) {
    clearReplies();
    messages.push(message);
    save();
    log.appendChild(renderMessage(message));
    if (message.replies && message.replies.length) log.appendChild(renderReplies(message.replies));
    scrollToEnd();
  }

  function showTyping(on) {
    typing.hidden = !on;
    if (on) scrollToEnd();
  }

  function showStatus(text) {
    status.textContent = text;
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
      addMessage({
        from: "bot",
        text: text,
        replies: replies.filter(function (r) {
          return !isFeedback(r);
        }),
        feedback: replies.filter(isFeedback),
      });
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
  // Opening, closing, keyboard

  function open() {
    panel.hidden = false;
    root.classList.add("cc-open");
    setLauncher(true);
    store.set("open", true);
    connect();
    start();
    scrollToEnd();
    input.focus();
  }

  function close() {
    panel.hidden = true;
    root.classList.remove("cc-open");
    setLauncher(false);
    store.set("open", false);
    launcher.focus();
  }

  function restart() {
    messages = [];
    save();
    queue = [];
    clearTimeout(replyTimer);
    showTyping(false);
    sessionId = newSessionId();
    store.set("session", sessionId);
    renderAll();
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
  restartButton.addEventListener("click", restart);
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (send(input.value)) input.value = "";
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (send(input.value)) input.value = "";
    }
  });

  function mount() {
    setLauncher(false);
    document.body.appendChild(host);
    renderAll();
    if (store.get("open", false)) {
      panel.hidden = false;
      root.classList.add("cc-open");
      setLauncher(true);
      connect();
      start();
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
