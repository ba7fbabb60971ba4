// Differential fixtures for the component types of forms/extra.py (editgrid, tabs, nested form, address,
// datamap, currency, tags, time, url, password, radio-style checkboxes, JSON select options): seeded random forms
// and submissions, with @formio/core's verdicts. Run: node extra.mjs (writes cases-extra.json).
import { readFileSync, writeFileSync } from 'node:fs';
import core from '@formio/core';

const { processSync, ProcessTargets } = core;
const CORE_VERSION = JSON.parse(readFileSync(new URL('./node_modules/@formio/core/package.json', import.meta.url), 'utf8')).version;

function mulberry32(a) {
  return function () {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(20261207);
const pick = (arr) => arr[Math.floor(rand() * arr.length)];
const chance = (p) => rand() < p;

function runCore(form, data) {
  const f = JSON.parse(JSON.stringify(form));
  const d = JSON.parse(JSON.stringify(data));
  const context = {
    form: f, submission: { data: d }, components: f.components, data: d,
    processors: ProcessTargets.evaluator, scope: {}, config: { server: true },
  };
  const saved = [console.log, console.warn, console.error];
  console.log = console.warn = console.error = () => {};
  try { processSync(context); } finally { [console.log, console.warn, console.error] = saved; }
  const seen = new Set();
  for (const e of context.scope.errors || []) seen.add(JSON.stringify([e.context.path, e.ruleName]));
  return [...seen].map((s) => JSON.parse(s)).sort((a, b) => (a[0] + '\u0000' + a[1] < b[0] + '\u0000' + b[1] ? -1 : 1));
}

let n = 0;
const key = (t) => `${t}${++n}`;
const JUNK = [null, 0, 1, 2.5, true, false, '', ' ', 'x', [], ['a'], {}, { a: 1 }];

function validate() {
  const v = {};
  if (chance(0.5)) v.required = true;
  if (chance(0.2)) v.minLength = pick([2, 5]);
  if (chance(0.2)) v.maxLength = pick([3, 8]);
  if (chance(0.15)) v.pattern = pick(['[a-z]+', '\\d{2}:\\d{2}']);
  return v;
}

const LEAVES = {
  url: () => ({ type: 'url', key: key('url'), label: 'URL', input: true, validate: validate(), multiple: chance(0.2) }),
  time: () => ({ type: 'time', key: key('time'), label: 'Zeit', input: true, inputMask: '99:99',
    dataFormat: pick(['HH:mm:ss', 'HH:mm', undefined]), validate: { required: chance(0.5) } }),
  password: () => ({ type: 'password', key: key('pw'), label: 'Passwort', input: true, validate: validate() }),
  currency: () => ({ type: 'currency', key: key('cur'), label: 'Betrag', input: true, currency: 'EUR',
    validate: { required: chance(0.5), min: chance(0.3) ? 0 : undefined, max: chance(0.3) ? 100 : undefined } }),
  tags: () => ({ type: 'tags', key: key('tags'), label: 'Tags', input: true, storeas: pick(['string', 'array', undefined]),
    validate: { required: chance(0.5) } }),
  address: () => ({ type: 'address', key: key('addr'), label: 'Adresse', input: true, enableManualMode: true,
    multiple: chance(0.15), validate: { required: chance(0.6) },
    components: [{ type: 'textfield', key: 'address1', label: 'Straße', input: true }] }),
  datamap: () => ({ type: 'datamap', key: key('map'), label: 'Zuordnung', input: true,
    valueComponent: { type: 'textfield', key: 'value', label: 'Wert', input: true }, validate: { required: chance(0.5) } }),
  select: () => ({ type: 'select', key: key('sel'), label: 'Land', input: true, dataSrc: 'json', valueProperty: 'code',
    data: { json: [{ code: 'de', name: 'Deutschland' }, { code: 'at', name: 'Österreich' }] },
    validate: { required: chance(0.5), onlyAvailableItems: chance(0.5) } }),
};

function leafValue(c) {
  switch (c.type) {
    case 'url': return pick(['https://example.org/x', 'example.com', 'http://localhost:3000', 'not a url', 'a@b.de',
      'ftp://files.example.net', '//cdn.example.org/a.js', c.multiple ? ['https://a.de'] : 'https://a.de', ...JUNK]);
    case 'time': return pick(['10:30:00', '10:30', '25:00:00', '9:05:00', '23:59:59', '12:60:00', ...JUNK]);
    case 'password': return pick(['geheim', 'ab', 'abcdefghij', '12:34', ...JUNK]);
    case 'currency': return pick([0, 12.5, 150, -3, '12', ...JUNK]);
    case 'tags': return pick(['a,b', 'rot', ['a', 'b'], [], ...JUNK]);
    case 'address': return pick([{ mode: 'manualMode', address: { address1: 'Hauptstr. 1', city: 'Köln' } },
      { mode: 'manualMode', address: { address1: '', city: 'Köln' } }, { mode: 'manualMode', address: {} },
      { mode: 'autocomplete', address: { display_name: 'Köln' } }, { display_name: 'Berlin', lat: '52.5' },
      [{ mode: 'manualMode', address: { address1: 'x' } }], ...JUNK]);
    case 'select': return pick(['de', 'at', 'fr', ...JUNK]);
    case 'datamap': return pick([{ a: 'x' }, { a: '' }, { a: null }, ...JUNK]);
    case 'checkbox': return pick([c.value, 'other', true, false, '', undefined]);
    default: return pick(JUNK);
  }
}

function leaf() {
  return LEAVES[pick(Object.keys(LEAVES))]();
}

function makeForm(i) {
  const comps = [];
  const shape = i % 5;
  if (shape === 0) {
    comps.push({ type: 'editgrid', key: key('eg'), label: 'Zeilen', input: true, validate: { required: chance(0.5) },
      components: [leaf(), leaf()] });
  } else if (shape === 1) {
    comps.push({ type: 'tabs', key: key('tabs'), input: false, components: [
      { label: 'Eins', key: key('tab'), components: [leaf()] },
      { label: 'Zwei', key: key('tab'), components: [leaf(), leaf()] }] });
  } else if (shape === 2) {
    comps.push({ type: 'form', key: key('inner'), label: 'Innen', input: true, components: [leaf(), leaf()] });
  } else if (shape === 3) {
    const name = key('group');
    for (const v of ['a', 'b']) {
      comps.push({ type: 'checkbox', inputType: 'radio', name, value: v, key: key('cb'), label: `Option ${v}`, input: true,
        validate: { required: chance(0.5) } });
    }
    comps.push(leaf());
  } else {
    comps.push(leaf(), leaf(), leaf());
  }
  return { display: 'form', components: comps };
}

function fill(components, row) {
  for (const c of components) {
    if (chance(0.1)) continue;
    if (c.type === 'tabs') {
      for (const tab of c.components) fill(tab.components, row);
    } else if (c.type === 'editgrid') {
      row[c.key] = chance(0.15) ? [] : Array.from({ length: pick([1, 2]) }, () => fill(c.components, {}));
    } else if (c.type === 'form') {
      row[c.key] = chance(0.1) ? pick(JUNK) : { data: fill(c.components, {}) };
    } else if (c.type === 'checkbox' && c.inputType === 'radio') {
      if (row[c.name] === undefined || chance(0.3)) row[c.name] = leafValue(c);
    } else {
      const v = leafValue(c);
      if (v !== undefined) row[c.key] = v;
    }
  }
  return row;
}

const forms = [];
const cases = [];
let skipped = 0;
for (let i = 0; i < 60; i++) {
  const form = makeForm(i);
  const fi = forms.push(form) - 1;
  for (let s = 0; s < 4; s++) {
    const data = JSON.parse(JSON.stringify(fill(form.components, {})));
    try {
      cases.push({ id: `extra-${i}-${s}`, form: fi, data, rejected: runCore(form, data) });
    } catch (err) {
      skipped++;
    }
  }
}
// Nested forms as a published version holds an included questionnaire (forms/nested.py): Form.io's pin
// properties (form id, revision, reference: false) next to the inline components, also one inside another.
// Appended after the forms above, so their random draws (and recorded verdicts) stay as they were.
for (let i = 0; i < 8; i++) {
  const pinned = (components) => ({ type: 'form', key: key('included'), label: 'Eingebunden', input: true,
    form: (0x6b16a6bb6b0ae432a9b44200 + i).toString(16).padStart(24, '0'), revision: 1 + (i % 3), reference: false,
    components });
  const inner = i % 2 ? [leaf(), pinned([leaf()])] : [leaf(), leaf()];
  const form = { display: 'form', components: [leaf(), pinned(inner)] };
  const fi = forms.push(form) - 1;
  for (let s = 0; s < 4; s++) {
    const data = JSON.parse(JSON.stringify(fill(form.components, {})));
    try {
      cases.push({ id: `extra-nested-${i}-${s}`, form: fi, data, rejected: runCore(form, data) });
    } catch (err) {
      skipped++;
    }
  }
}

const out = { generator: 'tests/forms/reference/extra.mjs', formioCore: CORE_VERSION, forms: JSON.parse(JSON.stringify(forms)), cases };
writeFileSync(new URL('./cases-extra.json', import.meta.url), JSON.stringify(out) + '\n');
console.log(`@formio/core ${CORE_VERSION}: wrote ${cases.length} cases (${skipped} skipped: core threw)`);
