// Reference verdicts for date limits computed with moment() (forms/datelimits.py parse_moment), from @formio/core.
// @formio/core evaluates such a setting as JavaScript with moment = dayjs, at the current time in the process's
// zone; here "now" is fixed (Date is replaced before @formio/core loads) and the zone is the TZ of the run.
// Run: cd tests/forms/reference && node moment-cases.mjs   (runs itself once per zone; writes moment-cases.json)
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const NOWS = ['2026-01-31T23:30:00.000Z', '2026-03-29T00:30:00.000Z'];
const ZONES = ['UTC', 'Europe/Berlin'];
const LIMITS = [
  "moment().add(10, 'days')", "moment().subtract(10, 'days')", "moment().startOf('month')", "moment().endOf('month')",
  "moment().subtract(1, 'year')", "moment().add(1, 'month')", "moment().startOf('week')", "moment().add(2, 'hours')",
  "moment().startOf('day')", "moment().endOf('year');", "moment().add(1,'M').startOf('M')", "moment().subtract(3, 'Days')",
];

async function one(now, zone) {
  const FIXED = Date.parse(now);
  const RealDate = Date;
  globalThis.Date = class extends RealDate {
    constructor(...a) { if (a.length === 0) super(FIXED); else super(...a); }
    static now() { return FIXED; }
  };
  const core = (await import('@formio/core')).default;
  const { processSync, ProcessTargets } = core;
  const run = (form, data) => {
    const context = { form, submission: { data }, components: form.components, data,
      processors: ProcessTargets.evaluator, scope: {}, config: { server: true } };
    const saved = [console.log, console.warn, console.error];
    console.log = console.warn = console.error = () => {};
    try { processSync(context); } finally { [console.log, console.warn, console.error] = saved; }
    return [...new Set((context.scope.errors || []).map((e) => JSON.stringify([e.context.path, e.ruleName])))]
      .map((s) => JSON.parse(s)).sort();
  };
  const forms = [];
  const cases = [];
  const offsets = [-400, -11, -10, -9, -1, 0, 1, 9, 10, 11, 400].map((d) => d * 86400000);
  const hours = [-1, 0, 1, 2].map((h) => h * 3600000);
  const iso = (ms) => new RealDate(ms).toISOString();
  const pad = (n) => String(n).padStart(2, '0');
  LIMITS.forEach((limit) => {
    for (const enableTime of [true, false]) {
      for (const which of ['minDate', 'maxDate']) {
        const form = { display: 'form', components: [{ type: 'datetime', key: 'when', label: 'Wann', input: true,
          enableTime, widget: { type: 'calendar', enableTime, [which]: limit } }] };
        forms.push(form);
        for (const off of offsets) for (const h of hours) {
          const data = { when: iso(FIXED + off + h) };
          cases.push({ form: forms.length - 1, data, rejected: run(JSON.parse(JSON.stringify(form)), data) });
        }
      }
    }
    for (const which of ['minDate', 'maxDate']) {
      const form = { display: 'form', components: [{ type: 'day', key: 'day', label: 'Tag', input: true, [which]: limit }] };
      forms.push(form);
      for (const off of offsets) {
        const d = new RealDate(FIXED + off);
        const data = { day: `${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${d.getUTCFullYear()}` };
        cases.push({ form: forms.length - 1, data, rejected: run(JSON.parse(JSON.stringify(form)), data) });
      }
    }
  });
  return { now, zone, forms, cases };
}

if (process.argv[2]) {
  const out = await one(process.argv[2], process.env.TZ);
  process.stdout.write(JSON.stringify(out));
} else {
  const CORE_VERSION = JSON.parse(readFileSync(new URL('./node_modules/@formio/core/package.json', import.meta.url), 'utf8')).version;
  const runs = [];
  for (const zone of ZONES) for (const now of NOWS) {
    const text = execFileSync(process.execPath, [new URL(import.meta.url).pathname, now], { env: { ...process.env, TZ: zone }, maxBuffer: 1 << 28 });
    runs.push(JSON.parse(text));
  }
  writeFileSync(new URL('./moment-cases.json', import.meta.url),
    JSON.stringify({ generator: 'tests/forms/reference/moment-cases.mjs', formioCore: CORE_VERSION, runs }) + '\n');
  console.log(runs.map((r) => `${r.zone} ${r.now}: ${r.cases.length} cases, ${r.cases.filter((c) => c.rejected.length).length} rejected`).join('\n'));
}
