// Generates differential fixtures for forms/ from @formio/core (the reference engine).
// Deterministic (seeded PRNG). Run: cd tests/forms/reference && npm install && node generate.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import core from '@formio/core';

const { processSync, ProcessTargets } = core;
const CORE_VERSION = JSON.parse(readFileSync(new URL('./node_modules/@formio/core/package.json', import.meta.url), 'utf8')).version;

// --- seeded PRNG (mulberry32) --------------------------------------------------------------------
function mulberry32(a) {
  return function () {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
let rand = mulberry32(20261123);
const pick = (arr) => arr[Math.floor(rand() * arr.length)];
const chance = (p) => rand() < p;
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));

// silence @formio/core's console noise (warnings for some pairs); only scope.errors matters
const quiet = (fn) => {
  const saved = [console.log, console.warn, console.error];
  console.log = console.warn = console.error = () => {};
  try { return fn(); } finally { [console.log, console.warn, console.error] = saved; }
};

export function runCore(form, data) {
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

// --- value pools ---------------------------------------------------------------------------------
const JUNK = [null, 0, 1, -3, 2.5, true, false, '', '   ', 'x', 'hello world', [], ['a'], [1, 2], {}, { a: 1 },
  [[1]], 'abc@', '12/31/2020', '2020-01-01T10:00:00Z', 1e21, '<script>alert(1)</script>'];
const WORDS = ['alpha', 'beta', 'gamma', 'delta', 'eps', 'zeta', 'eta', 'theta'];
const sentence = (n) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
const OPTS = [
  [{ label: 'Ja', value: 'yes' }, { label: 'Nein', value: 'no' }],
  [{ label: 'Rot', value: 'red' }, { label: 'Grün', value: 'green' }, { label: 'Blau', value: 'blue' }],
  [{ label: 'Eins', value: '1' }, { label: 'Zwei', value: '2' }, { label: 'Drei', value: '3' }, { label: 'Vier', value: '4' }],
];

let keyCounter = 0;
const key = (t) => `${t}${++keyCounter}`;
const label = (k) => (chance(0.1) ? `<b>${k}</b> & "label"` : `Label ${k}`);

// --- components ------------------------------------------------------------------------------------
function textValidate(v) {
  if (chance(0.4)) v.required = true;
  if (chance(0.3)) v.minLength = pick([2, 3, 5, '4']);
  if (chance(0.3)) v.maxLength = pick([5, 8, 12, '10']);
  if (chance(0.15)) v.minWords = pick([2, 3]);
  if (chance(0.15)) v.maxWords = pick([2, 4]);
  if (chance(0.2)) v.pattern = pick(['[a-z ]*', '\\d{3,5}', '[A-Z][a-z]+', 'a|b']);
  return v;
}

const makers = {
  textfield: () => ({ type: 'textfield', input: true, multiple: chance(0.1), validate: textValidate({}) }),
  textarea: () => ({ type: 'textarea', input: true, validate: textValidate({}) }),
  number: () => {
    const v = {};
    if (chance(0.4)) v.required = true;
    if (chance(0.4)) v.min = pick([0, 1, 18, '5', -10]);
    if (chance(0.4)) v.max = pick([10, 100, '50', 120]);
    return { type: 'number', input: true, multiple: chance(0.08), validate: v };
  },
  email: () => ({ type: 'email', input: true, validate: { required: chance(0.4) } }),
  phoneNumber: () => ({ type: 'phoneNumber', input: true, inputMask: pick(['(999) 999-9999', '+49 999 9999999', '']),
    validate: { required: chance(0.3) } }),
  checkbox: () => ({ type: 'checkbox', input: true, validate: { required: chance(0.3) } }),
  radio: () => ({ type: 'radio', input: true, values: pick(OPTS),
    validate: { required: chance(0.4), onlyAvailableItems: chance(0.5) } }),
  select: () => ({ type: 'select', input: true, dataSrc: pick(['values', undefined]), data: { values: pick(OPTS) },
    multiple: chance(0.3), validate: { required: chance(0.4), onlyAvailableItems: chance(0.5) } }),
  selectboxes: () => {
    const v = { required: chance(0.3), onlyAvailableItems: chance(0.5) };
    if (chance(0.4)) v.minSelectedCount = pick([1, 2]);
    if (chance(0.4)) v.maxSelectedCount = pick([1, 2, '2']);
    return { type: 'selectboxes', input: true, values: pick(OPTS), validate: v };
  },
  day: () => ({ type: 'day', input: true, dayFirst: chance(0.4),
    fields: { day: { hide: false, required: chance(0.2) }, month: { hide: false, required: chance(0.2) },
      year: { hide: false, required: chance(0.2) } }, validate: { required: chance(0.3) } }),
  datetime: () => ({ type: 'datetime', input: true, validate: { required: chance(0.3) } }),
  signature: () => ({ type: 'signature', input: true, validate: { required: chance(0.3) } }),
  file: () => ({ type: 'file', input: true, storage: 'url', multiple: chance(0.3), validate: { required: chance(0.3) } }),
  survey: () => ({ type: 'survey', input: true, questions: [{ label: 'Q1', value: 'q1' }, { label: 'Q2', value: 'q2' }],
    values: pick(OPTS), validate: { required: chance(0.3) } }),
  hidden: () => ({ type: 'hidden', input: true }),
  content: () => ({ type: 'content', input: false, html: '<p>Info <script>x()</script></p>' }),
  htmlelement: () => ({ type: 'htmlelement', input: false, tag: 'p', content: 'Hinweis <img src=x onerror=alert(1)>' }),
};
const LEAF_TYPES = Object.keys(makers);

function leaf(type) {
  const c = makers[type]();
  c.key = key(type);
  c.label = label(c.key);
  if (c.dataSrc === undefined) delete c.dataSrc;
  if (!c.multiple) delete c.multiple;
  if (c.validate && chance(0.1)) c.validate.customMessage = 'Bitte prüfen: {{field}}';
  if (c.validate && chance(0.12)) c.validate.json = pick(JSON_RULES);
  if (chance(0.05)) c.hidden = true;
  if (chance(0.05)) c.clearOnHide = false;
  if (chance(0.04)) c.validateWhenHidden = true;
  if (chance(0.03)) c.persistent = false;
  if (chance(0.05)) c.disabled = true;
  if (chance(0.05) && !['content', 'htmlelement'].includes(type)) c.key = `info.${c.key}`;
  if (c.validate && chance(0.05)) c.errors = { required: 'Bitte {{field}} ausfüllen' };
  return c;
}

const JSON_RULES = [
  { if: [{ '==': [{ var: 'input' }, 'bad'] }, 'Wert bad ist verboten', true] },
  { if: [{ '>=': [{ var: 'data.drvNum' }, 3] }, true, 'drvNum too small'] },
  { '!': [{ in: ['x', { var: 'input' }] }] },
  { or: [{ '!': { var: 'input' } }, { '<=': [{ cat: [{ var: 'input' }] }, 'm'] }] },
  { some: [{ merge: [{ var: 'data.drvText' }] }, { '==': [{ var: '' }, 'show'] }] },
];

// conditions on the driver fields -------------------------------------------------------------------
function condition(refPrefix = '') {
  const kind = pick(['legacy', 'legacy', 'simple', 'simple', 'json']);
  const show = chance(0.6);
  if (kind === 'legacy') {
    const [when, eq] = pick([['drvText', 'show'], ['drvRadio', 'yes'], ['drvCheck', 'true'], ['drvNum', '5'],
      ['drvSb', 'b'], ['drvSel', '2'], [refPrefix || 'drvText', 'x']]);
    return { show: chance(0.2) ? String(show) : show, when, eq };
  }
  if (kind === 'simple') {
    const conds = [];
    for (let i = 0; i < int(1, 3); i++) {
      conds.push(pick([
        { component: 'drvText', operator: pick(['isEqual', 'isNotEqual', 'startsWith', 'endsWith', 'includes', 'notIncludes']), value: pick(['show', 'sh', 'ow', 'x']) },
        { component: 'drvText', operator: pick(['isEmpty', 'isNotEmpty']) },
        { component: 'drvNum', operator: pick(['greaterThan', 'lessThan', 'greaterThanOrEqual', 'lessThanOrEqual', 'isEqual']), value: pick([3, 5, 10, '5']) },
        { component: 'drvCheck', operator: pick(['isEqual', 'isNotEqual']), value: pick([true, false, 'true']) },
        { component: 'drvRadio', operator: pick(['isEqual', 'isNotEqual', 'isEmpty']), value: pick(['yes', 'no']) },
        { component: 'drvSb', operator: pick(['isEqual', 'isEmpty', 'isNotEmpty']), value: pick(['a', 'b']) },
        { component: 'drvSel', operator: pick(['isEqual', 'includes']), value: pick(['1', '2']) },
      ]));
    }
    return { show, conjunction: pick(['all', 'any']), conditions: conds };
  }
  return { json: pick([
    { '==': [{ var: 'data.drvText' }, 'show'] },
    { '>': [{ var: 'data.drvNum' }, 4] },
    { and: [{ var: 'data.drvCheck' }, { '!=': [{ var: 'data.drvRadio' }, 'no'] }] },
    { in: [{ var: 'data.drvSel' }, ['1', '3']] },
    { '!!': [{ var: 'row.drvText' }] },
    { missing: ['drvText', 'drvNum'] },
    { if: [{ var: 'data.drvSb.a' }, true, false] },
  ]) };
}

function drivers() {
  return [
    { type: 'textfield', key: 'drvText', label: 'Driver text', input: true },
    { type: 'number', key: 'drvNum', label: 'Driver number', input: true },
    { type: 'checkbox', key: 'drvCheck', label: 'Driver check', input: true },
    { type: 'radio', key: 'drvRadio', label: 'Driver radio', input: true, values: OPTS[0] },
    { type: 'selectboxes', key: 'drvSb', label: 'Driver sb', input: true, values: [{ label: 'A', value: 'a' }, { label: 'B', value: 'b' }] },
    { type: 'select', key: 'drvSel', label: 'Driver select', input: true, data: { values: OPTS[2] }, multiple: chance(0.5) },
  ];
}

function maybeCond(c, p = 0.3) {
  if (chance(p)) c.conditional = condition();
  return c;
}

function leaves(n, types = LEAF_TYPES) {
  return Array.from({ length: n }, () => maybeCond(leaf(pick(types))));
}

function layout(depth) {
  const kind = pick(['panel', 'fieldset', 'well', 'columns', 'table', 'container', 'datagrid', 'container']);
  const k = key(kind);
  const kids = () => (depth > 1 ? [...leaves(int(1, 3)), ...(chance(0.3) ? [layout(depth - 1)] : [])] : leaves(int(1, 3)));
  let c;
  if (kind === 'columns') c = { type: 'columns', key: k, input: false, columns: [{ components: kids(), width: 6 }, { components: kids(), width: 6 }] };
  else if (kind === 'table') c = { type: 'table', key: k, input: false, rows: [[{ components: kids() }, { components: kids() }]] };
  else if (kind === 'container') c = { type: 'container', key: k, label: label(k), input: true, components: kids() };
  else if (kind === 'datagrid') {
    const v = {};
    if (chance(0.3)) v.minLength = pick([1, 2]);
    if (chance(0.3)) v.maxLength = pick([2, 3]);
    if (chance(0.2)) v.required = true;
    c = { type: 'datagrid', key: k, label: label(k), input: true, validate: v,
      components: [...leaves(int(1, 3), LEAF_TYPES.filter((t) => !['content', 'htmlelement'].includes(t)))] };
    // a row-relative condition on a sibling
    if (chance(0.5) && c.components.length > 1) {
      const first = c.components[0];
      c.components[1].conditional = pick([
        { show: true, when: `${k}.${first.key}`, eq: 'show' },
        { show: false, conjunction: 'any', conditions: [{ component: `${k}.${first.key}`, operator: 'isNotEmpty' }] },
        { json: { '==': [{ var: `row.${first.key}` }, 'show'] } },
      ]);
    }
  } else c = { type: kind, key: k, label: label(k), input: false, components: kids() };
  if (chance(0.05)) c.hidden = true;
  if (chance(0.1)) c.clearOnHide = false;
  return maybeCond(c, 0.35);
}

function makeForm(i) {
  keyCounter = 0;
  const wizard = i % 6 === 5;
  const comps = [...drivers()];
  if (wizard) {
    for (let p = 0; p < int(2, 3); p++) {
      const page = { type: 'panel', key: `page${p + 1}`, title: `Seite ${p + 1}`, input: false,
        components: [...leaves(int(2, 4)), ...(chance(0.5) ? [layout(2)] : [])] };
      comps.push(maybeCond(page, p > 0 ? 0.5 : 0));
    }
    return { display: 'wizard', components: comps };
  }
  comps.push(...leaves(int(3, 8)));
  for (let j = 0; j < int(0, 3); j++) comps.push(layout(2));
  comps.push({ type: 'button', key: 'submit', label: 'Absenden', input: true, action: 'submit' });
  return { display: 'form', components: comps };
}

// --- values ------------------------------------------------------------------------------------------
function goodValue(c) {
  const v = c.validate || {};
  switch (c.type) {
    case 'textfield': case 'textarea': {
      let s = pick([sentence(int(1, 3)), 'show', 'abc', 'Hello', '12345', 'a', 'x y z', '', 'bad']);
      if (v.pattern && chance(0.5)) s = pick({ '[a-z ]*': ['abc def', 'xyz'], '\\d{3,5}': ['123', '98765'], '[A-Z][a-z]+': ['Hallo'], 'a|b': ['a', 'b'] }[v.pattern]);
      return c.multiple ? [s, pick(['zz', 'abc', ''])] : s;
    }
    case 'number': { const n = pick([0, 3, 5, 7, 18, 42, 99, 150, -20, 2.5]); return c.multiple ? [n, 5] : n; }
    case 'email': return pick(['a@b.de', 'max.muster@example.com', 'x@y', '']);
    case 'phoneNumber': return pick(['(030) 123-4567', '+49 151 1234567', '0301234', '']);
    case 'checkbox': return pick([true, false]);
    case 'radio': return pick([...c.values.map((o) => o.value), '']);
    case 'select': { const vals = c.data.values.map((o) => o.value); return c.multiple ? [pick(vals)] : pick([...vals, '']); }
    case 'selectboxes': return Object.fromEntries(c.values.map((o) => [o.value, chance(0.5)]));
    case 'day': return pick(['03/15/2020', '15/03/2020', '02/29/2021', '12/31/1999', '00/00/0000', '']);
    case 'datetime': return pick(['2024-05-01T10:00:00.000Z', '2024-05-01', '2024-05-01T10:00:00+02:00', '']);
    case 'signature': return pick(['data:image/png;base64,iVBORw0KGgo=', '']);
    case 'file': return pick([[], [{ name: 'a.pdf', size: 100, type: 'application/pdf', url: '/uploads/a.pdf' }]]);
    case 'survey': return { q1: pick(c.values).value, q2: pick(c.values).value };
    case 'hidden': return pick(['abc', 1, { a: 1 }]);
    default: return undefined;
  }
}

function badValue(c) {
  switch (c.type) {
    case 'textfield': case 'textarea': return pick(['a', 'aaaaaaaaaaaaaaaaaa', 'one two three four five', 'ABC', '   ', 'x1']);
    case 'number': return pick(['12', 'abc', -100, 1000, '', true]);
    case 'email': return pick(['no-at-sign', 'a@b', 'a b@c.de', '@x.de']);
    case 'phoneNumber': return pick(['12345', '(030) 123-456', 'abc', '+49 151 12345678']);
    case 'radio': case 'select': return pick(['purple', 'YES', 5, '']);
    case 'selectboxes': return pick([{ x: true }, { a: true, b: true, red: true, green: true, blue: true }, { yes: 'true' }, {}]);
    case 'day': return pick(['13/01/2020', '02/30/2021', '1/2', 'abc', '00/15/2020', '12/31/10000']);
    case 'datetime': return pick(['not a date', 'invalid date', '2024-13-45', 12]);
    case 'survey': return { q1: 'zzz' };
    default: return pick(JUNK);
  }
}

function valueFor(c) {
  const r = rand();
  if (r < 0.1) return undefined; // missing
  if (r < 0.6) return goodValue(c);
  if (r < 0.88) return badValue(c);
  return pick(JUNK);
}

function fill(components, data) {
  for (const c of components) {
    if (['panel', 'fieldset', 'well'].includes(c.type)) fill(c.components, data);
    else if (c.type === 'columns') c.columns.forEach((col) => fill(col.components, data));
    else if (c.type === 'table') c.rows.forEach((row) => row.forEach((cell) => fill(cell.components, data)));
    else if (c.type === 'container') {
      const r = rand();
      if (r < 0.1) continue;
      if (r < 0.15) { data[c.key] = pick(JUNK); continue; }
      data[c.key] = {};
      fill(c.components, data[c.key]);
    } else if (c.type === 'datagrid') {
      const r = rand();
      if (r < 0.1) continue;
      if (r < 0.15) { data[c.key] = pick([null, 'abc', {}, []]); continue; }
      const rows = [];
      for (let i = 0; i < int(0, 3); i++) {
        if (chance(0.08)) { rows.push(pick([null, 'row'])); continue; }
        const row = {};
        fill(c.components, row);
        rows.push(row);
      }
      data[c.key] = rows;
    } else if (['content', 'htmlelement'].includes(c.type)) continue;
    else if (c.type === 'button') { if (chance(0.5)) data[c.key] = true; }
    else {
      const v = c.key.startsWith('drv') ? driverValue(c) : valueFor(c);
      if (v !== undefined) {
        if (c.key.includes('.')) {
          const [a, b] = c.key.split('.');
          if (typeof data[a] !== 'object' || data[a] === null || Array.isArray(data[a])) data[a] = {};
          data[a][b] = v;
        } else data[c.key] = v;
      }
    }
  }
  if (chance(0.2)) data.unknownExtra = pick(JUNK);
  return data;
}

function driverValue(c) {
  switch (c.key) {
    case 'drvText': return pick(['show', 'shadow', 'x', '', undefined, 'flow']);
    case 'drvNum': return pick([1, 3, 4, 5, 10, undefined, '5']);
    case 'drvCheck': return pick([true, false, undefined]);
    case 'drvRadio': return pick(['yes', 'no', '', undefined]);
    case 'drvSb': return pick([{ a: true, b: false }, { a: false, b: true }, { a: false, b: false }, undefined]);
    case 'drvSel': return c.multiple ? pick([['1'], ['2', '3'], [], undefined]) : pick(['1', '2', '', undefined]);
    default: return undefined;
  }
}

// --- main --------------------------------------------------------------------------------------------
function main() {
  const groups = { forms: { n: 110, subs: 5 }, wizard: { n: 30, subs: 5 } };
  let total = 0;
  let skipped = 0;
  let formIndex = 0;
  for (const [name, { n, subs }] of Object.entries(groups)) {
    rand = mulberry32(name === 'forms' ? 20261123 : 777);
    const forms = [];
    const cases = [];
    for (let i = 0; i < n; i++) {
      let form = makeForm(name === 'wizard' ? 5 : i % 5);
      form = JSON.parse(JSON.stringify(form));
      const fi = forms.length;
      forms.push(form);
      for (let s = 0; s < subs; s++) {
        const data = JSON.parse(JSON.stringify(fill(form.components, {})));
        try {
          const rejected = runCore(form, data);
          cases.push({ id: `${name}-${i}-${s}`, form: fi, data, rejected });
        } catch (err) {
          skipped++;
        }
      }
      formIndex++;
    }
    total += cases.length;
    const out = { generator: 'tests/forms/reference/generate.mjs', formioCore: CORE_VERSION, forms, cases };
    writeFileSync(new URL(`./cases-${name}.json`, import.meta.url), JSON.stringify(out) + '\n');
  }
  console.log(`@formio/core ${CORE_VERSION}: wrote ${total} cases (${skipped} skipped: core threw)`);
}

main();
