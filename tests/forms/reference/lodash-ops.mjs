// Reference results of the lodash JSON-logic operators Frontdesk supports (forms/jsonlogic.py LODASH_OPERATORS),
// computed by @formio/core's own jsonLogic (which registers lodash functions as `_name` operators).
// Run: cd tests/forms/reference && node lodash-ops.mjs   (writes lodash-ops.json; no randomness)
import { readFileSync, writeFileSync } from 'node:fs';
import core from '@formio/core';

const CORE_VERSION = JSON.parse(readFileSync(new URL('./node_modules/@formio/core/package.json', import.meta.url), 'utf8')).version;
const { jsonLogic } = core;

const STRING_OPS = ['camelCase', 'kebabCase', 'snakeCase', 'startCase', 'lowerCase', 'upperCase', 'capitalize',
  'upperFirst', 'lowerFirst', 'toLower', 'toUpper', 'trim', 'trimStart', 'trimEnd', 'deburr', 'words', 'toString'];
const STRINGS = ['', 'hello world', 'Hello World', 'helloWorld', 'HelloWorld', 'XMLHttpRequest', 'foo_bar-baz qux',
  '  padded  ', '__FOO_BAR__', 'Größe der Füße', 'ÄÖÜ äöü ß', 'straße', 'Crème brûlée', 'ĳssel Łódź Œuvre', 'abc123def',
  'test 1st 2nd 3rd 4th', "don't stop", 'ÉCOLE', 'a.b,c;d', 'x', 'ABC', 'Ab Cd', 'número uno', 'İstanbul'];
const VALUES = [null, 5, 0, 1.5, true, false, ['a', 'b'], ['x', null, 1], { a: 1 }];
// every letter deburr knows (Latin-1 Supplement and Latin Extended-A) and the combining marks
const LETTERS = [];
for (let c = 0xc0; c <= 0x17f; c++) LETTERS.push(String.fromCharCode(c));
LETTERS.push('e\u0301', 'a\u0308');

const OTHER = [
  ['includes', [['a', 'b'], 'a']], ['includes', [['a', 'b'], 'c']], ['includes', ['hello', 'ell']],
  ['includes', [{ a: 1, b: 2 }, 2]], ['includes', [null, 'a']], ['includes', [[1, 2, 3], 1, 1]], ['includes', [[1, '1'], '1']],
  ['isEmpty', [null]], ['isEmpty', ['']], ['isEmpty', ['a']], ['isEmpty', [[]]], ['isEmpty', [[0]]], ['isEmpty', [{}]],
  ['isEmpty', [{ a: 1 }]], ['isEmpty', [0]], ['isEmpty', [5]], ['isEmpty', [true]],
  ['isNil', [null]], ['isNil', [0]], ['isNil', ['']], ['isNull', [null]], ['isNull', ['x']],
  ['isString', ['a']], ['isString', [1]], ['isNumber', [1]], ['isNumber', ['1']], ['isArray', [[1]]], ['isArray', ['a']],
  ['isBoolean', [false]], ['isBoolean', [0]], ['isInteger', [3]], ['isInteger', [3.5]], ['isInteger', ['3']],
  ['isEqual', [{ a: [1, 2] }, { a: [1, 2] }]], ['isEqual', [1, '1']], ['isEqual', [[1], [1, 2]]],
  ['size', [[1, 2, 3]]], ['size', ['abc']], ['size', [{ a: 1, b: 2 }]], ['size', [null]], ['size', [5]],
  ['sum', [[1, 2, 3]]], ['sum', [[]]], ['sum', [null]], ['sum', [[1, '2', 3]]], ['sum', [[1.5, 2.25]]],
  ['mean', [[1, 2, 3, 4]]], ['mean', [[]]], ['max', [[1, 5, 3]]], ['max', [[]]], ['min', [[4, 2, 8]]], ['min', [null]],
  ['round', [4.006]], ['round', [4.006, 2]], ['round', [4060, -2]], ['round', [2.5]], ['round', ['2.4']], ['ceil', [4.006]], ['ceil', [6.004, 2]],
  ['floor', [4.006]], ['floor', [0.046, 2]], ['floor', [-4.5]],
  ['add', [6, 4]], ['add', ['6', 4]], ['subtract', [6, 4]], ['multiply', [6, 4]], ['divide', [6, 4]], ['divide', [1, 0]],
  ['first', [[1, 2]]], ['first', [[]]], ['head', [['a']]], ['last', [[1, 2]]], ['last', [null]],
  ['join', [['a', 'b', 'c'], '~']], ['join', [['a', 'b']]], ['join', [['a', null, 1]]], ['join', [null]],
  ['get', [{ a: { b: [{ c: 3 }] } }, 'a.b[0].c']], ['get', [{ a: 1 }, 'b', 'dflt']], ['get', [{ a: 1 }, 'a']],
  ['get', [null, 'a']], ['get', [{ a: { b: 2 } }, ['a', 'b']]], ['get', [['x', 'y'], '1']],
  ['has', [{ a: { b: 2 } }, 'a.b']], ['has', [{ a: 1 }, 'b']], ['has', [null, 'a']],
  ['keys', [{ a: 1, b: 2 }]], ['keys', [null]], ['values', [{ a: 1, b: 2 }]],
  ['toNumber', ['3.2']], ['toNumber', ['']], ['toNumber', [null]], ['toNumber', ['abc']], ['toInteger', ['3.7']], ['toInteger', [-3.7]],
  ['clamp', [10, -5, 5]], ['clamp', [-10, -5, 5]], ['clamp', [3, 5]],
  ['inRange', [3, 2, 4]], ['inRange', [4, 8]], ['inRange', [-3, -2, -6]], ['inRange', [2, 2]],
  ['defaultTo', [null, 10]], ['defaultTo', [1, 10]], ['defaultTo', ['', 10]],
  ['startsWith', ['abc', 'a']], ['startsWith', ['abc', 'b']], ['startsWith', ['abc', 'b', 1]],
  ['endsWith', ['abc', 'c']], ['endsWith', ['abc', 'b', 2]], ['endsWith', [null, '']],
  ['capitalize', ['FRED']], ['uniq', [[2, 1, 2, '2']]], ['compact', [[0, 1, false, 2, '', 3, null]]],
  ['words', ['fred, barney, & pebbles']], ['words', ['camelCaseHTMLParser2000']], ['toString', [[1, [2, 3]]]],
  ['includes', ['abc', 'c', -1]], ['includes', [['a', 'b'], 'a', 1]], ['sum', [[1, null, 2]]], ['max', [['a', 'b']]],
  ['get', [{ 'a.b': 1 }, 'a.b']], ['get', [{ a: [{ b: 1 }] }, 'a[0]["b"]']], ['has', [{ a: [1, 2] }, 'a[1]']], ['has', [{ a: [1, 2] }, 'a[2]']],
  ['trim', ['-_-abc-_-', '_-']], ['trimStart', ['-_-abc-_-', '_-']], ['trimEnd', ['-_-abc-_-', '_-']],
];

const cases = [];
const run = (op, args) => {
  let result;
  try { result = jsonLogic.apply({ [`_${op}`]: args.map((a) => ({ var: String(args.indexOf(a)) })) }, args); }
  catch (err) { result = { thrown: String(err) }; }
  cases.push({ op, args, result: result === undefined ? { undefined: true } : result });
};
for (const op of STRING_OPS) for (const s of [...STRINGS, ...VALUES]) run(op, [s]);
for (const ch of LETTERS) run('deburr', [ch]);
for (const [op, args] of OTHER) run(op, args);
writeFileSync(new URL('./lodash-ops.json', import.meta.url),
  JSON.stringify({ generator: 'tests/forms/reference/lodash-ops.mjs', formioCore: CORE_VERSION, cases }, null, 0) + '\n');
console.log(cases.length, 'cases');
