// Frontdesk admin helpers. No inline handlers: the Content-Security-Policy forbids them.
(function () {
  "use strict";
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
  });
})();
