// The prelude of every sandbox context (forms/js.py): the runner, the compile check and the freezing
// of the intrinsic objects. Runs before any definition code; nothing in it reaches the host.
(function () {
  'use strict';
  var G = globalThis, parse = JSON.parse, stringify = JSON.stringify, F = Function;
  var cache = new Map();
  function t(text) { return text; }
  // an exhausted engine throws catchable errors too (stack overflow, out of memory, giant strings):
  // those end the submission like the uncatchable time limit; anything else the snippet threw is null
  // (the globals it needs are taken now: a snippet may rebind globalThis.String or RangeError)
  var Internal = G.InternalError, Str = String, Range = RangeError, exhausted = /invalid (string|array) length|too many|stack/;
  function thrown(e) {
    var m;
    try { m = Str(e && e.message); } catch (err) { m = ''; }
    if (Internal && e instanceof Internal) return m.indexOf('stack') !== -1 ? '{"limit":"stack"}' : '{"limit":"memory"}';
    if (e instanceof Range && exhausted.test(m)) return '{"limit":"memory"}';
    return '{"thrown":true}';
  }
  var formObj = {};
  function setForm(json) { formObj = parse(json); }
  function run(code, ret, names, json) {
    var key = ret + '\u0000' + names + '\u0000' + code, fn = cache.get(key);
    names = names.split(',');
    if (!fn) {
      try { fn = F.apply(null, names.concat(['var ' + ret + ';\n' + code + '\n;return ' + ret + ';'])); }
      catch (e) { return '{"thrown":true}'; }  // a stored definition nobody compiled: no result
      cache.set(key, fn);
    }
    var vars = parse(json), args = names.map(function (n) {
      return n === 't' ? t : n === 'form' ? formObj
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
})();
