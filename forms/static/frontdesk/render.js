/*
 * Frontdesk form renderer, the page side: one module for kiosk, portal, dialog links, staff fill-in,
 * the preview and the builder (renderBuilder, data-frontdesk-builder). It does not run Form.io: it embeds the isolated renderer document
 * (data-frame-url: forms/frame.html in <iframe sandbox="allow-scripts">, see core/frame.py and
 * frame.js) and hands it the definition and the prefill by postMessage. Whatever a definition holds
 * runs in there, with no access to this page, its cookies or the server; this page needs no
 * 'unsafe-eval'.
 *
 * Markup (forms/templates/forms/_renderer.html renders it):
 *   <div class="frontdesk-form" data-frontdesk-form
 *        data-definition-id="ID of <script type=application/json> holding the form JSON"
 *     or data-form-url="URL answering the form JSON"
 *        data-frame-url="/formio/frame?mode=kiosk&lang=de"
 *     containing <iframe sandbox="allow-scripts" data-frontdesk-frame src="(data-frame-url)"> (made here
 *     when the markup has none)
 *        data-submit-url="/portal/forms/x/submit"   (POST, JSON {data: {...}})
 *        data-csrf-token="..."                      (sent as X-CSRFToken)
 *        data-lang="de|en"
 *        data-prefill='{"email": "..."}'  or data-prefill-id="ID of a JSON <script>"
 *        data-mode="kiosk|portal|staff|preview"></div>
 *
 * Server answers:  2xx {"redirect": url}? -> event "frontdesk:submitted", then follow redirect
 *                  400/422 {"errors": [{message, path: [..], context: {key, label, path}, level}]}
 *                  -> errors shown next to their fields by Form.io (inside the frame)
 * DOM events (bubble, on the container): frontdesk:ready {form}, frontdesk:submitted {data, response}
 * (cancelable: preventDefault() stops the redirect), frontdesk:error {errors, status},
 * frontdesk:activity (the user touched or typed in the form; at most every 2 s).
 * ``form`` (also el.frontdeskForm) stands for the Form.io form: form.submission.data holds the latest
 * answers, form.on(name, fn) hears "change" ({changed}), "submitButton", "error" and "submit".
 * Messages from the frame are taken only from that iframe's window and only in the expected shape.
 */
(function (window, document) {
  'use strict';

  var MAX_HEIGHT = 200000;

  var parseJson = window.FrontdeskDom.parseJson;  // frontdesk/dom.js
  var jsonFromElement = window.FrontdeskDom.jsonFromElement;
  var language = window.FrontdeskDom.language;

  function isPlainObject(value) {
    return !!value && typeof value === 'object' && !Array.isArray(value);
  }

  function dispatch(el, name, detail, cancelable) {
    var ev = new CustomEvent(name, { bubbles: true, cancelable: !!cancelable, detail: detail });
    el.dispatchEvent(ev);
    return ev;
  }

  /** What the page's scripts see of the form inside the frame (the part of Form.io's API they use). */
  function FormProxy() {
    this.submission = { data: {} };
    this.listeners = {};
  }
  FormProxy.prototype.on = function (name, fn) {
    (this.listeners[name] = this.listeners[name] || []).push(fn);
    return this;
  };
  FormProxy.prototype.emit = function (name, payload) {
    (this.listeners[name] || []).slice().forEach(function (fn) { fn(payload); });
  };

  function postSubmission(el, data) {
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

  function loadDefinition(el) {
    if (el.getAttribute('data-definition-id')) {
      return Promise.resolve(jsonFromElement(el.getAttribute('data-definition-id')));
    }
    return window.fetch(el.getAttribute('data-form-url'), {
      credentials: 'same-origin', headers: { Accept: 'application/json' }
    }).then(function (r) {
      if (!r.ok) {
        throw new Error('frontdesk: form definition ' + r.status);
      }
      return r.json();
    });
  }

  /**
   * Render the form described by the container's data attributes in the isolated renderer.
   * Returns a Promise of the form proxy (resolved when the frame has drawn the form).
   */
  function renderForm(el) {
    var lang = language(el);
    var mode = el.getAttribute('data-mode') || 'portal';
    var submitUrl = el.getAttribute('data-submit-url');
    el.classList.add('frontdesk-form', 'frontdesk-mode-' + mode);
    var prefill = el.hasAttribute('data-prefill-id')
      ? jsonFromElement(el.getAttribute('data-prefill-id'))
      : parseJson(el.getAttribute('data-prefill'), 'data-prefill');
    var target = el.querySelector('[data-frontdesk-target]') || el;
    var form = new FormProxy();
    var lastResponse = null;
    var initSent = false;

    // the template puts the iframe into the markup (it starts loading early); make one otherwise
    var iframe = target.querySelector('iframe[data-frontdesk-frame]');
    var attach = !iframe;
    if (attach) {
      iframe = document.createElement('iframe');
      iframe.setAttribute('sandbox', 'allow-scripts'); // scripts only: no same origin, modals, popups, top
      iframe.setAttribute('title', el.getAttribute('data-frame-title') || 'Formular');
      iframe.className = 'frontdesk-frame';
      iframe.setAttribute('data-frontdesk-frame', '');
    }

    function post(message) {
      message.frontdesk = 'parent';
      // the frame's origin is opaque ("null"), so it cannot be named; the sandbox keeps the frame
      // on our own origin's pages (frame-src 'self' of this page)
      iframe.contentWindow.postMessage(message, '*');
    }

    return loadDefinition(el).then(function (definition) {
      return new Promise(function (resolve, reject) {
        function submit(id, data) {
          postSubmission(el, data).then(function (res) {
            lastResponse = res;
            if (res.ok) {
              post({ type: 'submitResult', id: id, ok: true, status: res.status });
              return;
            }
            var body = res.body || {};
            var errors = body.errors || body.details || (body.error ? [String(body.error)] : []);
            dispatch(el, 'frontdesk:error', { errors: errors, status: res.status });
            post({ type: 'submitResult', id: id, ok: false, status: res.status, errors: errors });
          }, function () {
            dispatch(el, 'frontdesk:error', { errors: [], status: 0 });
            post({ type: 'submitResult', id: id, ok: false, status: 0, errors: [] });
          });
        }

        function onMessage(event) {
          if (event.source !== iframe.contentWindow) {
            return;
          }
          var msg = event.data;
          if (!isPlainObject(msg) || msg.frontdesk !== 'frame' || typeof msg.type !== 'string') {
            return;
          }
          switch (msg.type) {
          case 'loaded':
            if (!initSent) {
              initSent = true;
              post({ type: 'init', definition: definition, lang: lang, prefill: prefill,
                submit: mode !== 'preview' && !!submitUrl });
            }
            break;
          case 'ready':
            if (isPlainObject(msg.data)) {
              form.submission.data = msg.data;
            }
            el.frontdeskForm = form;
            el.setAttribute('data-frontdesk-ready', 'true');
            dispatch(el, 'frontdesk:ready', { form: form });
            resolve(form);
            break;
          case 'height':
            if (typeof msg.height === 'number' && msg.height >= 0) {
              iframe.style.height = Math.min(Math.ceil(msg.height), MAX_HEIGHT) + 'px';
            }
            break;
          case 'change':
            if (isPlainObject(msg.data)) {
              form.submission.data = msg.data;
              form.emit('change', { changed: msg.changed === true, data: msg.data });
            }
            break;
          case 'page':
            if (iframe.getBoundingClientRect().top < 0) {
              iframe.scrollIntoView({ block: 'start' });
            }
            break;
          case 'activity':
            dispatch(el, 'frontdesk:activity', {});
            break;
          case 'submitButton':
            form.emit('submitButton');
            break;
          case 'error':
            form.emit('error');
            break;
          case 'submit':
            if (typeof msg.id === 'number' && isPlainObject(msg.data) && submitUrl) {
              submit(msg.id, msg.data);
            }
            break;
          case 'submitted':
            if (!isPlainObject(msg.data)) {
              break;
            }
            form.submission.data = msg.data;
            form.emit('submit', { data: msg.data });
            var body = (lastResponse && lastResponse.body) || {};
            var ev = dispatch(el, 'frontdesk:submitted', { data: msg.data, response: body, mode: mode }, true);
            if (typeof body.redirect === 'string' && body.redirect && !ev.defaultPrevented && mode !== 'preview') {
              window.location.assign(body.redirect);
            }
            break;
          case 'failed':
            el.setAttribute('data-frontdesk-ready', 'error');
            reject(new Error('frontdesk: the form could not be drawn: ' + String(msg.message || '')));
            break;
          default:
            break;
          }
        }
        window.addEventListener('message', onMessage);
        if (attach) {
          iframe.src = el.getAttribute('data-frame-url');
          target.appendChild(iframe);
        } else {
          post({ type: 'hello' }); // it may have said "loaded" before we listened: ask again
        }
      });
    }).catch(function (err) {
      el.setAttribute('data-frontdesk-ready', 'error');
      window.console.error(err);
      throw err;
    });
  }

  /**
   * The questionnaire builder, also in the isolated renderer (mode=builder): the schema the designer
   * builds comes back by message and is written into the page's data-target <textarea>, which the
   * page's own form POST (with its CSRF field) saves. Events (bubble): frontdesk:builder-ready,
   * frontdesk:builder-change {schema}.
   * data-includable-url (optional): JSON {questionnaires: [{id, name, version}]} of the questionnaires a
   * nested form may include (the unit's published ones, fetched here with the designer's session: the
   * frame can fetch nothing); the builder's nested form offers exactly those.
   */
  function loadIncludable(el) {
    var url = el.getAttribute('data-includable-url');
    if (!url) {
      return Promise.resolve([]);
    }
    return window.fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : { questionnaires: [] }; })
      .then(function (body) {
        var list = isPlainObject(body) && Array.isArray(body.questionnaires) ? body.questionnaires : [];
        return list.filter(function (item) {
          return isPlainObject(item) && typeof item.id === 'string' && typeof item.name === 'string';
        }).map(function (item) {
          return { id: item.id, name: item.name, version: typeof item.version === 'number' ? item.version : null };
        });
      })
      .catch(function () { return []; });
  }

  function renderBuilder(el) {
    var lang = language(el);
    var targetId = el.getAttribute('data-target');
    var output = targetId ? document.getElementById(targetId) : null;
    var definition = jsonFromElement(el.getAttribute('data-definition-id')) || { display: 'form', components: [] };
    var iframe = el.querySelector('iframe[data-frontdesk-frame]');
    var initSent = false;
    var includable = loadIncludable(el);

    function post(message) {
      message.frontdesk = 'parent';
      iframe.contentWindow.postMessage(message, '*');
    }

    return new Promise(function (resolve, reject) {
      window.addEventListener('message', function (event) {
        if (event.source !== iframe.contentWindow) {
          return;
        }
        var msg = event.data;
        if (!isPlainObject(msg) || msg.frontdesk !== 'frame' || typeof msg.type !== 'string') {
          return;
        }
        if (msg.type === 'loaded' && !initSent) {
          initSent = true;
          includable.then(function (list) {
            post({ type: 'init', builder: true, definition: definition, lang: lang, includable: list });
          });
        } else if (msg.type === 'schema' && isPlainObject(msg.schema) && Array.isArray(msg.schema.components)) {
          if (output) {
            output.value = JSON.stringify(msg.schema);
          }
          dispatch(el, 'frontdesk:builder-change', { schema: msg.schema });
        } else if (msg.type === 'ready') {
          el.setAttribute('data-frontdesk-ready', 'true');
          dispatch(el, 'frontdesk:builder-ready', {});
          resolve(el);
        } else if (msg.type === 'page' && iframe.getBoundingClientRect().top < 0) {
          // the builder's frame has a fixed height (frontdesk.css) and scrolls inside, so its
          // sidebar stays in view and its settings dialog is centred; show the frame when one opens
          iframe.scrollIntoView({ block: 'start' });
        } else if (msg.type === 'failed') {
          el.setAttribute('data-frontdesk-ready', 'error');
          reject(new Error('frontdesk: the builder could not be drawn: ' + String(msg.message || '')));
        }
      });
      post({ type: 'hello' });
    });
  }

  function renderAll(root) {
    var scope = root || document;
    var forms = Array.prototype.map.call(scope.querySelectorAll('[data-frontdesk-form]'), function (el) {
      if (el.getAttribute('data-frontdesk-ready') || el.frontdeskRendering) {
        return el.frontdeskRendering || el.frontdeskForm;
      }
      el.frontdeskRendering = renderForm(el);
      return el.frontdeskRendering;
    });
    var builders = Array.prototype.map.call(scope.querySelectorAll('[data-frontdesk-builder]'), function (el) {
      el.frontdeskRendering = el.frontdeskRendering || renderBuilder(el);
      return el.frontdeskRendering;
    });
    return Promise.all(forms.concat(builders));
  }

  window.Frontdesk = Object.assign(window.Frontdesk || {}, {
    renderForm: renderForm,
    renderBuilder: renderBuilder,
    renderAll: renderAll
  });

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', function () { renderAll(); });
  } else {
    renderAll();
  }
})(window, document);
