"""A JavaScript context serves the submissions of its thread one after another (forms/js.py): after
each one it is reset, or dropped when the reset cannot be complete. Nothing one submission's snippets
leave behind may reach the next one."""

from __future__ import annotations

import threading

import pytest

import forms
from forms import js


def submission(code: str, ret: str = "valid", *, form=None, **variables):
    """One submission with one snippet: (its result, the context it used); the sandbox is closed."""
    box = js.Sandbox(form=form)
    try:
        out = box.evaluate(code, ret, variables)
        used = box._box
    finally:
        box.close()
    return out, used


def idle() -> list:
    return getattr(js._POOL, "idle", None) or []


def test_the_next_submission_gets_the_same_context_reset():
    _, first = submission("stolen = data.name; globalThis.also = data.name; this.third = 1;"
                          "globalThis[Symbol.for('s')] = 1; Object.defineProperty(globalThis, 'g', "
                          "{get: function () { return 'x'; }, configurable: true});", data={"name": "Kundin A"})
    got, second = submission("valid = [typeof stolen, typeof also, typeof third, typeof globalThis[Symbol.for('s')],"
                             " typeof g];")
    assert second is first  # reused, so the check above says something
    assert got == ["undefined"] * 5


STASHES = [
    # (where a snippet might hide a value, how the next one would read it)
    "Array.prototype.map.secret",
    "Array.prototype[Symbol.unscopables].secret",
    "Object.getPrototypeOf([].values()).secret",
    "Object.getPrototypeOf(Object.getPrototypeOf([].values())).secret",
    "Object.getPrototypeOf(function* () {}).secret",
    "Object.getPrototypeOf(function* () {}).prototype.secret",
    "Object.getPrototypeOf(async function () {}).secret",
    "Object.getPrototypeOf(async function* () {}).prototype.secret",
    "Object.getPrototypeOf(new Map().entries()).secret",
    "Object.getPrototypeOf(/a/[Symbol.matchAll](''))['secret']",
    "Object.getOwnPropertyDescriptor(Function.prototype, 'caller').get.secret",
    "Object.getPrototypeOf(Int8Array).secret",
    "JSON.stringify.secret",
    "Math.secret",
    "t.secret",
    "arguments.callee.secret",
    "Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype).secret",
]


@pytest.mark.parametrize("where", STASHES)
def test_nothing_reachable_keeps_a_value_for_the_next_submission(where):
    code = f"try {{ {where} = data.name; }} catch (e) {{}} valid = typeof {where};"
    got, first = submission(code, data={"name": "Kundin A"})
    assert got == "undefined"  # frozen: not even this submission could store it
    # the same snippet again (its compiled function is cached, so `arguments.callee` is the same object)
    got, second = submission(code, data={"name": "Kundin B"})
    assert second is first and got == "undefined"


def test_everything_a_snippet_can_reach_is_frozen_except_the_global_object():
    """The proof the reset rests on, checked: walk everything reachable from the global object and from
    objects only syntax makes, and find no object that is not frozen."""
    code = """
      var G = globalThis, seen = new Set(), todo = [], open = [];
      function* g() {} async function a() {} async function* ag() {}
      [g, g.prototype, a, ag, ag.prototype, [].values(), new Map().keys(), new Set().entries(), ''[Symbol.iterator](),
       /a/g[Symbol.matchAll]('a'), (function () { return arguments; })(), Promise.resolve(1), new Error('x'),
       new Uint8Array(0), new ArrayBuffer(0), Object(Symbol()), Object(1n), new Proxy({}, {}), new Date(),
       new WeakMap(), new WeakSet(), new DataView(new ArrayBuffer(1)), /x/, Object(''), Object(1), Object(true),
       (class {}), () => 1, JSON.parse('{}'), new Function('')].forEach(function (o) {
        todo.push(Object.getPrototypeOf(o)); });
      Reflect.ownKeys(G).forEach(function (k) {
        var d = Object.getOwnPropertyDescriptor(G, k); todo.push(d.value, d.get, d.set); });
      while (todo.length) {
        var o = todo.pop();
        if (o === null || (typeof o !== 'object' && typeof o !== 'function') || o === G || seen.has(o)) continue;
        seen.add(o);
        if (!Object.isFrozen(o)) open.push(Reflect.ownKeys(o).map(String).join(' '));
        todo.push(Object.getPrototypeOf(o));
        Reflect.ownKeys(o).forEach(function (k) {
          var d = Object.getOwnPropertyDescriptor(o, k); if (d) todo.push(d.value, d.get, d.set); });
      }
      valid = [seen.size, open];
    """
    (count, unfrozen), _ = submission(code)
    assert count > 400 and unfrozen == []


def test_built_in_globals_cannot_be_replaced():
    got, first = submission("JSON = null; globalThis.Array = null; delete globalThis.Math; valid = typeof JSON;")
    assert got == "object"
    got, second = submission("valid = [typeof JSON, typeof Array, typeof Math];")
    assert second is first and got == ["object", "function", "object"]


def test_global_declarations_through_eval_are_impossible():
    """`let` in global code would bind outside the global object, where no reset reaches: no eval."""
    got, _ = submission("valid = typeof eval;")
    assert got == "undefined"
    got, _ = submission("(0, eval)('let leaked = 1'); valid = true;")
    assert got is None  # it threw


@pytest.mark.parametrize("trick", [
    "Object.defineProperty(globalThis, 'kept', {value: data.name, configurable: false});",
    "Object.setPrototypeOf(globalThis, {kept: data.name});",
    "globalThis.__proto__ = {kept: data.name};",
    "Object.preventExtensions(globalThis);",
    "Promise.resolve().then(function () { globalThis.kept = 'late'; });",
    "(async function () { await null; globalThis.kept = 'late'; })();",
])
def test_a_context_the_reset_cannot_restore_is_dropped(trick):
    _, first = submission(trick + " valid = true;", data={"name": "Kundin A"})
    assert all(box is not first for box in idle())
    got, second = submission("globalThis.mine = 1; valid = [typeof kept, typeof mine];")
    assert second is not first and got == ["undefined", "number"]


def test_a_context_that_hit_a_limit_is_never_reused():
    box = js.Sandbox()
    box.evaluate("globalThis.kept = 1; valid = true;", "valid", {})
    used = box._box
    with pytest.raises(js.ScriptLimit):
        box.evaluate("while (true) {}", "valid", {})
    box.close()
    assert used is not None and all(b is not used for b in idle())
    got, second = submission("valid = typeof kept;")
    assert second is not used and got == "undefined"


def test_the_form_variable_is_the_submissions_own():
    definition = {"components": [{"type": "textfield", "key": "a"}], "title": "T"}
    got, first = submission("form.title = 'changed'; form.components.push(1); valid = form.title;", form=definition)
    assert got == "changed" and definition["title"] == "T"
    got, second = submission("valid = [form.title, form.components.length];", form=definition)
    assert second is first and got == ["T", 1]


def test_a_finished_sandbox_runs_nothing():
    box = js.Sandbox()
    box.evaluate("valid = true;", "valid", {})
    box.close()
    with pytest.raises(RuntimeError):
        box.evaluate("valid = true;", "valid", {})


def test_contexts_are_kept_per_thread():
    _, here = submission("valid = 1;")
    seen = []

    def worker():
        seen.append(submission("valid = typeof marker;"))

    submission("globalThis.marker = 1; valid = 1;")
    t = threading.Thread(target=worker)
    t.start()
    t.join(10)
    (got, there), = seen
    assert there is not here and got == "undefined"


def test_validations_one_after_another_share_nothing():
    """Through the form engine: a snippet that remembers the previous customer in a global sees nothing."""
    form = forms.load({"components": [
        {"type": "textfield", "key": "name", "label": "Name", "input": True},
        {"type": "textfield", "key": "previous", "label": "Previous", "input": True,
         "calculateServer": True, "calculateValue": "value = typeof last === 'undefined' ? 'none' : last;"
                                                    " last = data.name;"},
    ]})
    first = form.validate({"name": "Anna"})
    second = form.validate({"name": "Bert"})
    assert first.data["previous"] == "none" and second.data["previous"] == "none"
    assert idle()  # the context went back to the thread's pool


def test_math_random_is_seeded_afresh_for_every_submission():
    """The engine's own generator would go on where the last submission left it (a covert channel)."""
    draws = "valid = [Math.random(), Math.random(), Math.random()];"
    a, first = submission(draws)
    b, second = submission(draws)
    assert second is first and a != b
    assert all(0 <= x < 1 for x in a + b)
    got, _ = submission("Math.random = function () { return 0.5; }; valid = Math.random() !== 0.5;")
    assert got is True


def test_a_heavy_submission_does_not_leave_its_garbage_or_context():
    # cyclic garbage (reference counting alone never frees it) left in a global, then deleted by the reset
    code = "var a = []; for (var i = 0; i < 3000; i++) a.push({a: a}); globalThis.big = a; valid = true;"
    _, first = submission(code)
    if first in idle():  # light enough to keep: its garbage was collected
        assert js._used(first.ctx) <= first.size + js.MAX_GROWTH_BYTES
    _, heavy = submission("var a = []; for (var i = 0; i < 60000; i++) a.push({a: a}); valid = true;")
    assert all(box is not heavy for box in idle())  # more than FRESH_AFTER_SECONDS: not reused
