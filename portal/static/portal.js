/*
 * Frontdesk portal: keeps a questionnaire's partial answers on the server while the customer types.
 *   <main data-portal-draft-url="..." data-csrf-token="...">  + the shared renderer inside
 * After a change, waits 1.5 s of quiet, then POSTs {data} to the draft URL. No inline script needed.
 */
(function (window, document) {
  'use strict';

  var main = document.querySelector('[data-portal-draft-url]');
  if (!main) {
    return;
  }
  var url = main.getAttribute('data-portal-draft-url');
  var csrf = main.getAttribute('data-csrf-token');
  var timer = null;
  var submitted = false;

  function save(form) {
    if (submitted) {
      return;
    }
    window.fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrf },
      body: JSON.stringify({ data: form.submission.data })
    }).then(function (resp) {
      main.setAttribute('data-portal-saved', resp.ok ? 'true' : 'error');
    }, function () {
      main.setAttribute('data-portal-saved', 'error');
    });
  }

  function watch(form) {
    form.on('change', function (event) {
      if (!event || !event.changed) {
        return;
      }
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { save(form); }, 1500);
    });
  }

  main.addEventListener('frontdesk:submitted', function () {
    submitted = true;
    window.clearTimeout(timer);
  });
  var el = main.querySelector('[data-frontdesk-form]');
  if (el && el.frontdeskForm) {
    watch(el.frontdeskForm);
  } else {
    main.addEventListener('frontdesk:ready', function (ev) { watch(ev.detail.form); });
  }
})(window, document);
