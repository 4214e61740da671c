// Records upload (the web inquiry's link page, the portal's case page): each chosen file is posted alone with
// XMLHttpRequest, with the form's other fields (the portal's "which record"), so the browser's upload progress
// (xhr.upload.onprogress) moves a <progress> bar; the server's answer (JSON, in the person's language) is shown
// beside the file. Then the list of sent files (#received) is fetched again from the page (data-refresh, else
// this page) while any of them is still being checked. Without this script the form posts the files the
// ordinary way.
(function () {
  "use strict";
  var form = document.querySelector("form[data-upload]");
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var input = form.querySelector("input[type=file]");
  var list = form.querySelector("[data-progress]");
  var result = document.getElementById("upload-result");
  var polls = 0;

  function row(file) {
    var li = document.createElement("li");
    var name = document.createElement("span");
    name.textContent = file.name;
    name.dir = "auto";
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", form.dataset.sending + " " + file.name);
    var note = document.createElement("span");
    note.className = "upload-note";
    li.appendChild(name);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(bar);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(note);
    list.appendChild(li);
    return { li: li, bar: bar, note: note };
  }

  function send(file, done) {
    var shown = row(file);
    var data = new FormData();
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || field.type === "file" || field.disabled) { return; }
      if ((field.type === "checkbox" || field.type === "radio") && !field.checked) { return; }
      data.append(field.name, field.value);
    });
    data.append("file", file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { shown.bar.value = Math.round(100 * e.loaded / e.total); }
    };
    xhr.onload = function () {
      var answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (err) { answer = {}; }
      var ok = xhr.status < 400;
      if (ok) { shown.bar.value = 100; }
      shown.li.dataset.state = ok ? "received" : "refused";
      shown.note.textContent = answer.message || answer.error || form.dataset.failed;
      if (!ok) { shown.note.setAttribute("role", "alert"); shown.note.className = "upload-note error"; }
      done(ok);
    };
    xhr.onerror = function () {
      shown.li.dataset.state = "refused";
      shown.note.textContent = form.dataset.failed;
      shown.note.className = "upload-note error";
      done(false);
    };
    xhr.send(data);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var files = Array.prototype.slice.call(input.files || []);
    if (!files.length) { input.focus(); return; }
    result.hidden = true;
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    var anyOk = false;
    (function next(i) {
      if (i >= files.length) {
        button.disabled = false;
        input.value = "";
        // The list of received files (with their check) comes from the server: reload it once all are sent.
        if (anyOk) { polls = 0; refresh(); }
        return;
      }
      send(files[i], function (ok) { anyOk = anyOk || ok; next(i + 1); });
    })(0);
  });

  function refresh() {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", form.dataset.refresh || window.location.href);
    xhr.onload = function () {
      if (xhr.status !== 200) { return; }
      var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
      var fresh = doc.getElementById("received");
      var current = document.getElementById("received");
      if (fresh && current) { current.replaceWith(fresh); }
      // Other parts of the page that the upload changes (the portal's list of records still missing).
      Array.prototype.forEach.call(document.querySelectorAll("[data-live][id]"), function (part) {
        var again = doc.getElementById(part.id);
        if (again) { part.replaceWith(again); }
      });
      // The virus scan and the reading run in the background: look again while a file is still being checked.
      if (fresh && fresh.querySelector("[data-state=checking]") && polls < 60) {
        polls += 1;
        window.setTimeout(refresh, 2000);
      }
    };
    xhr.send();
  }
})();
