/*
 * Frontdesk form builder: Formio.builder restricted to the components and settings our server
 * understands (forms/ lints the published definition against the same whitelist).
 *
 * Runs inside the isolated renderer document (forms/frame.html?mode=builder, sandboxed iframe), like
 * every form: frame.js calls Frontdesk.createBuilder and reports the schema to the builder page
 * (render.js writes it into the page's <textarea>, which a normal form POST saves). Needs, in this
 * order: vendor/@formio/js/formio.full.min.js, frontdesk/i18n-de.js, frontdesk/formio-common.js,
 * frontdesk/builder.js, frontdesk/frame.js.
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
    'htmlelement', 'button', 'panel', 'columns', 'fieldset', 'well', 'container', 'datagrid',
    'editgrid', 'tabs', 'table', 'address', 'currency', 'tags', 'time', 'url', 'password', 'form'
  ];

  // The questionnaires a nested form may include (createBuilder's extra.includable, from the page:
  // [{id, name, version}], the unit's published ones); the settings dialog's list offers only these.
  var includable = [];
  var builderLang = 'de';

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
    button: ['custom', 'url', 'headers'],
    // Row templates are renderer code (refused by the server's code rule), row validation is JavaScript.
    editgrid: ['templates.header', 'templates.row', 'templates.footer', 'templates.tableHeader',
      'templates.tableRow', 'validate.row', 'conditionalAddButton'],
    // Map providers are never called (no request leaves the renderer frame): manual entry only.
    address: ['provider', 'providerOptions.params.key', 'providerOptions.params.autocompleteOptions',
      'manualModeViewString'],
    // A nested form includes a questionnaire of the unit (its answers belong to this submission): no
    // lazy loading, no separate submission ("reference"), no original-revision viewing.
    form: ['lazyLoad', 'useOriginalRevision', 'reference', 'src', 'path', 'project']
  };

  /**
   * The nested form's own settings: Form.io's "Form" and "Form Revision" selects ask a Form.io server
   * for its forms; ours lists the unit's published questionnaires and takes an optional version number.
   */
  function nestedFormSettings(comp) {
    var de = builderLang !== 'en';
    if (!comp || comp.type !== 'select') {
      return comp; // e.g. the tab that is also called "form"
    }
    if (comp.key === 'form') {
      return {
        type: 'select', input: true, key: 'form', weight: 10, widget: 'choicesjs', dataSrc: 'values',
        customClass: 'fd-nested-form',
        label: de ? 'Eingebundener Fragebogen' : 'Included questionnaire',
        description: de
          ? 'Nur veröffentlichte Fragebögen dieses Betriebs. Beim Veröffentlichen wird die dann neueste Version übernommen und festgeschrieben; eine spätere Version des eingebundenen Fragebogens gilt erst, wenn Sie diesen Fragebogen erneut veröffentlichen.'
          : 'Only published questionnaires of this business unit. Publishing takes and fixes the newest version at that time; a later version of the included questionnaire applies only when you publish this questionnaire again.',
        data: {
          values: includable.map(function (item) {
            return { label: item.name + (item.version ? ' (v' + item.version + ')' : ''), value: item.id };
          })
        },
        validate: { required: true }
      };
    }
    if (comp.key === 'revision') {
      return {
        type: 'number', input: true, key: 'revision', weight: 11, decimalLimit: 0, requireDecimal: false,
        label: de ? 'Feste Version (optional)' : 'Fixed version (optional)',
        description: de
          ? 'Leer: die neueste veröffentlichte Version beim Veröffentlichen.'
          : 'Empty: the newest published version when you publish.',
        validate: { min: 1 }
      };
    }
    return comp;
  }

  function replaceDeep(components, fn) {
    return (components || []).map(function (comp) {
      comp = fn(comp);
      if (comp && comp.components) {
        comp.components = replaceDeep(comp.components, fn);
      }
      return comp;
    });
  }

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
        if (type === 'form') {
          form.components = replaceDeep(form.components, nestedFormSettings);
        }
        return form;
      };
      patched.frontdesk = true;
      Cls.editForm = patched;
      if (type === 'form') {
        // no live preview in the settings dialog: it would ask a Form.io server for the form (the frame
        // can fetch nothing); the server includes the questionnaire in the preview and on publishing
        var info = Cls.builderInfo;
        Object.defineProperty(Cls, 'builderInfo', {
          configurable: true,
          get: function () {
            return Object.assign({}, info, {
              title: builderLang !== 'en' ? 'Fragebogen einbinden' : 'Include questionnaire', preview: false,
              showPreview: false
            });
          }
        });
      }
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

  /**
   * A consent checkbox as a choice of its own (the server stores the text agreed to, its hash and
   * the time: properties.consent, see forms.Form.consent_components), so designers need not type
   * the custom property.
   */
  function consentChoice(lang) {
    var de = lang !== 'en';
    return {
      title: de ? 'Einwilligung' : 'Consent',
      key: 'consent',
      icon: 'check-square',
      schema: {
        type: 'checkbox', key: 'consent', input: true, validate: { required: true },
        label: de ? 'Ich willige in die Verarbeitung meiner Angaben ein.' : 'I consent to the processing of my data.',
        properties: { consent: 'true' }
      }
    };
  }

  function builderOptions(lang) {
    var components = {};
    COMPONENTS.forEach(function (type) { components[type] = true; });
    components.consent = consentChoice(lang);
    // An address is entered by hand: the builder's address starts in manual mode.
    components.address = {
      title: 'Address', key: 'address', icon: 'home',
      schema: { type: 'address', label: 'Address', key: 'address', input: true, enableManualMode: true }
    };
    // A nested form includes another published questionnaire of the unit (resolved by the server).
    components.form = {
      title: lang !== 'en' ? 'Fragebogen einbinden' : 'Include questionnaire', key: 'form', icon: 'wpforms',
      schema: { type: 'form', label: lang !== 'en' ? 'Eingebundener Fragebogen' : 'Included questionnaire',
        key: 'included', input: true, form: '', reference: false, tableView: true }
    };
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
          componentOrder: COMPONENTS.slice(0, 6).concat(['consent'], COMPONENTS.slice(6))
        }
      },
      noDefaultSubmitButton: false,
      editJson: false
    });
  }

  /**
   * Formio.builder on ``mount`` with our components and settings; ``onSchema(schema)`` hears every
   * change (and the initial schema); ``extra.includable`` lists the questionnaires a nested form may
   * include. Returns a Promise of the builder.
   */
  function createBuilder(mount, definition, lang, onSchema, extra) {
    includable = (extra && Array.isArray(extra.includable)) ? extra.includable : [];
    builderLang = lang;
    Frontdesk.configure();
    patchEditForms();
    prepareAce();
    return Formio.builder(mount, definition || { display: 'form', components: [] }, builderOptions(lang))
      .then(function (builder) {
        function sync() {
          onSchema(builder.schema);
        }
        ['change', 'saveComponent', 'updateComponent', 'removeComponent', 'addComponent'].forEach(function (name) {
          builder.on(name, sync);
        });
        sync();
        return builder;
      });
  }

  Frontdesk.BUILDER_COMPONENTS = COMPONENTS.slice();
  Frontdesk.builderOptions = builderOptions;
  Frontdesk.createBuilder = createBuilder;
})(window, document);
