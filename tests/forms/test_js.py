"""The sandbox itself (forms/js.py): no way out, hard limits, one context per submission, Form.io's
return conventions, and the JavaScript a form holds."""

from __future__ import annotations

import threading
import time

import pytest

import forms
from forms import js
from forms.jsvalues import UNDEF


def run(code: str, ret: str = "valid", **variables):
    return js.Sandbox().evaluate(code, ret, variables)


@pytest.mark.parametrize("name", ["require", "process", "fetch", "XMLHttpRequest", "setTimeout", "setInterval",
                                  "console", "std", "os", "print", "importScripts", "WebAssembly", "_", "utils",
                                  "moment", "instance"])
def test_nothing_of_the_host_exists(name):
    assert run(f"valid = typeof {name};") == "undefined"


def test_the_function_constructor_reaches_only_the_sandbox():
    got = run("var g = [].constructor.constructor('return this')();"
              "valid = Object.getOwnPropertyNames(g).filter(function (n) { return /^(process|require|fetch|"
              "std|os|__quickjs)/.test(n); }).length;")
    assert got == 0


def test_prototype_tricks_do_not_carry_over():
    box = js.Sandbox()
    box.evaluate("Object.prototype.polluted = 1; Array.prototype.map = null; JSON.parse = null;"
                 "Object.defineProperty(Object.prototype, 'x', {value: 1});", "valid", {})
    assert box.evaluate("valid = [({}).polluted, ({}).x, typeof [].map, typeof JSON.parse];", "valid", {}) == [
        None, None, "function", "function"]  # undefined in an array is JSON null


def test_rebinding_globals_does_not_hide_an_exhausted_engine():
    box = js.Sandbox()
    box.evaluate("globalThis.RangeError = function () {}; globalThis.String = function () { return ''; };"
                 "globalThis.InternalError = function () {};", "valid", {})
    with pytest.raises(js.ScriptLimit) as exc:
        box.evaluate("function f() { return f(); } f();", "valid", {})
    assert exc.value.what == "stack"


def test_two_submissions_never_share_a_context():
    a, b = js.Sandbox(), js.Sandbox()
    a.evaluate("globalThis.secret = 'kunde-a';", "valid", {})
    assert b.evaluate("valid = typeof globalThis.secret;", "valid", {}) == "undefined"
    assert a.evaluate("valid = globalThis.secret;", "valid", {}) == "kunde-a"


def test_pending_jobs_never_run():
    box = js.Sandbox()
    box.evaluate("Promise.resolve().then(function () { globalThis.ran = true; });", "valid", {})
    assert box.evaluate("valid = typeof globalThis.ran;", "valid", {}) == "undefined"


@pytest.mark.parametrize(("code", "what"), [
    ("while (true) {}", "time"),
    ("for (;;) { try { while (true) {} } catch (e) {} }", "time"),
    ("function f() { return f(); } f();", "stack"),
    ("var s = 'x'; while (true) s += s;", "memory"),
    ("var a = new Array(1e9).fill(1);", None),
])
def test_limits_end_quickly_as_script_limit(code, what):
    box = js.Sandbox()
    started = time.monotonic()
    with pytest.raises(js.ScriptLimit) as exc:
        box.evaluate(code, "valid", {})
    assert time.monotonic() - started < 1.0
    assert what is None or exc.value.what == what
    with pytest.raises(js.ScriptLimit):  # nothing more runs for that submission
        box.evaluate("valid = true;", "valid", {})


def test_the_submission_budget_is_shared_by_its_snippets():
    """Each snippet stays under the per-evaluation limit; together they use up the submission's CPU time."""
    box = js.Sandbox(budget=0.12)
    done = 0
    with pytest.raises(js.ScriptLimit) as exc:
        for _ in range(200):
            box.evaluate("var x = 0; for (var i = 0; i < 300000; i++) { x += i; } valid = true;", "valid", {})
            done += 1
    assert exc.value.what == "time" and done >= 2
    assert box.spent == pytest.approx(0.12, abs=js.EVAL_SECONDS + 0.02)


def test_a_context_stays_on_its_thread():
    results = []

    def worker():
        results.append(run("valid = input * 2;", input=21))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert results == [42] * 4


def test_formio_return_conventions():
    assert run("valid = input === 'ok' ? true : 'Bitte ok';", input="x", valid=True) == "Bitte ok"
    assert run("if (input === 'x') { valid = false; }", input="y", valid=True) is True  # untouched: true
    assert run("show = true; nothing();", "show") is None  # it threw: no result
    assert run("value = undefined;", "value", value=None) is UNDEF
    assert run("value = data.a + row.b;", "value", data={"a": 1}, row={"b": 2}, value=None) == 3
    assert run("value = submission.data.a;", "value", data={"a": "x"}) == "x"
    assert run("value = t('Text');", "value") == "Text"
    assert run("valid = undefined === instance;", instance=UNDEF) is True
    assert run("value = function () {};", "value") is UNDEF
    assert run("var o = {}; o.o = o; value = o;", "value") is None


def test_compile_errors_name_the_problem():
    assert js.compile_error("valid = (;", "valid")
    assert js.compile_error("valid = input.length > 2;", "valid") is None
    assert js.compile_error("while (true) {}", "valid") is None  # compiled, never run here


def test_list_scripts_per_component_and_place():
    definition = {"components": [
        {"type": "panel", "key": "p", "components": [
            {"type": "textfield", "key": "a", "label": "A", "validate": {"custom": "valid = true;"}}]},
        {"type": "textfield", "key": "b", "label": "B", "customConditional": "show = _.get(data, 'a');",
         "logic": [{"name": "l", "trigger": {"type": "javascript", "javascript": "result = moment().isValid();"},
                    "actions": [{"type": "value", "value": "value = 1;"}]}]},
    ]}
    listed = [(s["key"], s["place"], s["browser_only"]) for s in forms.list_scripts(definition)]
    assert listed == [("a", "validate.custom", []), ("b", "customConditional", ["_"]),
                      ("b", "logic.trigger.javascript", ["moment"]), ("b", "logic.actions.value", [])]
    assert forms.list_scripts(definition)[0]["path"] == "components[0].components[0].validate.custom"
    # every place the lint lets through is one the engine runs, with the variable it returns there
    for found in forms.expressions.iter_code(definition):
        place = next(s["place"] for s in forms.list_scripts(definition) if s["path"] == found.path)
        assert js.PLACES[place] == found.ret


def test_row_is_null_in_an_absent_grid_as_in_formio_core():
    # @formio/core 2.8.3 (checked in Node): {} -> "row is object null", {g: [{}]} -> "row is object {}"
    form = forms.load({"components": [{"type": "datagrid", "key": "g", "input": True, "components": [
        {"type": "textfield", "key": "t", "input": True,
         "validate": {"custom": "valid = 'row is ' + (typeof row) + ' ' + JSON.stringify(row);"}}]}]}, strict=False)
    assert form.validate({}).errors == {"g[0].t": ["row is object null"]}
    assert form.validate({"g": [{}]}).errors == {"g[0].t": ["row is object {}"]}
    assert form.validate({"g": []}).valid
