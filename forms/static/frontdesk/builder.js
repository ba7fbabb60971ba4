/*
 * Frontdesk form builder: Formio.builder restricted to the components and settings our server
 * understands (forms/ lints the published definition against the same whitelist).
 *
 * Needs, in this order: vendor/@formio/js/formio.full.min.js, frontdesk/i18n-de.js,
 * frontdesk/formio-common.js, frontdesk/builder.js.
 *
 * The builder runs on the builder page itself (which therefore needs 'unsafe-eval'), not in the
 * isolated renderer: what it is given is a saved draft that passed the server's code check
 * (forms/expressions.py; a draft that does not is shown as plain JSON instead), and what a designer
 * types into it is refused when saved.
 *
 * Markup:
 *   <div data-frontdesk-builder
 *        data-definition-id="ID of <script type=application/json> with the form JSON"
 *        data-target="ID of the <textarea>/<input type=hidden> that receives the schema JSON"
 *        data-lang="de|en"></div>
 * The schema JSON is written into the target on every change, so a normal form POST (with its
 * CSRF field) saves it. DOM events (bubble): frontdesk:builder-ready {builder},
 * frontdesk:builder-change {schema}.
 */
(function (window, document) {
  'use strict';

  var Formio = window.Formio;
  var Frontdesk = window.Frontdesk;
  if (!Formio || !Frontdesk) {
    throw new Error('frontdesk/builder.js: load formio.full.min.js and frontdesk/formio-common.js first');
  }

  // The component types the sidebar offers, in this order.
  var COMPONENTS = [
    'textfield', 'textarea', 'number', 'email', 'phoneNumber', 'checkbox', 'radio', 'select',
    'selectboxes', 'day', 'datetime', 'signature', 'file', 'survey', 'hidden', 'content',
    'htmlelement', 'button', 'panel', 'columns', 'fieldset', 'well', 'container', 'datagrid'
  ];

  // Settings hidden for every component: the whole "Logic" tab and everything that runs
  // JavaScript (customDefaultValue, calculateValue, customConditional, validate.custom, the
  // wizard's "next page" script, the button's custom action), plus features our server does not
  // implement (server-side calculation, encryption, uniqueness, ...). JSON-logic conditions stay.
  var HIDDEN_ALL = [
    'logic',
    'customDefaultValuePanel', 'calculateValuePanel', 'calculateServer', 'allowCalculateOverride',
    'serverOverride', 'persistent', 'protected', 'dbIndex', 'encrypted', 'redrawOn', 'data.custom',
    'custom-validation-js', 'unique', 'validate.customPrivate',
    'customConditional-js', 'nextPagePanel', 'modalEdit'
  ];
  var HIDDEN_BY_TYPE = {
    // No rich-text editors (CKEditor/Quill are not vendored): plain text areas only.
    textarea: ['editor', 'quillInfo', 'isUploadEnabled', 'uploadStorage', 'uploadUrl', 'uploadOptions',
      'uploadDir', 'fileKey', 'as', 'wysiwyg'],
    button: ['custom', 'url', 'headers']
  };

  function prune(components, hidden) {
    return (components || []).filter(function (comp) {
      return !(comp && comp.key && hidden[comp.key]);
    }).map(function (comp) {
      if (comp.components) {
        comp.components = prune(comp.components, hidden);
      }
      if (comp.columns) {
        comp.columns.forEach(function (col) { col.components = prune(col.components, hidden); });
      }
      if (comp.editor === 'ckeditor' || comp.editor === 'quill') {
        // e.g. the Content component's HTML: ACE (vendored) in HTML mode instead
        comp.editor = 'ace';
        comp.as = comp.as || 'html';
        comp.wysiwyg = { minLines: 12, maxLines: 30 };
      }
      if (comp.editor === 'ace') {
        // ACE would start a web worker from a blob: URL (needs worker-src blob:) — switch it off.
        comp.wysiwyg = Object.assign({}, comp.wysiwyg || {}, { useWorker: false });
      }
      return comp;
    });
  }

  /**
   * Restrict the settings dialog of each offered component. Form.io's own mechanism (builder
   * option editForm: {type: [{key: 'logic', ignore: true}, ...]}) is merged per tab and leaves
   * empty tabs behind where a component's form already ignores that tab (content, htmlelement,
   * layout components), and cannot reach fields outside the tabs (Content's CKEditor). So we
   * filter the finished edit-form JSON instead.
   */
  function patchEditForms() {
    COMPONENTS.forEach(function (type) {
      var Cls = Formio.Components.components[type];
      if (!Cls || Cls.editForm.frontdesk) {
        return;
      }
      var hidden = {};
      HIDDEN_ALL.concat(HIDDEN_BY_TYPE[type] || []).forEach(function (key) { hidden[key] = true; });
      var original = Cls.editForm;
      var patched = function () {
        var form = original.apply(this, arguments);
        form.components = prune(form.components, hidden);
        return form;
      };
      patched.frontdesk = true;
      Cls.editForm = patched;
    });
  }

  var acePrepared = null;
  /**
   * ACE (settings dialogs) starts a syntax-check web worker from a blob: URL whenever a session
   * gets a mode — also when Form.io re-creates or detaches an editor — which the CSP forbids
   * (worker-src falls back to script-src 'self'). Load ACE through Form.io's own loader (same
   * library name, so Form.io reuses it) and make "no worker" the default for every session.
   */
  function prepareAce() {
    if (!acePrepared) {
      acePrepared = Formio.requireLibrary('ace', 'ace', Formio.cdn.ace + '/ace.js', true).then(function (ace) {
        ace.config.setDefaultValue('session', 'useWorker', false);
        return ace;
      });
    }
    return acePrepared;
  }

  function builderOptions(lang) {
    var components = {};
    COMPONENTS.forEach(function (type) { components[type] = true; });
    return Frontdesk.formOptions(lang, {
      builder: {
        basic: false,
        advanced: false,
        layout: false,
        data: false,
        premium: false,
        resource: false,
        frontdesk: {
          title: 'Frontdesk',
          weight: 0,
          default: true,
          components: components,
          componentOrder: COMPONENTS.slice()
        }
      },
      noDefaultSubmitButton: false,
      editJson: false
    });
  }

  function initBuilder(el) {
    Frontdesk.configure(el.getAttribute('data-cdn-url'));
    patchEditForms();
    prepareAce();
    var lang = Frontdesk.language(el);
    var definition = Frontdesk.jsonFromElement(el.getAttribute('data-definition-id')) ||
      { display: el.getAttribute('data-display') || 'form', components: [] };
    var targetId = el.getAttribute('data-target');
    var target = targetId ? document.getElementById(targetId) : null;
    var mount = el.querySelector('[data-frontdesk-target]') || el;

    return Formio.builder(mount, definition, builderOptions(lang)).then(function (builder) {
      function sync() {
        var schema = builder.schema;
        if (target) {
          target.value = JSON.stringify(schema);
        }
        el.dispatchEvent(new CustomEvent('frontdesk:builder-change', { bubbles: true, detail: { schema: schema } }));
      }
      ['change', 'saveComponent', 'updateComponent', 'removeComponent', 'addComponent'].forEach(function (name) {
        builder.on(name, sync);
      });
      sync();
      el.frontdeskBuilder = builder;
      el.setAttribute('data-frontdesk-ready', 'true');
      el.dispatchEvent(new CustomEvent('frontdesk:builder-ready', { bubbles: true, detail: { builder: builder } }));
      return builder;
    }).catch(function (err) {
      el.setAttribute('data-frontdesk-ready', 'error');
      window.console.error(err);
      throw err;
    });
  }

  function initAll(root) {
    var nodes = (root || document).querySelectorAll('[data-frontdesk-builder]');
    return Promise.all(Array.prototype.map.call(nodes, function (el) {
      return el.getAttribute('data-frontdesk-ready') ? el.frontdeskBuilder : initBuilder(el);
    }));
  }

  Frontdesk.BUILDER_COMPONENTS = COMPONENTS.slice();
  Frontdesk.builderOptions = builderOptions;
  Frontdesk.initBuilder = initBuilder;
  Frontdesk.initAllBuilders = initAll;

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', function () { initAll(); });
  } else {
    initAll();
  }
})(window, document);
