/*
 * Frontdesk form renderer: one module for kiosk, portal and builder preview.
 *
 * Needs (in this order, all from our own static folder):
 *   vendor/@formio/js/formio.full.min.js, frontdesk/i18n-de.js, frontdesk/render.js
 *
 * Markup (forms/templates/forms/_renderer.html renders it):
 *   <div class="frontdesk-form" data-frontdesk-form
 *        data-definition-id="ID of <script type=application/json> holding the form JSON"
 *     or data-form-url="URL answering the form JSON"
 *        data-submit-url="/portal/forms/x/submit"   (POST, JSON {data: {...}})
 *        data-csrf-token="..."                      (sent as X-CSRFToken)
 *        data-lang="de|en"
 *        data-prefill='{"email": "..."}'  or data-prefill-id="ID of a JSON <script>"
 *        data-mode="kiosk|portal|preview"></div>
 *
 * Server answers:  2xx {"redirect": url}? -> event "frontdesk:submitted", then follow redirect
 *                  400/422 {"errors": [{message, path: [..], context: {key, label, path}, level}]}
 *                  -> errors shown next to their fields by Form.io (Webform#showErrors)
 * DOM events (bubble, on the container): frontdesk:ready {form}, frontdesk:submitted {data, response}
 * (cancelable: preventDefault() stops the redirect), frontdesk:error {errors, status}.
 * No inline script is needed anywhere (CSP: script-src 'self' 'unsafe-eval').
 */
(function (window, document) {
  'use strict';

  var Formio = window.Formio;
  if (!Formio) {
    throw new Error('frontdesk/render.js: load vendor/@formio/js/formio.full.min.js first');
  }

  // <static>/frontdesk/render.js -> <static>/vendor/cdn  (path only: never another host)
  var script = document.currentScript;
  var STATIC_ROOT = script && script.src
    ? new URL(script.src, window.location.href).pathname.replace(/frontdesk\/render\.js$/, '')
    : '/static/formio/';
  var CDN_URL = STATIC_ROOT + 'vendor/cdn';

  var configured = false;
  function configure(cdnUrl) {
    if (configured && !cdnUrl) {
      return;
    }
    configured = true;
    // Every lazily loaded library (flatpickr, moment-timezone data, ace, ...) is built from
    // Formio.cdn; with a base URL that is not cdn.form.io the URL is "<base>/<lib>/<file>".
    Formio.cdn.setBaseUrl(cdnUrl || CDN_URL);
    // API calls Form.io might make (none with our options) go to our own origin, never api.form.io.
    Formio.setBaseUrl(window.location.origin);
    Formio.setProjectUrl(window.location.origin);
  }
  configure();

  function parseJson(text, what) {
    if (text === null || text === undefined || text === '') {
      return null;
    }
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new Error('frontdesk: invalid JSON in ' + what + ': ' + e.message);
    }
  }

  function jsonFromElement(id) {
    var node = id && document.getElementById(id);
    return node ? parseJson(node.textContent, '#' + id) : null;
  }

  function language(el) {
    var lang = (el.getAttribute('data-lang') || document.documentElement.lang || 'de').slice(0, 2);
    return lang === 'en' ? 'en' : 'de';
  }

  /** The options every Frontdesk form (and the builder) is created with. */
  function formOptions(lang, extra) {
    var dict = window.FrontdeskI18n || { de: {}, en: {} };
    var i18n = {};
    i18n.de = Object.assign({}, dict.de);
    i18n.en = Object.assign({}, dict.en);
    return Object.assign({
      language: lang,
      i18n: i18n,
      // ACE (builder settings dialogs): no web worker (would need worker-src blob:). Form.io does not
      // pass this down to every editor, so builder.js also makes it ACE's default.
      editors: { ace: { settings: { useWorker: false } } },
      // Rich-text editors are not vendored; we never ask Form.io for them.
      sanitize: true,
      noAlerts: false,
      highlightErrors: true
    }, extra || {});
  }

  function t(form, key) {
    return form && form.t ? form.t(key) : key;
  }

  function dispatch(el, name, detail, cancelable) {
    var ev = new CustomEvent(name, { bubbles: true, cancelable: !!cancelable, detail: detail });
    el.dispatchEvent(ev);
    return ev;
  }

  /** Server error objects -> what Webform#showErrors understands. */
  function toFormioErrors(payload) {
    var list = (payload && (payload.errors || payload.details)) || [];
    if (!Array.isArray(list)) {
      list = [list];
    }
    return list
      .filter(function (err) { return err && (!err.level || err.level === 'error'); })
      .map(function (err) {
        if (typeof err === 'string') {
          return { message: err, level: 'error', fromServer: true };
        }
        var ctx = Object.assign({}, err.context || {});
        var path = err.path;
        if ((path === undefined || path === null || path === '') && ctx.path) {
          path = ctx.path;
        }
        var out = { message: String(err.message || ''), level: 'error', fromServer: true, context: ctx };
        if (path !== undefined && path !== null && path !== '') {
          out.path = path;
          if (!ctx.path) {
            ctx.path = Array.isArray(path)
              ? Formio.Utils.getStringFromComponentPath(path)
              : String(path);
          }
          ctx.hasLabel = true; // message already names the field (server wording = Form.io's)
        }
        return out;
      });
  }

  function postSubmission(el, form, data) {
    var url = el.getAttribute('data-submit-url');
    var headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    var csrf = el.getAttribute('data-csrf-token');
    if (csrf) {
      headers['X-CSRFToken'] = csrf;
    }
    return window.fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: headers,
      body: JSON.stringify({ data: data })
    }).then(function (resp) {
      return resp.text().then(function (text) {
        var body = null;
        try {
          body = text ? JSON.parse(text) : {};
        } catch (e) {
          body = null;
        }
        return { status: resp.status, ok: resp.ok, body: body };
      });
    });
  }

  /**
   * Render the form described by the container's data attributes.
   * Returns a Promise of the Form.io form instance.
   */
  function renderForm(el, overrides) {
    configure(el.getAttribute('data-cdn-url'));
    var lang = language(el);
    var mode = el.getAttribute('data-mode') || 'portal';
    el.classList.add('frontdesk-form', 'frontdesk-mode-' + mode);
    var definition = el.getAttribute('data-definition-id')
      ? Promise.resolve(jsonFromElement(el.getAttribute('data-definition-id')))
      : window.fetch(el.getAttribute('data-form-url'), {
        credentials: 'same-origin', headers: { Accept: 'application/json' }
      }).then(function (r) {
        if (!r.ok) {
          throw new Error('frontdesk: form definition ' + r.status);
        }
        return r.json();
      });
    var prefill = el.hasAttribute('data-prefill-id')
      ? jsonFromElement(el.getAttribute('data-prefill-id'))
      : parseJson(el.getAttribute('data-prefill'), 'data-prefill');
    var lastResponse = null;

    return definition.then(function (def) {
      var target = el.querySelector('[data-frontdesk-target]') || el;
      var form;
      var options = formOptions(lang, Object.assign({
        hooks: {
          // Runs after Form.io's own client-side validation passed, before "submit" fires.
          customValidation: function (submission, next) {
            if (mode === 'preview' || !el.getAttribute('data-submit-url')) {
              lastResponse = { status: 0, body: {} };
              return next();
            }
            postSubmission(el, form, submission.data).then(function (res) {
              lastResponse = res;
              if (res.ok) {
                return next();
              }
              var errors = res.body ? toFormioErrors(res.body) : [];
              if (!errors.length) {
                errors = [{ message: t(form, 'frontdeskServerError'), level: 'error', fromServer: true }];
              }
              form.setServerErrors({ details: errors });
              dispatch(el, 'frontdesk:error', { errors: errors, status: res.status });
              next(errors);
            }, function () {
              var errors = [{ message: t(form, 'frontdeskNetworkError'), level: 'error', fromServer: true }];
              dispatch(el, 'frontdesk:error', { errors: errors, status: 0 });
              next(errors);
            });
          }
        }
      }, overrides || {}));
      return Formio.createForm(target, def, options).then(function (instance) {
        form = instance;
        if (prefill && typeof prefill === 'object') {
          form.submission = { data: prefill };
        }
        form.on('submit', function (submission) {
          var body = (lastResponse && lastResponse.body) || {};
          form.emit('submitDone', submission); // re-enables the submit button
          var ev = dispatch(el, 'frontdesk:submitted',
            { data: submission.data, response: body, mode: mode }, true);
          if (body.redirect && !ev.defaultPrevented && mode !== 'preview') {
            window.location.assign(body.redirect);
          }
        });
        el.frontdeskForm = form;
        el.setAttribute('data-frontdesk-ready', 'true');
        dispatch(el, 'frontdesk:ready', { form: form });
        return form;
      });
    }).catch(function (err) {
      el.setAttribute('data-frontdesk-ready', 'error');
      window.console.error(err);
      throw err;
    });
  }

  function renderAll(root) {
    var nodes = (root || document).querySelectorAll('[data-frontdesk-form]');
    return Promise.all(Array.prototype.map.call(nodes, function (el) {
      return el.getAttribute('data-frontdesk-ready') ? el.frontdeskForm : renderForm(el);
    }));
  }

  window.Frontdesk = Object.assign(window.Frontdesk || {}, {
    CDN_URL: CDN_URL,
    STATIC_ROOT: STATIC_ROOT,
    configure: configure,
    formOptions: formOptions,
    language: language,
    jsonFromElement: jsonFromElement,
    toFormioErrors: toFormioErrors,
    renderForm: renderForm,
    renderAll: renderAll
  });

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', function () { renderAll(); });
  } else {
    renderAll();
  }
})(window, document);
