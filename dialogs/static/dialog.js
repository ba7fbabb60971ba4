/* Dialog autosave: after a change, the answers so far go to data-dialog-progress-url (debounced). */
(function (document) {
  'use strict';
  var page = document.querySelector('[data-dialog-progress-url]');
  if (!page) { return; }
  var url = page.getAttribute('data-dialog-progress-url');
  var saved = page.querySelector('[data-dialog-saved]');
  var timer = null;
  page.addEventListener('frontdesk:ready', function (ev) {
    var form = ev.detail.form;
    var holder = page.querySelector('[data-csrf-token]');
    var csrf = holder ? holder.getAttribute('data-csrf-token') : '';
    form.on('change', function (change) {
      if (!change || !change.changed) { return; }
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        window.fetch(url, {
          method: 'POST', credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrf },
          body: JSON.stringify({ data: form.submission.data })
        }).then(function (r) { if (r.ok && saved) { saved.hidden = false; } });
      }, 800);
    });
  });
}(document));
