// Customer file: after a click on a call link, the "note the call" form is ready (time now, cursor in
// the note), so noting the call is one step. No inline handlers (Content-Security-Policy).
(function () {
  "use strict";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.fd-call-link");
    var form = document.querySelector("form[data-fd-call-note]");
    if (!link || !form) { return; }
    var now = new Date();
    form.elements.at.value = now.getFullYear() + "-" + pad(now.getMonth() + 1) + "-" + pad(now.getDate()) +
      "T" + pad(now.getHours()) + ":" + pad(now.getMinutes());
    window.setTimeout(function () {
      form.scrollIntoView({block: "center"});
      form.elements.note.focus();
    }, 0);
  });
})();
