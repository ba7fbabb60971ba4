/*
 * Autosave for the questionnaire pages of the dialogs and the portal: the answers so far go to
 * data-autosave-url as the customer goes.
 *   <main data-autosave-url="...">  + the shared renderer inside (the data-csrf-token of <main> or of
 *   the renderer is sent)
 *
 * After a change, waits for 800 ms of quiet, then POSTs {data}. One save at a time: changes made
 * while a save is under way are sent when it returns, so the newest answers are the last ones stored.
 * Leaving or hiding the page sends unsaved changes at once (fetch keepalive). A submit pauses the
 * autosave (resumed if the answers are refused) and a completed submit or a closed link (410) ends it.
 * A network or server failure is retried after a few seconds; a refused save waits for the next change.
 *
 * Works whether the form became ready before or after this script ran (deferred scripts can arrive
 * late). State for styles and tests: data-autosave-state="saving|saved|error|closed" on <main>;
 * [data-autosave-saved] is shown once answers are stored, [data-autosave-failed] while they are not
 * (both optional).
 * No inline script (CSP).
 */
(function (window, document) {
  'use strict';

  var page = document.querySelector('[data-autosave-url]');
  if (!page) {
    return;
  }
  var url = page.getAttribute('data-autosave-url');
  var savedNote = page.querySelector('[data-autosave-saved]');
  var failedNote = page.querySelector('[data-autosave-failed]');
  var DELAY = 800;
  var RETRY = 5000;

  var form = null;
  var timer = null;
  var inFlight = 0;      // saves under way
  var dirty = false;     // changes not sent yet
  var paused = false;    // a submit is being checked
  var stopped = false;   // submitted, or the link is closed: never send again
  var lastSent = null;   // the JSON body of the latest save
  var stored = !!savedNote && !savedNote.hidden;  // answers are stored (restored on this page, or saved)

  function show(state) {
    page.setAttribute('data-autosave-state', state);
    if (savedNote) {
      savedNote.hidden = !(stored && (state === 'saved' || state === 'saving'));
    }
    if (failedNote) {
      failedNote.hidden = state !== 'error';
    }
  }

  function csrf() {
    var holder = page.hasAttribute('data-csrf-token') ? page : page.querySelector('[data-csrf-token]');
    return holder ? holder.getAttribute('data-csrf-token') : '';
  }

  function schedule(ms) {
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { save(false); }, ms);
  }

  function outcome(resp) {
    if (resp.ok) {
      return 'saved';
    }
    if (resp.status === 410) {
      return 'closed';
    }
    return resp.status >= 500 ? 'retry' : 'refused';
  }

  /** Send the current answers; ``leaving``: the page is going away (do not wait for a running save). */
  function save(leaving) {
    window.clearTimeout(timer);
    timer = null;
    if (!form || stopped || paused || !dirty || (inFlight && !leaving)) {
      return;
    }
    dirty = false;
    inFlight += 1;
    lastSent = JSON.stringify({ data: form.submission.data });
    show('saving');
    window.fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      keepalive: !!leaving,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrf() },
      body: lastSent
    }).then(outcome, function () { return 'retry'; }).then(function (result) {
      inFlight -= 1;
      if (stopped) {
        return;
      }
      if (result === 'closed') {
        stopped = true;
        show('closed');
        return;
      }
      if (result === 'saved') {
        stored = true;
      } else if (result === 'retry') {
        dirty = true; // network or server trouble: send again (a refused save waits for the next change)
      }
      if (inFlight) {
        return; // the later save reports
      }
      show(result === 'saved' ? 'saved' : 'error');
      if (dirty && !timer && !paused) { // changed meanwhile (sent now), or failed (sent again later)
        schedule(result === 'retry' ? RETRY : 0);
      }
    });
  }

  function changed(event) {
    if (!event || !event.changed || stopped) {
      return;
    }
    dirty = true;
    if (!paused) { // while a submit is checked, the answers wait (resume() sends them if it is refused)
      schedule(DELAY);
    }
  }

  function resume() {
    paused = false;
    if (dirty && !stopped) {
      schedule(DELAY);
    }
  }

  function watch(instance) {
    if (form) {
      return;
    }
    form = instance;
    lastSent = JSON.stringify({ data: form.submission.data });
    form.on('change', changed);
    form.on('submitButton', function () {
      paused = true;
      window.clearTimeout(timer);
      timer = null;
    });
    form.on('error', resume);  // client-side or server-side refusal: keep saving
    form.on('submit', function () {
      stopped = true;
      window.clearTimeout(timer);
    });
  }

  page.addEventListener('frontdesk:ready', function (ev) { watch(ev.detail.form); });
  page.addEventListener('frontdesk:error', resume);
  page.addEventListener('frontdesk:submitted', function () {
    stopped = true;
    window.clearTimeout(timer);
  });
  var el = page.querySelector('[data-frontdesk-form]');
  if (el && el.frontdeskForm) {
    watch(el.frontdeskForm); // the form was ready before this script ran
  }

  function leave() {
    // Form.io reports typing with a short delay: compare the answers themselves, not only "changed"
    if (form && !dirty && JSON.stringify({ data: form.submission.data }) !== lastSent) {
      dirty = true;
    }
    save(true);
  }
  window.addEventListener('pagehide', leave);
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'hidden') {
      leave();
    }
  });
})(window, document);
