/*
 * Inside the isolated renderer document (forms/frame.html, <iframe sandbox="allow-scripts">, opaque
 * origin, connect-src 'none'): @formio/js draws the questionnaire here and nowhere else.
 *
 * Needs: formio.full.min.js, frontdesk/i18n-de.js, frontdesk/formio-common.js, frontdesk/frame.js
 * (and frontdesk/builder.js before frame.js for the builder: init {builder: true}).
 *
 * Talks only to the embedding page (window.parent, which must have our own origin), by postMessage.
 * Every message carries frontdesk: "frame" (out) or "parent" (in) and a type:
 *   out  loaded                      frame.js is listening: send init
 *        ready {data}                form drawn, prefill applied (data: the answers as Form.io has them)
 *        schema {schema}             (builder) the definition as the designer has built it so far
 *        height {height}             the document's height in CSS pixels (the parent sizes the iframe)
 *        change {data, changed}      answers changed (changed: by the user)
 *        page                        a wizard page (or a builder settings dialog) was shown
 *        submitButton                the submit button was pressed
 *        submit {id, data}           client-side checks passed: the parent sends data to the server
 *        error                       Form.io shows errors (client-side or from the server)
 *        submitted {data}            the server accepted the answers
 *        activity                    the user touched or typed (at most every 2 s)
 *        failed {message}            the form could not be drawn
 *   in   hello                                      answered with "loaded" until init came
 *        init {definition, lang, prefill, submit}   once; submit: whether answers go to the server
 *        init {definition, lang, builder: true, includable}   once: the builder instead of the form
 *                                                   (includable: [{id, name, version}] for nested forms)
 *        submitResult {id, ok, status, errors}      the server's verdict on submit {id}
 * Nothing here can fetch, submit, open windows or navigate the page: the sandbox and the CSP forbid it.
 */
(function (window, document) {
  'use strict';

  var Formio = window.Formio;
  var Frontdesk = window.Frontdesk;
  if (!Formio || !Frontdesk || !Frontdesk.formOptions) {
    throw new Error('frontdesk/frame.js: load formio.full.min.js and frontdesk/formio-common.js first');
  }
  // The embedding page is served by us: the origin of this document's URL (its own origin is opaque).
  var PARENT = new URL(window.location.href).origin;
  var root = document.querySelector('[data-frontdesk-frame-root]');
  var started = false;
  var form = null;
  var pending = {};
  var lastHeight = 0;
  var dialogOpen = false;

  function plain(value) {
    return value === undefined ? null : JSON.parse(JSON.stringify(value));
  }

  function send(message) {
    message.frontdesk = 'frame';
    window.parent.postMessage(message, PARENT);
  }

  function reportHeight() {
    // the content itself (html/body may be sized to the viewport by the stylesheets), plus the body's
    // padding; popups (a date picker) that reach further down count too
    var bottom = root.getBoundingClientRect().bottom;
    Array.prototype.forEach.call(document.querySelectorAll(
      '.flatpickr-calendar.open, .choices__list--dropdown.is-active, .formio-dialog .formio-dialog-content'),
    function (node) { bottom = Math.max(bottom, node.getBoundingClientRect().bottom); });
    var dialog = !!document.querySelector('.formio-dialog');
    if (dialog && !dialogOpen) {
      send({ type: 'page' }); // a builder settings dialog opened: the page shows the frame's top
    }
    dialogOpen = dialog;
    var height = Math.ceil(bottom + window.scrollY + 4);
    if (height !== lastHeight) {
      lastHeight = height;
      send({ type: 'height', height: height });
    }
  }

  var heightQueued = false;
  function queueHeight() {
    if (!heightQueued) {
      heightQueued = true;
      window.requestAnimationFrame(function () {
        heightQueued = false;
        reportHeight();
      });
    }
  }

  function serverErrors(result) {
    var errors = Frontdesk.toFormioErrors({ errors: result.errors || [] });
    if (!errors.length) {
      var key = result.status ? 'frontdeskServerError' : 'frontdeskNetworkError';
      errors = [{ message: Frontdesk.t(form, key), level: 'error', fromServer: true }];
    }
    return errors;
  }

  function initBuilder(message, lang, target) {
    if (!Frontdesk.createBuilder) {
      throw new Error('frontdesk/frame.js: the builder needs frontdesk/builder.js');
    }
    var includable = Array.isArray(message.includable) ? message.includable : [];
    Frontdesk.createBuilder(target, message.definition, lang, function (schema) {
      send({ type: 'schema', schema: plain(schema) });
      queueHeight();
    }, { includable: includable }).then(function () {
      root.setAttribute('data-frontdesk-ready', 'true');
      send({ type: 'ready', data: {} });
      reportHeight();
    }).catch(function (err) {
      root.setAttribute('data-frontdesk-ready', 'error');
      window.console.error(err);
      send({ type: 'failed', message: String(err && err.message || err) });
    });
  }

  function init(message) {
    var lang = message.lang === 'en' ? 'en' : 'de';
    var target = root.querySelector('[data-frontdesk-target]');
    if (message.builder === true) {
      initBuilder(message, lang, target);
      return;
    }
    var seq = 0;
    var options = Frontdesk.formOptions(lang, {
      hooks: {
        // Runs after Form.io's own client-side validation passed, before "submit" fires.
        customValidation: function (submission, next) {
          if (!message.submit) {
            return next();
          }
          seq += 1;
          pending[seq] = function (result) {
            if (result.ok) {
              return next();
            }
            var errors = serverErrors(result);
            form.setServerErrors({ details: errors });
            next(errors);
          };
          send({ type: 'submit', id: seq, data: plain(submission.data) });
        }
      }
    });
    Formio.createForm(target, message.definition, options).then(function (instance) {
      form = instance;
      if (message.prefill && typeof message.prefill === 'object') {
        form.submission = { data: message.prefill };
      }
      var lastData = JSON.stringify(form.submission.data);
      function sendChange(changed) {
        var data = plain(form.submission.data);
        var text = JSON.stringify(data);
        if (text !== lastData) {
          lastData = text;
          send({ type: 'change', changed: changed, data: data });
        }
      }
      form.on('change', function (event) {
        sendChange(!!(event && event.changed));
        queueHeight();
      });
      // Form.io has the new value as soon as its own input listener ran, but announces "change" a
      // little later: report typing at once, so a page that is left right away still has the answers
      ['input', 'change'].forEach(function (name) {
        document.addEventListener(name, function () { sendChange(true); });
      });
      form.on('submitButton', function () { send({ type: 'submitButton' }); });
      form.on('error', function () {
        send({ type: 'error' });
        queueHeight();
      });
      form.on('submit', function (submission) {
        form.emit('submitDone', submission); // re-enables the submit button
        send({ type: 'submitted', data: plain(submission.data) });
      });
      ['wizardPageSelected', 'nextPage', 'prevPage'].forEach(function (name) {
        form.on(name, function () {
          send({ type: 'page' });
          queueHeight();
        });
      });
      root.setAttribute('data-frontdesk-ready', 'true');
      send({ type: 'ready', data: plain(form.submission.data) });
      reportHeight();
    }).catch(function (err) {
      root.setAttribute('data-frontdesk-ready', 'error');
      window.console.error(err);
      send({ type: 'failed', message: String(err && err.message || err) });
    });
  }

  window.addEventListener('message', function (event) {
    if (event.source !== window.parent || event.origin !== PARENT) {
      return;
    }
    var message = event.data;
    if (!message || typeof message !== 'object' || message.frontdesk !== 'parent') {
      return;
    }
    if (message.type === 'hello' && !started) {
      send({ type: 'loaded' });
    } else if (message.type === 'init' && !started && message.definition && typeof message.definition === 'object') {
      started = true;
      init(message);
    } else if (message.type === 'submitResult' && pending[message.id]) {
      var done = pending[message.id];
      delete pending[message.id];
      done(message);
    }
  });

  if (window.ResizeObserver) {
    new window.ResizeObserver(queueHeight).observe(root);
  }
  new window.MutationObserver(queueHeight).observe(document.body,
    { childList: true, subtree: true, attributes: true });
  window.addEventListener('resize', queueHeight);
  var lastActivity = 0;
  ['input', 'change', 'click', 'keydown', 'touchstart'].forEach(function (name) {
    document.addEventListener(name, function () {
      var now = Date.now();
      if (now - lastActivity > 2000) {
        lastActivity = now;
        send({ type: 'activity' });
      }
    }, { passive: true, capture: true });
  });
  send({ type: 'loaded' });
})(window, document);
