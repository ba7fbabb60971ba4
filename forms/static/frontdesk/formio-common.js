/*
 * What the isolated renderer (frame.js) and the builder (builder.js) share: Form.io's CDN mirror,
 * the options every form is created with, and server errors in Form.io's shape.
 *
 * Needs (in this order, all from our own static folder):
 *   vendor/@formio/js/formio.full.min.js, frontdesk/i18n-de.js, frontdesk/dom.js, frontdesk/formio-common.js
 * Defines window.Frontdesk.{CDN_URL, STATIC_ROOT, configure, formOptions, language, jsonFromElement,
 * toFormioErrors, t}. No inline script is needed anywhere.
 */
(function (window, document) {
  'use strict';

  var Formio = window.Formio;
  if (!Formio) {
    throw new Error('frontdesk/formio-common.js: load vendor/@formio/js/formio.full.min.js first');
  }

  // <static>/frontdesk/formio-common.js -> <static>/vendor/cdn  (path only: never another host)
  var script = document.currentScript;
  var STATIC_ROOT = script && script.src
    ? new URL(script.src, window.location.href).pathname.replace(/frontdesk\/formio-common\.js$/, '')
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
    var origin = new URL(window.location.href).origin;
    Formio.setBaseUrl(origin);
    Formio.setProjectUrl(origin);
  }
  configure();

  var parseJson = window.FrontdeskDom.parseJson;  // frontdesk/dom.js
  var jsonFromElement = window.FrontdeskDom.jsonFromElement;
  var language = window.FrontdeskDom.language;

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

  window.Frontdesk = Object.assign(window.Frontdesk || {}, {
    CDN_URL: CDN_URL,
    STATIC_ROOT: STATIC_ROOT,
    configure: configure,
    formOptions: formOptions,
    language: language,
    jsonFromElement: jsonFromElement,
    toFormioErrors: toFormioErrors,
    t: t
  });
})(window, document);
