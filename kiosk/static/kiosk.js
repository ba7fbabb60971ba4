/*
 * Frontdesk tablet: the behaviour of the kiosk pages, driven by data attributes (no inline script).
 *
 *   [data-kiosk-idle]    idle screen: GET data-poll-url every data-interval ms;
 *                        {state: "run", url} -> open the questionnaire; 401/404 -> reload the display
 *   [data-kiosk-run]     questionnaire: POST data-heartbeat-url every data-interval ms ({active}:
 *                        whether the customer touched the form: frontdesk:activity from the renderer
 *                        frame, or input on the page); 410 -> back to data-display-url.
 *                        Submitted -> replace (not push) the page, so Back never returns to the form.
 *   [data-kiosk-return]  thank-you / closed screen: back to the idle screen after data-delay ms.
 *
 * Navigation uses location.replace: the browser history of the tablet never holds a run URL.
 */
(function (window, document) {
  'use strict';

  function go(url) {
    window.location.replace(url);
  }

  function idle(el) {
    var url = el.getAttribute('data-poll-url');
    var display = el.getAttribute('data-display-url');
    var interval = parseInt(el.getAttribute('data-interval'), 10) || 1000;
    var status = el.querySelector('[data-kiosk-status]');
    var timer = null;

    function schedule(ms) {
      window.clearTimeout(timer);
      timer = window.setTimeout(poll, ms);
    }

    function poll() {
      window.fetch(url, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } })
        .then(function (resp) {
          if (resp.status === 401 || resp.status === 404) {
            go(display);
            return null;
          }
          if (status) {
            status.classList.toggle('fd-offline', !resp.ok);
          }
          return resp.ok ? resp.json() : {};
        })
        .then(function (body) {
          if (body === null) {
            return;
          }
          if (body && body.state === 'run' && body.url) {
            go(body.url);
            return;
          }
          schedule(interval);
        })
        .catch(function () {
          if (status) {
            status.classList.add('fd-offline');
          }
          schedule(Math.max(interval, 3000));
        });
    }

    poll();
  }

  function run(el) {
    var url = el.getAttribute('data-heartbeat-url');
    var display = el.getAttribute('data-display-url');
    var csrf = el.getAttribute('data-csrf-token');
    var interval = parseInt(el.getAttribute('data-interval'), 10) || 5000;
    var active = false;

    // the form itself lives in the isolated renderer frame, which reports input as frontdesk:activity
    ['input', 'change', 'click', 'keydown', 'touchstart', 'frontdesk:activity'].forEach(function (name) {
      document.addEventListener(name, function () { active = true; }, { passive: true, capture: true });
    });

    function beat() {
      var wasActive = active;
      active = false;
      window.fetch(url, {
        method: 'POST',
        credentials: 'same-origin',
        cache: 'no-store',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrf },
        body: JSON.stringify({ active: wasActive })
      }).then(function (resp) {
        if (resp.status === 410 || resp.status === 401 || resp.status === 404) {
          go(display);
          return;
        }
        window.setTimeout(beat, interval);
      }, function () {
        active = active || wasActive;
        window.setTimeout(beat, interval);
      });
    }
    window.setTimeout(beat, interval);

    // The shared renderer announces the accepted submission: leave without a history entry.
    document.addEventListener('frontdesk:submitted', function (ev) {
      var target = ev.detail && ev.detail.response && ev.detail.response.redirect;
      if (target) {
        ev.preventDefault();
        go(target);
      }
    });
    // Closed meanwhile (cancelled by staff, timed out): back to the idle screen.
    document.addEventListener('frontdesk:error', function (ev) {
      if (ev.detail && ev.detail.status === 410) {
        go(display);
      }
    });
  }

  function returning(el) {
    var delay = parseInt(el.getAttribute('data-delay'), 10) || 5000;
    window.setTimeout(function () { go(el.getAttribute('data-kiosk-return')); }, delay);
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll('[data-kiosk-idle]'), idle);
    Array.prototype.forEach.call(document.querySelectorAll('[data-kiosk-run]'), run);
    Array.prototype.forEach.call(document.querySelectorAll('[data-kiosk-return]'), returning);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})(window, document);
