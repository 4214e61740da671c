/* The representatives' live-chat page: one socket for all of this person's chats, heartbeats, replies by
 * client-chosen id (a resend is the same message), catch-up after the last id on every reconnect and return
 * to the tab, and polling over HTTP when the socket cannot open. */
(function () {
  "use strict";
  var desk = document.getElementById("chat-desk");
  if (!desk) { return; }
  var d = desk.dataset;
  var presence = document.getElementById("presence");
  var linkStatus = document.getElementById("link-status");
  var lastIds = {}, shown = {}, outbox = [], socket = null, mode = "", everOpened = false, retry = 1000, timer = 0;
  window.cellwayDesk = { outbox: outbox, lastIds: lastIds, drop: function () { if (socket) { socket.close(); } } };

  function csrf() { return presence.querySelector("input[name=csrfmiddlewaretoken]").value; }
  function request(method, url, body) {
    return fetch(url, { method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() }, body: body ? JSON.stringify(body) : undefined
    }).then(function (r) { return r.json().catch(function () { return {}; }).then(function (data) { data.httpStatus = r.status; return data; }); });
  }
  function newId() { return crypto.randomUUID(); }
  function state() {
    return { available: presence.elements.available.checked,
      languages: Array.prototype.map.call(presence.querySelectorAll("input[name=languages]:checked"), function (i) { return i.value; }) };
  }
  function say(text) { linkStatus.textContent = text; }
  function card(uuid) { return desk.querySelector('.chat-card[data-uuid="' + uuid + '"]'); }
  function receive(uuid, messages) {
    var section = card(uuid);
    if (!section) { return; }
    var log = section.querySelector(".chat-log");
    (messages || []).forEach(function (m) {
      if (shown[m.id]) { return; }
      shown[m.id] = true;
      lastIds[uuid] = Math.max(lastIds[uuid] || 0, m.id);
      var pending = m.client_id && log.querySelector('[data-client-id="' + m.client_id + '"]');
      if (pending) { pending.remove(); }
      var item = document.createElement("div");
      item.className = m.from === "visitor" ? "theirs" : "mine";
      item.dataset.id = m.id;
      var who = document.createElement("strong");
      who.textContent = (m.author || (m.from === "visitor" ? "Visitor" : "You")) + ": ";
      var text = document.createElement("span");
      text.textContent = m.body;
      text.dir = "auto";
      item.appendChild(who); item.appendChild(text);
      log.appendChild(item);
      log.scrollTop = log.scrollHeight;
    });
  }
  function sendOne(message) {
    if (mode === "socket" && socket && socket.readyState === 1) {
      socket.send(JSON.stringify({ type: "send", conversation: message.conversation, client_id: message.client_id, body: message.body }));
    } else if (mode === "polling") {
      request("POST", d.baseUrl + message.conversation + "/messages/", message).then(function (data) {
        if (data.id || data.httpStatus >= 400) { forget(message.client_id, data.message); }
        poll();
      });
    }
  }
  function forget(clientId, why) {
    for (var i = outbox.length - 1; i >= 0; i--) { if (outbox[i].client_id === clientId) { outbox.splice(i, 1); } }
    if (why) { say(why); }
  }
  function flush() { outbox.forEach(sendOne); }
  function heartbeat() {
    if (mode === "socket" && socket && socket.readyState === 1) { socket.send(JSON.stringify(Object.assign({ type: "heartbeat" }, state()))); }
    else { request("POST", d.heartbeatUrl, state()); }
  }
  function refreshBoard() {
    fetch(d.boardUrl, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
      var fresh = document.createElement("div");
      fresh.innerHTML = html;
      var board = document.getElementById("chat-board");
      board.querySelector("#chat-queue").replaceWith(fresh.querySelector("#chat-queue"));
      var wanted = {};
      fresh.querySelectorAll(".chat-card").forEach(function (section) {
        var uuid = section.dataset.uuid;
        wanted[uuid] = true;
        var mine = card(uuid);
        if (mine) {
          mine.querySelector(".visitor").replaceWith(section.querySelector(".visitor"));
        } else {
          board.appendChild(section);
          lastIds[uuid] = 0;
          catchUp(uuid);
        }
      });
      board.querySelectorAll(".chat-card").forEach(function (section) { if (!wanted[section.dataset.uuid]) { section.remove(); } });
      var none = board.querySelector("#no-chats");
      if (none && board.querySelector(".chat-card")) { none.remove(); }
    });
  }
  function catchUp(uuid) {
    if (mode === "socket" && socket && socket.readyState === 1) { socket.send(JSON.stringify({ type: "fetch", conversation: uuid, after: lastIds[uuid] || 0 })); }
    else { pollOne(uuid); }
  }
  function connect() {
    clearTimeout(timer);
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var s;
    try { s = new WebSocket(scheme + location.host + d.socketPath); } catch (e) { startPolling(); return; }
    socket = s;
    s.onopen = function () {
      mode = "socket"; everOpened = true; retry = 1000; say("Connected.");
      heartbeat(); flush();
      desk.querySelectorAll(".chat-card").forEach(function (c) { catchUp(c.dataset.uuid); });
    };
    s.onmessage = function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "messages") { receive(data.conversation, data.messages); }
      else if (data.type === "ack") { forget(data.client_id); }
      else if (data.type === "refused") { forget(data.client_id, data.message); }
      else if (data.type === "queue") { refreshBoard(); }
      else if (data.type === "presence") { say(data.available ? "Connected. Available for chats in " + data.languages.join(", ") + "." : "Connected. Not taking new chats."); }
    };
    s.onclose = function () {
      if (socket !== s) { return; }
      socket = null;
      if (!everOpened) { startPolling(); return; }
      mode = ""; say("Connection lost; reconnecting. Replies typed meanwhile are kept and sent when it is back.");
      timer = setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
    };
  }
  function pollOne(uuid) {
    return request("GET", d.baseUrl + uuid + "/messages/?after=" + (lastIds[uuid] || 0)).then(function (data) { receive(uuid, data.messages); });
  }
  function poll() {
    clearTimeout(timer);
    var all = Array.prototype.map.call(desk.querySelectorAll(".chat-card"), function (c) { return pollOne(c.dataset.uuid); });
    Promise.all(all).catch(function () {}).then(function () { if (mode === "polling") { timer = setTimeout(poll, 3000); } });
  }
  function startPolling() {
    mode = "polling"; say("Live connection unavailable: checking every few seconds.");
    flush(); poll();
    setInterval(refreshBoard, 10000);
  }

  desk.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList.contains("chat-reply")) { return; }
    event.preventDefault();
    var body = form.elements.body.value.trim();
    if (!body) { return; }
    var message = { conversation: form.dataset.uuid, client_id: newId(), body: body };
    outbox.push(message);
    var item = document.createElement("div");
    item.className = "mine pending"; item.dataset.clientId = message.client_id; item.textContent = "You: " + body + " (sending…)";
    form.closest(".chat-card").querySelector(".chat-log").appendChild(item);
    form.elements.body.value = "";
    sendOne(message);
  });
  desk.addEventListener("change", function (event) {
    var select = event.target;
    if (select.classList && select.classList.contains("canned") && select.value) {
      select.closest("form").elements.body.value = select.value;
      select.value = "";
    }
    if (select.closest && select.closest("#presence")) { heartbeat(); }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState !== "visible") { return; }
    if (mode === "socket") { desk.querySelectorAll(".chat-card").forEach(function (c) { catchUp(c.dataset.uuid); }); flush(); heartbeat(); }
    else if (!mode) { connect(); }
  });
  setInterval(heartbeat, 15000);
  connect();
}());
