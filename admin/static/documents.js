// Customer file › Documents: drag and drop, several files, one request per file with a progress bar.
// No inline handlers (the Content-Security-Policy forbids them); texts come translated from the page.
(function () {
  "use strict";

  function item(list, name) {
    var li = document.createElement("li");
    var label = document.createElement("span");
    label.textContent = name + " ";
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    var state = document.createElement("span");
    state.className = "ml-2";
    li.appendChild(label);
    li.appendChild(bar);
    li.appendChild(state);
    list.appendChild(li);
    return {bar: bar, state: state, li: li};
  }

  function send(form, file, row) {
    return new Promise(function (resolve) {
      var data = new FormData();
      ["csrf_token", "category", "share", "note"].forEach(function (name) {
        var field = form.elements[name];
        if (field) { data.append(name, field.value); }
      });
      data.append("file", file, file.name);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) { row.bar.value = Math.round(100 * event.loaded / event.total); }
      });
      xhr.addEventListener("load", function () {
        var answer = null;
        try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
        if (xhr.status === 200) {
          row.bar.value = 100;
          row.state.textContent = form.getAttribute("data-text-done");
          row.li.setAttribute("data-state", "done");
          resolve(true);
        } else {
          row.state.textContent = (answer && answer.error) || form.getAttribute("data-text-failed");
          row.state.className = "ml-2 text-danger";
          row.li.setAttribute("data-state", "failed");
          resolve(false);
        }
      });
      xhr.addEventListener("error", function () {
        row.state.textContent = form.getAttribute("data-text-failed");
        row.state.className = "ml-2 text-danger";
        row.li.setAttribute("data-state", "failed");
        resolve(false);
      });
      xhr.send(data);
    });
  }

  function init(form) {
    var input = form.querySelector('input[type="file"]');
    var zone = form.querySelector("[data-fd-dropzone]");
    var list = form.querySelector("[data-fd-progress]");
    var button = form.querySelector('button[type="submit"]');
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("fd-dropzone-over");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("fd-dropzone-over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) { input.files = event.dataTransfer.files; }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var files = Array.prototype.slice.call(input.files || []);
      if (!files.length) { return; }
      list.textContent = "";
      button.disabled = true;
      var rows = files.map(function (file) { return item(list, file.name); });
      var results = [];
      files.reduce(function (previous, file, i) {
        return previous.then(function () {
          return send(form, file, rows[i]).then(function (ok) { results.push(ok); });
        });
      }, Promise.resolve()).then(function () {
        button.disabled = false;
        input.value = "";
        if (results.every(Boolean)) { window.location.reload(); }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-fd-upload]").forEach(init);
  });
})();
