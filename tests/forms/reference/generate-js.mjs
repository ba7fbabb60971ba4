// Differential fixtures for definition JavaScript and for real forms, verdicts from @formio/core.
// Deterministic (seeded PRNG). Run: cd tests/forms/reference && npm install && node generate-js.mjs
//
// cases-js.json      generated forms whose components carry validate.custom, customConditional,
//                    calculateValue (calculateServer), customDefaultValue and logic, with submissions.
// corpus-cases.json  submissions to the real Form.io forms of ../shared/formio-corpus/forms.json; the forms
//                    themselves are not copied here (the corpus is not part of the project): each case
//                    names its form by the corpus "hash" and tests/forms/test_differential_js.py reads it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import core from '@formio/core';

const { processSync, ProcessTargets } = core;
const CORE_VERSION = JSON.parse(readFileSync(new URL('./node_modules/@formio/core/package.json', import.meta.url), 'utf8')).version;
const CORPUS = new URL('../../../../shared/formio-corpus/forms.json', import.meta.url);

function mulberry32(a) {
  return function () {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
let rand = mulberry32(20261207);
const pick = (arr) => arr[Math.floor(rand() * arr.length)];
const chance = (p) => rand() < p;
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));

const quiet = (fn) => {
  const saved = [console.log, console.warn, console.error];
  console.log = console.warn = console.error = () => {};
  try { return fn(); } finally { [console.log, console.warn, console.error] = saved; }
};

function runCore(form, data) {
  const f = JSON.parse(JSON.stringify(form));
  const d = JSON.parse(JSON.stringify(data));
  const context = {
    form: f, submission: { data: d }, components: f.components, data: d,
    processors: ProcessTargets.evaluator, scope: {}, config: { server: true },
  };
  quiet(() => processSync(context));
  const seen = new Set();
  for (const e of context.scope.errors || []) seen.add(JSON.stringify([e.context.path, e.ruleName]));
  return [...seen].map((s) => JSON.parse(s)).sort((a, b) => (a[0] + '\u0000' + a[1] < b[0] + '\u0000' + b[1] ? -1 : 1));
}

// --- generated JavaScript forms ------------------------------------------------------------------
const CUSTOM = [
  "valid = (input || '').length >= 3 ? true : 'Mindestens drei Zeichen';",
  "valid = input !== 'bad';",
  "valid = !data.other || input === data.other ? true : 'Muss gleich sein';",
  "valid = row && row.n > 2 ? true : (input ? 'Zeile zu klein' : true);",
  "if (input === 'x') { valid = 'kein x'; }",
  "valid = component.key.length > 100 || input !== 'abc';",
  "throw new Error('broken');",
  "valid = undefinedVariable.length > 1;",
  "valid = typeof rowIndex === 'number' && rowIndex > 0 ? 'nur Zeile 1' : true;",
];
const CONDITIONAL = [
  "show = data.toggle === 'yes';",
  "show = !!data.other && data.other.length > 2;",
  "show = row && row.n > 3;",
  "show = (data.n || 0) >= 5;",
  "show = false;",
  "nothing = 1;",
  "show = unknown.x;",
];
const CALC = [
  "value = (data.n || 0) * 2;",
  "value = (data.other || '') + '!';",
  "value = row && row.n ? row.n + 1 : value;",
  "value = data.toggle === 'yes' ? 'abc' : 'a';",
];
const DEFAULTS = ["value = 'vorgabe';", "value = data.toggle === 'yes' ? 'ja' : null;", "value = 7;", "value = ['a'];"];
const TRIGGERS = ["result = data.toggle === 'yes';", "result = (data.n || 0) > 4;", "result = !!row && row.n > 1;"];

let keyN = 0;
function jsLeaf(inGrid) {
  const type = pick(['textfield', 'textfield', 'number', 'textarea']);
  const c = { type, key: `${type}${++keyN}`, label: `Feld ${keyN}`, input: true, validate: {} };
  if (chance(0.3)) c.validate.required = true;
  if (type !== 'number' && chance(0.2)) c.validate.minLength = 2;
  const r = rand();
  if (r < 0.35) c.validate.custom = pick(CUSTOM);
  else if (r < 0.55) c.customConditional = pick(CONDITIONAL);
  else if (r < 0.7) { c.calculateValue = pick(CALC); c.calculateServer = chance(0.8); }
  else if (r < 0.8) c.customDefaultValue = pick(DEFAULTS);
  else if (r < 0.95) {
    const trigger = pick([
      { type: 'javascript', javascript: pick(TRIGGERS) },
      { type: 'javascript', javascript: pick(TRIGGERS) },
      { type: 'simple', simple: { show: true, when: 'toggle', eq: 'yes' } },
      { type: 'simple', simple: { show: true, conjunction: 'any', conditions: [{ component: 'n', operator: 'greaterThan', value: 4 }] } },
      { type: 'json', json: { '==': [{ var: 'data.toggle' }, 'no'] } },
      { type: 'event', event: 'clicked' },
    ]);
    const action = pick([
      { name: 'req', type: 'property', property: { label: 'Required', value: 'validate.required', type: 'boolean' }, state: true },
      { name: 'opt', type: 'property', property: { label: 'Required', value: 'validate.required', type: 'boolean' }, state: false },
      { name: 'hide', type: 'property', property: { label: 'Hidden', value: 'hidden', type: 'boolean' }, state: true },
      { name: 'label', type: 'property', property: { label: 'Label', value: 'label', type: 'string' }, text: 'Neues Label' },
      { name: 'val', type: 'value', value: "value = 'gesetzt';" },
      { name: 'val2', type: 'value', value: "value = (value || '') + 'x';" },
      { name: 'custom', type: 'customAction', customAction: "value = data.other || 'leer';" },
      { name: 'merge', type: 'mergeComponentSchema', schemaDefinition: "schema = { validate: { required: true, minLength: 4 } };" },
    ]);
    c.logic = [{ name: 'l', trigger, actions: [action] }];
  }
  if (inGrid && chance(0.3)) c.validate.custom = pick(CUSTOM);
  return c;
}

function jsForm() {
  const comps = [
    { type: 'radio', key: 'toggle', label: 'Umschalter', input: true, values: [{ label: 'Ja', value: 'yes' }, { label: 'Nein', value: 'no' }] },
    { type: 'textfield', key: 'other', label: 'Anderes', input: true },
    { type: 'number', key: 'n', label: 'Zahl', input: true },
  ];
  for (let i = 0; i < int(2, 5); i++) comps.push(jsLeaf(false));
  if (chance(0.5)) {
    comps.push({ type: 'datagrid', key: `grid${++keyN}`, label: 'Tabelle', input: true,
      components: [{ type: 'number', key: 'n', label: 'N', input: true }, jsLeaf(true), jsLeaf(true)] });
  }
  comps.push({ type: 'button', key: 'submit', label: 'Absenden', input: true, action: 'submit' });
  return { display: 'form', components: comps };
}

// --- input masks: text fields are checked with Inputmask, other components with the mask table ----
const MASKS = ['AAA', 'aaa', '***', '99-99', '(999) 999-9999', 'A9A 9A9', 'aa-999', '+49 999 9999999'];
const MASK_VALUES = ['ABC', 'abc', 'aBc', 'ÄÖÜ', 'äöü', 'ß1a', 'a1Z', '12-34', '1234', '(030) 123-4567', 'K1A 0B1', 'k1a 0b1',
  'ab-123', 'AB-123', '+49 151 1234567', '12 3', '', 'abcd', 'ж12', 'ЖЖЖ'];
function maskForm() {
  const comps = [];
  for (let i = 0; i < 4; i++) {
    const type = pick(['textfield', 'textfield', 'phoneNumber']);
    comps.push({ type, key: `mask${++keyN}`, label: `Maske ${keyN}`, input: true, inputMask: pick(MASKS), validate: {} });
  }
  return { display: 'form', components: comps };
}

// --- legacy tree layouts and absent inner datagrids (paths and what is validated) ------------------
const REQ = { validate: { required: true }, input: true };
const LEGACY = [
  { components: [{ type: 'datagrid', key: 'outer', input: true, components: [{ type: 'textfield', key: 'a', ...REQ },
    { type: 'datagrid', key: 'inner', input: true, components: [{ type: 'textfield', key: 'b', ...REQ }] }] }] },
  { components: [{ type: 'columns', key: 'cols', tree: true, input: false, columns: [
    { components: [{ type: 'textfield', key: 'x', ...REQ }] }, { components: [{ type: 'number', key: 'y', ...REQ }] }] }] },
  { components: [{ type: 'table', key: 'tbl', tree: true, input: false, rows: [[
    { components: [{ type: 'textfield', key: 'x', ...REQ }] }, { components: [{ type: 'textfield', key: 'y', ...REQ }] }]] }] },
  { components: [{ type: 'panel', key: 'pnl', tree: true, input: false, components: [{ type: 'textfield', key: 'x', ...REQ }] }] },
];
const LEGACY_DATA = [{}, { outer: [{ a: '1' }, { a: '2' }, { a: '' }] }, { outer: [{ a: '1', inner: [] }, { a: '', inner: [{ b: '' }] }] },
  { x: '1' }, { cols: { x: '1', y: 2 } }, { tbl: { x: '1' } }, { x: '', y: '' }, { pnl: { x: '1' } }];

// --- values for any form -------------------------------------------------------------------------
const JUNK = [null, 0, 1, true, '', 'x', 'hello world', [], {}, 'abc', '2020-01-01T10:00:00Z', -5];
function options(c) {
  const vals = (c.values && c.values.length ? c.values : (c.data && c.data.values) || []).map((o) => o && o.value);
  return vals.filter((v) => v !== undefined);
}
function value(c) {
  const r = rand();
  if (r < 0.12) return undefined;
  if (r < 0.2) return pick(JUNK);
  const opts = options(c);
  switch (c.type) {
    case 'textfield': case 'textarea': case 'password': case 'url': case 'hidden':
      return pick(['abc', 'Hallo Welt', 'x', '', 'bad', '12345', 'a@b.de', 'ABC-123', 'yes']);
    case 'email': return pick(['a@b.de', 'no-at', '']);
    case 'phoneNumber': return pick(['(030) 123-4567', '+49 151 1234567', '123', '']);
    case 'number': case 'currency': return pick([0, 3, 5, 18, 42, 150, -2, 2.5]);
    case 'checkbox': return pick([true, false]);
    case 'radio': return pick([...opts, '', 'zzz']);
    case 'select': return c.multiple ? [pick([...opts, 'zzz'])] : pick([...opts, '', 'zzz']);
    case 'selectboxes': return Object.fromEntries(opts.map((o) => [o, chance(0.5)]));
    case 'day': return pick(['03/15/2020', '15/03/2020', '12/31/1999', '00/00/0000', '']);
    case 'datetime': return pick(['2024-05-01T10:00:00.000Z', '1990-01-01T00:00:00Z', '2099-01-01T00:00:00Z', 'x']);
    case 'time': return pick(['10:00:00', '25:00', '']);
    case 'survey': return Object.fromEntries((c.questions || []).map((q) => [q.value, pick(options(c).concat(['zz']))]));
    case 'signature': return pick(['data:image/png;base64,iVBORw0KGgo=', '']);
    case 'tags': return pick(['a,b', ['a'], '']);
    default: return pick(['abc', 1, '']);
  }
}
function setKey(data, key, v) {
  if (v === undefined) return;
  const parts = key.split('.');
  let cur = data;
  for (const p of parts.slice(0, -1)) {
    if (typeof cur[p] !== 'object' || cur[p] === null || Array.isArray(cur[p])) cur[p] = {};
    cur = cur[p];
  }
  cur[parts[parts.length - 1]] = v;
}
const LAYOUT = ['panel', 'fieldset', 'well', 'columns', 'table', 'tabs', 'content', 'htmlelement'];
function fill(components, data) {
  for (const c of components || []) {
    if (!c || typeof c !== 'object') continue;
    if (c.type === 'columns') { (c.columns || []).forEach((col) => fill(col && col.components, data)); continue; }
    if (c.type === 'table') { (c.rows || []).forEach((row) => (row || []).forEach((cell) => fill(cell && cell.components, data))); continue; }
    if (LAYOUT.includes(c.type) || c.input === false && !c.tree) { fill(c.components, data); continue; }
    if (!c.key || c.type === 'button') continue;
    if (c.type === 'container' || (c.tree && !['datagrid', 'editgrid'].includes(c.type))) {
      if (chance(0.1)) continue;
      const inner = {};
      fill(c.components, inner);
      setKey(data, c.key, inner);
    } else if (['datagrid', 'editgrid'].includes(c.type)) {
      if (chance(0.15)) continue;
      const rows = [];
      for (let i = 0; i < int(0, 2); i++) rows.push(fill(c.components, {}));
      setKey(data, c.key, rows);
    } else setKey(data, c.key, value(c));
  }
  return data;
}

// --- editgrid validate.row (@formio/core does not run it: only @formio/js's EditGrid does) ----------
const ROW_CODE = [
  "valid = row.field1 === 'good' ? true : 'Must be good';",
  'valid = (row.n || 0) <= 10 || false;',
  "valid = valid && row.field1 !== 'x' ? true : 'kein x';",
  "throw new Error('broken');",
];
const EDITGRID_ROW = ROW_CODE.map((code, i) => ({ display: 'form', components: [
  { type: 'editgrid', key: `grid${i}`, label: 'Zeilen', input: true, validate: { row: code }, components: [
    { type: 'textfield', key: 'field1', label: 'Feld', input: true, validate: { required: i === 2 } },
    { type: 'number', key: 'n', label: 'Zahl', input: true },
  ] },
] }));
const ROW_DATA = [[], [{ field1: 'good', n: 1 }], [{ field1: 'bad', n: 11 }], [{ field1: 'good' }, { field1: 'x', n: 3 }],
  [{ field1: '', n: 20 }]];

// --- JSON options without valueProperty: the answer is the whole option object ------------------------
const OBJ_OPTIONS = [{ value: 'a', label: 'A' }, { value: 'b', label: 'B', extra: { n: 1 } }];
const JSON_OBJECT = [false, true].flatMap((only) => [false, true].map((multiple) => ({ display: 'form', components: [
  { type: 'select', key: 'pick', label: 'Auswahl', input: true, dataSrc: 'json', multiple,
    template: '<span>{{ item.label }}</span>', data: { json: only ? JSON.stringify(OBJ_OPTIONS) : OBJ_OPTIONS },
    validate: { required: true, onlyAvailableItems: only } },
] })));
const OBJ_DATA = [{ pick: { value: 'a', label: 'A' } }, { pick: { value: 'b', label: 'B', extra: { n: 1 } } },
  { pick: { label: 'A', value: 'a' } }, { pick: { value: 'c', label: 'C' } }, { pick: 'a' }, { pick: '' }, {},
  { pick: [{ value: 'a', label: 'A' }] }, { pick: [] }, { pick: { value: 'b', label: 'B', extra: { n: 2 } } }];

// --- main ----------------------------------------------------------------------------------------
function main() {
  const forms = [];
  const cases = [];
  for (let i = 0; i < 90; i++) {
    const form = jsForm();
    forms.push(form);
    for (let s = 0; s < 6; s++) {
      const data = fill(form.components, {});
      try { cases.push({ id: `js-${i}-${s}`, form: i, data, rejected: runCore(form, data) }); } catch (err) { /* core threw */ }
    }
  }
  for (let i = 0; i < 25; i++) {
    const form = maskForm();
    const fi = forms.length;
    forms.push(form);
    for (let s = 0; s < 4; s++) {
      const data = Object.fromEntries(form.components.map((c) => [c.key, pick(MASK_VALUES)]));
      cases.push({ id: `mask-${i}-${s}`, form: fi, data, rejected: runCore(form, data) });
    }
  }
  LEGACY.forEach((form, i) => {
    const fi = forms.length;
    forms.push(form);
    LEGACY_DATA.forEach((data, s) => cases.push({ id: `legacy-${i}-${s}`, form: fi, data, rejected: runCore(form, data) }));
  });
  JSON_OBJECT.forEach((form, i) => {
    const fi = forms.length;
    forms.push(form);
    OBJ_DATA.forEach((data, s) => cases.push({ id: `json-object-${i}-${s}`, form: fi, data, rejected: runCore(form, data) }));
  });
  EDITGRID_ROW.forEach((form, i) => {
    const fi = forms.length;
    forms.push(form);
    ROW_DATA.forEach((rows, s) => {
      const data = { [form.components[0].key]: rows };
      cases.push({ id: `editgrid-row-${i}-${s}`, form: fi, data, rejected: runCore(form, data) });
    });
  });
  writeFileSync(new URL('./cases-js.json', import.meta.url),
    JSON.stringify({ generator: 'tests/forms/reference/generate-js.mjs', formioCore: CORE_VERSION, forms, cases }) + '\n');
  if (!existsSync(CORPUS)) { console.log('no corpus: corpus-cases.json left as it is'); return; }
  rand = mulberry32(984);
  const corpus = JSON.parse(readFileSync(CORPUS, 'utf8')).forms;
  const ccases = [];
  let skipped = 0;
  for (const entry of corpus) {
    const form = entry.form;
    if (!form || !Array.isArray(form.components)) continue;
    for (let s = 0; s < 3; s++) {
      const data = fill(form.components, {});
      try { ccases.push({ id: `${entry.hash}-${s}`, hash: entry.hash, data, rejected: runCore(form, data) }); } catch (err) { skipped++; }
    }
  }
  writeFileSync(new URL('./corpus-cases.json', import.meta.url),
    JSON.stringify({ generator: 'tests/forms/reference/generate-js.mjs', formioCore: CORE_VERSION, cases: ccases }) + '\n');
  console.log(`@formio/core ${CORE_VERSION}: ${cases.length} JavaScript cases, ${ccases.length} corpus cases (${skipped} skipped: core threw)`);
}

main();
