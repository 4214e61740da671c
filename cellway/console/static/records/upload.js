// Drag-and-drop upload of many files into a records checklist item, in
// resumable chunks, with a progress bar per file.
//
// Written here rather than vendoring a library (Uppy, Resumable.js, tus-js):
// those bring their own server protocol or hundreds of KiB of code, while the
// clinic's protocol is three requests (start, PUT chunk at offset, complete),
// and CSP 'self' forbids the inline scripts and styles several of them inject.
//
// Protocol: POST start-url (name, size, key) -> {chunk_url, complete_url,
// status_url, offset, chunk_size}; PUT each chunk as application/octet-stream
// to chunk_url with its offset; a dropped connection asks status_url where to
// go on and resumes (a chunk sent twice is harmless); POST complete_url.
(function () {
  if (window.cellwayUploads) return;
  window.cellwayUploads = true;

  var PARALLEL = 2;
  var RETRIES = 6;
  var queue = [];
  var running = 0;

  function csrf(zone) {
    var input = zone.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function human(bytes) {
    var units = ["bytes", "KiB", "MiB", "GiB"];
    var i = 0;
    while (bytes >= 1024 && i < units.length - 1) { bytes /= 1024; i++; }
    return (i ? bytes.toFixed(1) : bytes) + " " + units[i];
  }

  function request(method, url, zone, body, onProgress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, url);
      xhr.setRequestHeader("X-CSRFToken", csrf(zone));
      xhr.setRequestHeader("Accept", "application/json");
      if (onProgress) xhr.upload.onprogress = function (e) { if (e.lengthComputable) onProgress(e.loaded); };
      xhr.onload = function () {
        var data = {};
        try { data = JSON.parse(xhr.responseText); } catch (e) { data = { error: "The server answered " + xhr.status + "." }; }
        resolve({ status: xhr.status, data: data });
      };
      xhr.onerror = function () { reject(new Error("network")); };
      xhr.ontimeout = function () { reject(new Error("timeout")); };
      if (body instanceof Blob) xhr.setRequestHeader("Content-Type", "application/octet-stream");
      xhr.send(body);
    });
  }

  function row(zone, file) {
    var li = document.createElement("li");
    var name = document.createElement("span");
    name.className = "name";
    name.textContent = file.name + " (" + human(file.size) + ")";
    var bar = document.createElement("progress");
    bar.max = 100; bar.value = 0;
    bar.setAttribute("aria-label", "Uploading " + file.name);
    var note = document.createElement("span");
    note.className = "small note";
    note.textContent = "waiting";
    li.append(name, " ", bar, " ", note);
    zone.querySelector("[data-uploads]").append(li);
    return { li: li, bar: bar, note: note };
  }

  function fail(ui, message) {
    ui.li.classList.add("refused");
    ui.bar.remove();
    ui.note.textContent = message;
  }

  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

  async function upload(job) {
    var zone = job.zone, file = job.file, ui = job.ui;
    var form = new FormData();
    form.append("name", file.name);
    form.append("size", String(file.size));
    form.append("key", [file.name, file.size, file.lastModified].join(":"));
    var start = await request("POST", zone.dataset.startUrl, zone, form);
    if (start.status !== 201 && start.status !== 200) return fail(ui, start.data.error || "Refused.");
    var s = start.data;
    var offset = s.offset;
    var tries = 0;
    ui.note.textContent = offset ? "resuming" : "uploading";
    while (offset < file.size) {
      var end = Math.min(offset + s.chunk_size, file.size);
      var base = offset;
      try {
        var put = await request("PUT", s.chunk_url.replace("{offset}", String(offset)), zone, file.slice(offset, end), function (loaded) {
          ui.bar.value = Math.floor(100 * (base + loaded) / file.size);
        });
      } catch (e) {
        if (++tries > RETRIES) return fail(ui, "The connection keeps dropping; drop the file again to go on where it stopped.");
        ui.note.textContent = "connection lost, retrying";
        await sleep(500 * tries);
        var where = await request("GET", s.status_url, zone).catch(function () { return null; });
        if (where && where.status === 200) offset = where.data.offset;
        continue;
      }
      if (put.status === 409) { offset = put.data.offset; continue; }
      if (put.status !== 200) return fail(ui, put.data.error || "Refused.");
      tries = 0;
      offset = put.data.offset;
      ui.bar.value = Math.floor(100 * offset / file.size);
    }
    ui.note.textContent = "checking";
    var done = await request("POST", s.complete_url, zone);
    if (done.status !== 200) return fail(ui, done.data.error || "Refused.");
    ui.bar.value = 100;
    ui.li.classList.add("received");
    ui.note.textContent = "received";
    showFile(zone, done.data);
  }

  function showFile(zone, record) {
    var row = zone.closest("tr");
    if (!row) return;
    var list = row.querySelector("[data-files]");
    var none = list.querySelector("[data-none]");
    if (none) none.remove();
    var li = document.createElement("li");
    var a = document.createElement("a");
    a.href = record.url; a.textContent = record.name;
    var progress = document.createElement("span");
    progress.setAttribute("hx-get", record.progress_url);
    progress.setAttribute("hx-trigger", "load");
    progress.setAttribute("hx-swap", "outerHTML");
    li.append(a, " ", progress);
    list.prepend(li);
    if (window.htmx) window.htmx.process(li);
    var status = row.querySelector("[data-item-status]");
    if (status) { status.textContent = "Received"; status.className = "badge good"; }
  }

  function pump() {
    while (running < PARALLEL && queue.length) {
      var job = queue.shift();
      running++;
      job.ui.note.textContent = "starting";
      upload(job).catch(function (e) { fail(job.ui, "Upload stopped: " + e.message); })
        .finally(function () { running--; pump(); });
    }
  }

  function add(zone, files) {
    files.forEach(function (file) { queue.push({ zone: zone, file: file, ui: row(zone, file) }); });
    pump();
  }

  // A dropped folder (a CD copied to disk) is walked for its files.
  function walk(entry) {
    return new Promise(function (resolve) {
      if (entry.isFile) return entry.file(function (f) { resolve([f]); }, function () { resolve([]); });
      if (!entry.isDirectory) return resolve([]);
      var reader = entry.createReader(), all = [];
      (function more() {
        reader.readEntries(function (entries) {
          if (!entries.length) return Promise.all(all).then(function (lists) { resolve([].concat.apply([], lists)); });
          entries.forEach(function (e) { all.push(walk(e)); });
          more();
        }, function () { resolve([]); });
      })();
    });
  }

  async function dropped(event) {
    var items = event.dataTransfer.items;
    if (items && items.length && items[0].webkitGetAsEntry) {
      var entries = Array.from(items).map(function (i) { return i.webkitGetAsEntry(); }).filter(Boolean);
      var lists = await Promise.all(entries.map(walk));
      return [].concat.apply([], lists);
    }
    return Array.from(event.dataTransfer.files);
  }

  document.addEventListener("dragover", function (e) {
    var zone = e.target.closest && e.target.closest("[data-dropzone]");
    if (!zone) return;
    e.preventDefault();
    zone.classList.add("over");
  });
  document.addEventListener("dragleave", function (e) {
    var zone = e.target.closest && e.target.closest("[data-dropzone]");
    if (zone) zone.classList.remove("over");
  });
  document.addEventListener("drop", function (e) {
    var zone = e.target.closest && e.target.closest("[data-dropzone]");
    if (!zone) return;
    e.preventDefault();
    zone.classList.remove("over");
    dropped(e).then(function (files) { add(zone, files); });
  });
  document.addEventListener("change", function (e) {
    var input = e.target;
    var zone = input.closest && input.closest("[data-dropzone]");
    if (!zone || input.type !== "file") return;
    add(zone, Array.from(input.files));
    input.value = "";
  });
  // With JavaScript the chunked path replaces the one-request form.
  document.addEventListener("submit", function (e) {
    if (e.target.matches && e.target.matches("[data-dropzone]")) e.preventDefault();
  });
  document.documentElement.classList.add("js-uploads");
})();
