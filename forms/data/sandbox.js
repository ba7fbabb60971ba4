// The prelude of every sandbox context (forms/js.py): the lodash/utils subset, the runner, and the
// freezing of the intrinsic objects. Runs before any definition code; nothing in it reaches the host.
(function () {
  'use strict';
  var G = globalThis, parse = JSON.parse, stringify = JSON.stringify, F = Function, keysOf = Object.keys;
  var isArr = Array.isArray, cache = new Map();
  function path(p) { return isArr(p) ? p : String(p).replace(/\[(\d+)\]/g, '.$1').split('.').filter(function (s) { return s !== ''; }); }
  function get(o, p, d) { var ps = path(p); for (var i = 0; i < ps.length; i++) { if (o === null || o === undefined) return d; o = o[ps[i]]; } return o === undefined ? d : o; }
  function isNil(v) { return v === null || v === undefined; }
  function isObj(v) { return v !== null && (typeof v === 'object' || typeof v === 'function'); }
  function isEmpty(v) { if (isNil(v)) return true; if (typeof v === 'string' || isArr(v)) return v.length === 0; if (typeof v === 'object') return keysOf(v).length === 0; return true; }
  function isEqual(a, b) { return stringify(a) === stringify(b); }
  function iter(f) { return typeof f === 'function' ? f : typeof f === 'string' ? function (o) { return get(o, f); } : function (o) { return keysOf(f || {}).every(function (k) { return isEqual(o && o[k], f[k]); }); }; }
  function list(c) { return isArr(c) ? c : isObj(c) ? keysOf(c).map(function (k) { return c[k]; }) : []; }
  var _ = {
    get: get, has: function (o, p) { var ps = path(p), i; for (i = 0; i < ps.length; i++) { if (!isObj(o) || !Object.prototype.hasOwnProperty.call(o, ps[i])) return false; o = o[ps[i]]; } return true; },
    isEmpty: isEmpty, isNil: isNil, isNull: function (v) { return v === null; }, isUndefined: function (v) { return v === undefined; },
    isEqual: isEqual, isArray: isArr, isString: function (v) { return typeof v === 'string'; },
    isNumber: function (v) { return typeof v === 'number'; }, isObject: isObj, isBoolean: function (v) { return typeof v === 'boolean'; },
    find: function (c, f) { return list(c).find(iter(f)); }, filter: function (c, f) { return list(c).filter(iter(f)); },
    map: function (c, f) { return list(c).map(iter(f)); }, some: function (c, f) { return list(c).some(iter(f)); },
    every: function (c, f) { return list(c).every(iter(f)); },
    includes: function (c, v) { return typeof c === 'string' ? c.indexOf(v) !== -1 : list(c).indexOf(v) !== -1; },
    sortBy: function (c, f) { var g = iter(f); return list(c).slice().sort(function (a, b) { var x = g(a), y = g(b); return x < y ? -1 : x > y ? 1 : 0; }); },
    sum: function (c) { return list(c).reduce(function (s, v) { return s + v; }, 0); },
    sumBy: function (c, f) { var g = iter(f); return list(c).reduce(function (s, v) { return s + g(v); }, 0); },
    keys: function (o) { return isObj(o) ? keysOf(o) : []; }, values: list,
    first: function (a) { return list(a)[0]; }, last: function (a) { var l = list(a); return l[l.length - 1]; },
    uniq: function (a) { return list(a).filter(function (v, i, l) { return l.indexOf(v) === i; }); },
    toNumber: Number, toString: function (v) { return isNil(v) ? '' : String(v); },
    trim: function (s) { return isNil(s) ? '' : String(s).trim(); },
    round: function (n, p) { var m = Math.pow(10, p || 0); return Math.round(n * m) / m; },
    size: function (c) { return typeof c === 'string' ? c.length : list(c).length; },
    each: function (c, f) { list(c).forEach(f); return c; }, forEach: function (c, f) { list(c).forEach(f); return c; }
  };
  var utils = { _: _, get: get, isEmpty: isEmpty };
  function t(text) { return text; }
  // an exhausted engine throws catchable errors too (stack overflow, out of memory, giant strings):
  // those end the submission like the uncatchable time limit; anything else the snippet threw is null
  var Internal = G.InternalError;
  function thrown(e) {
    var m = String(e && e.message);
    if (Internal && e instanceof Internal) return m.indexOf('stack') !== -1 ? '{"limit":"stack"}' : '{"limit":"memory"}';
    if (e instanceof RangeError && /invalid (string|array) length|too many|stack/.test(m)) return '{"limit":"memory"}';
    return '{"thrown":true}';
  }
  var formObj = {};
  function setForm(json) { formObj = parse(json); }
  function run(code, ret, names, json) {
    var key = ret + '\u0000' + names + '\u0000' + code, fn = cache.get(key);
    names = names.split(',');
    if (!fn) {
      fn = F.apply(null, names.concat(['var ' + ret + ';\n' + code + '\n;return ' + ret + ';']));
      cache.set(key, fn);
    }
    var vars = parse(json), args = names.map(function (n) {
      return n === 't' ? t : n === '_' ? _ : n === 'utils' ? utils : n === 'form' ? formObj
        : n === 'submission' ? { data: vars.data } : vars[n];
    });
    var out;
    try { out = fn.apply(undefined, args); } catch (e) { return thrown(e); }
    if (out === undefined) return '{}';
    try { return stringify({ v: out }); } catch (e) { return thrown(e); }
  }
  function check(code, ret) {
    try { F('var ' + ret + ';\n' + code + '\n;return ' + ret + ';'); return ''; } catch (e) { return String(e && e.message || e); }
  }
  [Object, Function, Array, String, Number, Boolean, Symbol, Error, TypeError, RangeError, SyntaxError,
   ReferenceError, EvalError, URIError, RegExp, Date, Map, Set, WeakMap, WeakSet, Promise, ArrayBuffer,
   DataView, Proxy].forEach(function (c) { if (c) { if (c.prototype) Object.freeze(c.prototype); Object.freeze(c); } });
  [JSON, Math, Reflect].forEach(Object.freeze);
  Object.freeze(Object.getPrototypeOf(function* () {}));
  Object.freeze(Object.getPrototypeOf(async function () {}));
  Object.freeze(Object.getPrototypeOf(Int8Array));
  Object.freeze(Object.getPrototypeOf(Int8Array.prototype));
  Object.defineProperty(G, '__frontdesk_run', { value: Object.freeze(run) });
  Object.defineProperty(G, '__frontdesk_check', { value: Object.freeze(check) });
  Object.defineProperty(G, '__frontdesk_form', { value: Object.freeze(setForm) });
  Object.freeze(_); Object.freeze(utils);
})();
