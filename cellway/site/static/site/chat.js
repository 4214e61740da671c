/* Live chat on the public site. Our own script: no library, nothing loaded from elsewhere.
 *
 * Nothing is lost: every message the visitor writes waits in an outbox (kept in sessionStorage) under a
 * client-chosen id until the server acknowledges it; a resend after a drop uses the same id, so the server
 * stores it once. What is shown comes from the server, by id: on every (re)connect and every return to the
 * tab the widget asks for everything after the last id it has. Where WebSockets are blocked it polls the
 * same endpoint over HTTP.
 */
(function () {
  "use strict";
  var root = document.getElementById("chat");
  if (!root || !window.fetch) { return; }
  var d = root.dataset;
  var $ = function (selector) { return root.querySelector(selector); };
  var toggle = $(".chat-toggle"), panel = $(".chat-panel"), statusLine = $(".chat-status"), log = $(".chat-log");
  var startForm = $(".chat-start"), sendForm = $(".chat-send"), emailForm = $(".chat-email");
  var store = window.sessionStorage;
  var KEY = "cellway-chat";
  var saved = {};
  try { saved = JSON.parse(store.getItem(KEY) || "{}") || {}; } catch (e) { saved = {}; }
  var chat = {
    conversation: saved.conversation || "",
    lastId: 0,                     // the last message id shown (messages are fetched again after a reload)
    outbox: saved.outbox || [],    // [{client_id, body}] not yet acknowledged
    shown: {},
    socket: null,
    mode: "",                      // "socket", "polling" or ""
    everOpened: false,
    retry: 1000,
    timer: 0,
    state: ""
  };
  window.cellwayChat = chat;

  function save() {
    store.setItem(KEY, JSON.stringify({ conversation: chat.conversation, outbox: chat.outbox }));
  }
  function csrf() {
    var field = root.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }
  function request(method, url, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: body ? JSON.stringify(body) : undefined
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        data.httpStatus = response.status;
        return data;
      });
    });
  }
  function newId() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }
  function say(text) { statusLine.textContent = text || ""; }
  function show(form) {
    [startForm, sendForm, emailForm].forEach(function (f) { f.hidden = f !== form; });
  }
  function line(id, who, body, mine) {
    var item = document.createElement("div");
    item.className = mine ? "mine" : "theirs";
    if (id) { item.dataset.clientId = id; }
    var name = document.createElement("span");
    name.className = "who";
    name.textContent = who;
    var text = document.createElement("span");
    text.className = "text";
    text.textContent = body;
    item.appendChild(name);
    item.appendChild(text);
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }
  function pendingLine(message) {
    var item = line(message.client_id, d.tYou, message.body, true);
    item.classList.add("pending");
    var note = document.createElement("span");
    note.className = "note";
    note.textContent = " (" + d.tSending + ")";
    item.appendChild(note);
  }
  function receive(messages) {
    (messages || []).forEach(function (m) {
      if (m.id <= chat.lastId && chat.shown[m.id]) { return; }
      chat.shown[m.id] = true;
      chat.lastId = Math.max(chat.lastId, m.id);
      chat.outbox = chat.outbox.filter(function (p) { return p.client_id !== m.client_id; });
      var existing = m.client_id && log.querySelector('[data-client-id="' + m.client_id + '"]');
      if (existing) { existing.remove(); }
      var mine = m.from === "visitor";
      line(m.client_id, mine ? d.tYou : m.author, m.body, mine);
    });
    save();
  }
  function setState(data) {
    if (!data || !data.state) { return; }
    if (data.state !== chat.state) {
      chat.state = data.state;
      if (data.state === "waiting") { say(d.tWaiting); }
      else if (data.state === "open" && data.representative) { say(d.tJoined.replace("{name}", data.representative)); }
      else if (data.state === "closed" || data.state === "by_email") { say(d.tClosed); sendForm.hidden = true; stop(); }
    }
  }
  function refused(data) {
    say(data.message || d.tFailed);
  }

  // --- Sending ---------------------------------------------------------------------------------------------
  function flush() {
    chat.outbox.forEach(function (message) {
      if (chat.mode === "socket" && chat.socket && chat.socket.readyState === 1) {
        chat.socket.send(JSON.stringify({ type: "send", client_id: message.client_id, body: message.body }));
      } else if (chat.mode === "polling") {
        post(message);
      }
    });
  }
  function post(message) {
    request("POST", d.baseUrl + chat.conversation + "/messages/", message).then(function (data) {
      if (data.httpStatus >= 400 && data.httpStatus < 500) { drop(message.client_id); refused(data); }
      else if (data.id) { poll(); }
    }).catch(function () { say(d.tOffline); });
  }
  function drop(clientId) {
    chat.outbox = chat.outbox.filter(function (p) { return p.client_id !== clientId; });
    var item = log.querySelector('[data-client-id="' + clientId + '"]');
    if (item) { item.classList.add("failed"); item.querySelector(".note").textContent = " (" + d.tFailed + ")"; }
    save();
  }

  // --- The link: a WebSocket, else polling -------------------------------------------------------------------
  function connect() {
    if (!chat.conversation || chat.state === "closed" || chat.state === "by_email") { return; }
    clearTimeout(chat.timer);
    if (!window.WebSocket || chat.mode === "polling") { startPolling(); return; }
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket;
    try {
      socket = new WebSocket(scheme + location.host + d.socketPath + chat.conversation + "/?after=" + chat.lastId);
    } catch (e) { startPolling(); return; }
    chat.socket = socket;
    socket.onopen = function () {
      chat.mode = "socket"; chat.everOpened = true; chat.retry = 1000;
      say(""); chat.state = "";  // the server's first answer says the chat's state again
      flush();
    };
    socket.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "messages") { receive(data.messages); setState(data); }
      else if (data.type === "ack") { chat.outbox = chat.outbox.filter(function (p) { return p.client_id !== data.client_id; }); save(); }
      else if (data.type === "refused") { drop(data.client_id); refused(data); }
    };
    socket.onclose = function () {
      if (chat.socket !== socket) { return; }
      chat.socket = null;
      if (!chat.everOpened) { startPolling(); return; }   // blocked, not dropped: poll instead
      if (chat.state === "closed" || chat.state === "by_email") { return; }
      chat.mode = "";
      say(d.tOffline);
      chat.timer = setTimeout(connect, chat.retry);
      chat.retry = Math.min(chat.retry * 2, 10000);
    };
  }
  function startPolling() {
    chat.mode = "polling";
    say(d.tPolling);
    flush();
    poll();
  }
  function poll() {
    clearTimeout(chat.timer);
    if (!chat.conversation) { return; }
    request("GET", d.baseUrl + chat.conversation + "/messages/?after=" + chat.lastId).then(function (data) {
      if (data.httpStatus === 404) { forget(); return; }
      receive(data.messages); setState(data);
    }).catch(function () { /* offline: try again below */ }).then(function () {
      if (chat.mode === "polling" && chat.state !== "closed" && chat.state !== "by_email") { chat.timer = setTimeout(poll, 3000); }
    });
  }
  function catchUp() {
    if (chat.mode === "socket" && chat.socket && chat.socket.readyState === 1) {
      chat.socket.send(JSON.stringify({ type: "fetch", after: chat.lastId }));
      flush();
    } else if (chat.mode === "polling") { flush(); poll(); }
    else { connect(); }
  }
  function stop() {
    clearTimeout(chat.timer);
    var socket = chat.socket;
    chat.socket = null;
    if (socket) { socket.close(); }
  }
  function forget() {
    stop();
    chat.conversation = ""; chat.outbox = []; chat.state = ""; save();
  }

  // --- What the visitor does -----------------------------------------------------------------------------------
  function open() {
    panel.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
    if (chat.conversation) { show(sendForm); return; }
    request("GET", d.statusUrl + "?language=" + encodeURIComponent(d.language)).then(function (data) {
      if (data.available) { say(""); show(startForm); }
      else { $(".chat-email-why").textContent = data.message; show(emailForm); }
    });
  }
  toggle.addEventListener("click", function () {
    if (panel.hidden) { open(); } else { panel.hidden = true; toggle.setAttribute("aria-expanded", "false"); }
  });
  startForm.addEventListener("submit", function (event) {
    event.preventDefault();
    request("POST", d.startUrl, { language: d.language, page: location.pathname, name: startForm.elements.name.value })
      .then(function (data) {
        if (data.conversation) {
          chat.conversation = data.conversation; save();
          show(sendForm); setState(data); connect();
          $("#chat-body").focus();
        } else { $(".chat-email-why").textContent = data.message; show(emailForm); }
      });
  });
  sendForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = sendForm.elements.body.value.trim();
    if (!body) { return; }
    var message = { client_id: newId(), body: body };
    chat.outbox.push(message); save();
    pendingLine(message);
    sendForm.elements.body.value = "";
    flush();
  });
  sendForm.elements.body.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); sendForm.requestSubmit(); }
  });
  $(".chat-end").addEventListener("click", function () {
    request("POST", d.baseUrl + chat.conversation + "/close/").then(function () { say(d.tClosed); forget(); sendForm.hidden = true; });
  });
  emailForm.addEventListener("submit", function (event) {
    event.preventDefault();
    request("POST", d.emailUrl, {
      language: d.language, email: emailForm.elements.email.value, body: emailForm.elements.body.value,
      client_id: newId(), page: location.pathname, conversation: chat.conversation || undefined
    }).then(function (data) {
      if (data.conversation) { emailForm.hidden = true; say(d.tThanks); forget(); }
      else { say(data.message); }
    });
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && chat.conversation) { catchUp(); }
  });
  window.addEventListener("online", function () { if (chat.conversation) { catchUp(); } });

  // A chat already under way (another page of the site, a reload): show it, say where the visitor is, reconnect.
  if (chat.conversation) {
    panel.hidden = false;
    toggle.setAttribute("aria-expanded", "true");
    show(sendForm);
    chat.outbox.forEach(pendingLine);
    request("POST", d.baseUrl + chat.conversation + "/page/", { path: location.pathname }).then(function (data) {
      if (data.httpStatus === 404) { forget(); show(null); panel.hidden = true; toggle.setAttribute("aria-expanded", "false"); }
    });
    connect();
  }
}());
