// Frontdesk admin helpers. No inline handlers: the Content-Security-Policy forbids them.
(function () {
  "use strict";
  // The page's language (Flask-Admin's base template has no lang attribute) and select2's texts in it.
  var meta = document.querySelector('meta[name="fd-lang"]');
  var lang = meta ? meta.getAttribute("content") : "";
  if (lang) {
    document.documentElement.setAttribute("lang", lang);
  }
  if (lang === "de" && window.jQuery && window.jQuery.fn.select2) {
    window.jQuery.extend(window.jQuery.fn.select2.defaults, {
      formatNoMatches: function () { return "Keine Treffer"; },
      formatSearching: function () { return "Suche …"; },
      formatLoadMore: function () { return "Weitere Ergebnisse werden geladen …"; },
      formatAjaxError: function () { return "Die Suche ist fehlgeschlagen"; },
      formatInputTooShort: function (input, min) {
        var n = min - input.length;
        return "Bitte noch " + n + " Zeichen eingeben";
      },
      formatInputTooLong: function (input, max) {
        return "Bitte " + (input.length - max) + " Zeichen weniger eingeben";
      },
      formatSelectionTooBig: function (limit) {
        return "Sie können höchstens " + limit + " Einträge auswählen";
      }
    });
  }
  // Confirmation for forms that ask for it (row delete buttons).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var message = form.getAttribute && form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  }, true);
  // Links that only trigger scripts (filters, dropdowns) must not navigate.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest('a[href="#"], a[href^="javascript:"]');
    if (link) {
      event.preventDefault();
    }
    var bulk = event.target.closest && event.target.closest("[data-fd-action]");
    if (bulk && window.modelActions) {
      window.modelActions.execute(bulk.getAttribute("data-fd-action"));
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll('a[href^="javascript:"]').forEach(function (a) { a.setAttribute("href", "#"); });
    fillEndFromDuration();
  });

  // Appointment form: the end follows the start and the chosen activity's duration, until staff type
  // an end of their own (datetime-local values: plain arithmetic on the wall-clock time).
  function fillEndFromDuration() {
    var activity = document.querySelector("select[data-fd-durations]");
    var start = document.getElementById("start");
    var end = document.getElementById("end");
    if (!activity || !start || !end) {
      return;
    }
    var durations = JSON.parse(activity.getAttribute("data-fd-durations") || "{}");
    var ours = end.value;
    function two(n) { return (n < 10 ? "0" : "") + n; }
    function fill() {
      var minutes = durations[activity.value];
      var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(start.value || "");
      if (!minutes || !m || (end.value && end.value !== ours)) {
        return;
      }
      var t = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]) + minutes * 60000);
      end.value = t.getUTCFullYear() + "-" + two(t.getUTCMonth() + 1) + "-" + two(t.getUTCDate()) + "T" +
        two(t.getUTCHours()) + ":" + two(t.getUTCMinutes());
      ours = end.value;
    }
    start.addEventListener("change", fill);
    start.addEventListener("input", fill);
    activity.addEventListener("change", fill);
    if (window.jQuery) {
      window.jQuery(activity).on("change", fill);  // select2 tells jQuery handlers only
    }
  }
})();
