// The prelude of every sandbox context (forms/js.py): the runner, the compile check, the freezing of
// everything reachable from the global object, and the reset that makes a context fit for the next
// submission. Runs before any definition code; nothing in it reaches the host.
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
    var key = ret + '\u0000' + names + '\u0000' + code, entry = cache.get(key), fn;
    if (!entry) {
      names = names.split(',');
      try { fn = F.apply(null, names.concat(['var ' + ret + ';\n' + code + '\n;return ' + ret + ';'])); }
      catch (e) { return '{"thrown":true}'; }  // a stored definition nobody compiled: no result
      // kept for later submissions: frozen, so nothing can be stored on it (arguments.callee.x = ...)
      if (fn.prototype) freeze(fn.prototype);
      entry = { fn: freeze(fn), names: names };
      cache.set(key, entry);
    }
    fn = entry.fn; names = entry.names;
    var vars = parse(json), n = names.length, args = new Array(n);
    for (var i = 0; i < n; i++) {
      var name = names[i];
      args[i] = name === 't' ? t : name === 'form' ? formObj : name === 'submission' ? { data: vars.data } : vars[name];
    }
    var out;
    try { out = fn.apply(undefined, args); } catch (e) { return thrown(e); }
    if (out === undefined) return '{}';
    try { return stringify({ v: out }); } catch (e) { return thrown(e); }
  }
  function check(code, ret) {
    try { F('var ' + ret + ';\n' + code + '\n;return ' + ret + ';'); return ''; } catch (e) { return String(e && e.message || e); }
  }
  // Deep freeze: every object reachable from the global object (own properties, accessors, prototypes)
  // and from the intrinsics only syntax reaches (generator, async and iterator prototypes). After this
  // the only mutable object a snippet shares with the next submission is the global object itself,
  // which reset() below puts back.
  var freeze = Object.freeze, ownKeys = Reflect.ownKeys, getDesc = Object.getOwnPropertyDescriptor,
    getDescs = Object.getOwnPropertyDescriptors,
    getProto = Object.getPrototypeOf, isExtensible = Object.isExtensible, defineProp = Object.defineProperty,
    deleteProp = Reflect.deleteProperty;
  function* gen() {}
  async function asyncFn() {}
  async function* asyncGen() {}
  // a global `eval` would let a snippet declare global `let`/`const`/`class` bindings, which are no
  // properties of the global object and could not be taken back (no corpus form calls eval)
  defineProp(G, 'eval', { value: undefined, writable: false, configurable: false, enumerable: false });
  defineProp(G, '__frontdesk_run', { value: run });
  defineProp(G, '__frontdesk_check', { value: check });
  defineProp(G, '__frontdesk_form', { value: setForm });
  defineProp(G, '__frontdesk_reset', { value: reset });
  // Math.random draws from a generator (xoshiro128**) that reset() seeds afresh for every submission: the
  // engine's own generator would carry its position from one submission to the next
  var r0 = 1, r1 = 2, r2 = 3, r3 = 4, imul = Math.imul;
  function random() {
    var out = imul(imul(r1, 5) << 7 | imul(r1, 5) >>> 25, 9) >>> 0, t = r1 << 9;
    r2 ^= r0; r3 ^= r1; r1 ^= r2; r0 ^= r3; r2 ^= t; r3 = r3 << 11 | r3 >>> 21;
    return out / 4294967296;
  }
  defineProp(Math, 'random', { value: random });
  // objects made by syntax or by built-ins: their prototype chains hold intrinsics no global names
  var made = [gen, gen.prototype, asyncFn, asyncGen, asyncGen.prototype, [].values(), new Map().values(),
    new Set().values(), ''[Symbol.iterator](), /a/[Symbol.matchAll](''), (function () { return arguments; })(),
    Promise.resolve(), new Error(), new Uint8Array(0), new ArrayBuffer(0), Object(Symbol()), Object(1n)];
  var todo = [t], seen = new Set();
  made.forEach(function (o) { todo.push(getProto(o)); });
  ownKeys(G).forEach(function (k) { var d = getDesc(G, k); todo.push(d.value, d.get, d.set); });
  while (todo.length) {
    var o = todo.pop();
    if (o === null || (typeof o !== 'object' && typeof o !== 'function') || o === G || seen.has(o)) continue;
    seen.add(o);
    freeze(o);
    todo.push(getProto(o));
    var ds = getDescs(o), ks = ownKeys(ds);
    for (var i = 0; i < ks.length; i++) {
      var d = ds[ks[i]];
      if (typeof d.value === 'object' || typeof d.value === 'function') todo.push(d.value);
      if (d.get) todo.push(d.get);
      if (d.set) todo.push(d.set);
    }
  }
  made = seen = todo = null;
  // the built-in globals cannot be replaced or removed: a snippet may only add globals
  var baseKeys = ownKeys(G), base = new Set(baseKeys), baseProto = getProto(G);
  baseKeys.forEach(function (k) {
    var d = getDesc(G, k);
    if ('value' in d) defineProp(G, k, { writable: false, configurable: false });
    else defineProp(G, k, { configurable: false });
  });
  // After a submission: forget its form, seed Math.random, delete the globals its snippets added. True when the global
  // object is as the prelude left it (same keys, same prototype, still extensible); false when a
  // snippet made that impossible (a non-configurable global, a changed prototype): the context is then
  // thrown away, never reused.
  function reset(a, b, c, d) {
    formObj = {};
    r0 = a >>> 0; r1 = b >>> 0; r2 = c >>> 0; r3 = d >>> 0;
    if (!(r0 | r1 | r2 | r3)) r0 = 1;
    var keys = ownKeys(G);
    if (keys.length !== baseKeys.length) {
      for (var i = 0; i < keys.length; i++) {
        if (!base.has(keys[i]) && !deleteProp(G, keys[i])) return false;
      }
      if (ownKeys(G).length !== baseKeys.length) return false;
    }
    return getProto(G) === baseProto && isExtensible(G) && cache.size <= 512;
  }
})();
