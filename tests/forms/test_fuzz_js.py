"""Hostile input to forms with JavaScript never crashes: any JSON submission, any snippet (hostile ones
included) and any logic shape end as validation errors or :class:`forms.DefinitionError`, never as an
exception, a hung worker or a value that cannot be stored."""

from __future__ import annotations

import json
import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import forms
from forms import js

SCALARS = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20) | st.sampled_from(["", "ok", "x", "\ud800", "__proto__", "constructor", "K1234"])
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
HOSTILE = [
    "while (true) {}",
    "for (;;) { try { while (true) {} } catch (e) {} }",
    "var a = []; while (true) a.push(new Array(100000).join('x'));",
    "var s = 'x'; while (true) s += s;",
    "function f() { return f(); } f();",
    "valid = [].constructor.constructor('return this')().process.exit(1);",
    "Object.prototype.valid = 'polluted'; Array.prototype.push = null; JSON.parse = null;",
    "valid = require('fs').readFileSync('/etc/passwd', 'utf8');",
    "valid = fetch('http://127.0.0.1:6379/');",
    "setTimeout(function () { while (true) {} }, 0); valid = true;",
    "Promise.resolve().then(function () { while (true) {} }); valid = true;",
    "valid = '\\ud800';",
    "valid = {toJSON: function () { throw new Error('x'); }};",
    "var o = {}; o.o = o; value = o;",
    "value = new Array(3e6).join('x');",
    "show = eval('1 +');",
    "value = Symbol('x');",
    "value = function () {};",
    "value = 1e400;",
    "var v = 1; for (var i = 0; i < 500; i++) v = [v]; value = v;",
    "var v = 1; for (var i = 0; i < 20000; i++) v = [v]; value = v;",
    "value = new Array(100000).join('abcdefgh');",
    "result = data; value = data; valid = data; show = data;",
]
SNIPPET = st.sampled_from(HOSTILE) | st.sampled_from([
    "valid = input === 'ok' ? true : 'Bitte ok';", "show = !!data.a;", "value = (data.n || 0) * 2;",
    "value = row;", "valid = rowIndex;", "result = true;", "value = [1, 'a', null, {x: true}];",
]) | st.text(max_size=30)
PLACE = st.sampled_from(["validate.custom", "customConditional", "calculateValue", "customDefaultValue", "logic"])


def _component(key: str, place: str, code: str) -> dict[str, Any]:
    c: dict[str, Any] = {"type": "textfield", "key": key, "label": key, "input": True, "validate": {"required": True}}
    if place == "validate.custom":
        c["validate"]["custom"] = code
    elif place == "logic":
        c["logic"] = [{"name": "l", "trigger": {"type": "javascript", "javascript": code},
                       "actions": [{"type": "value", "value": code},
                                   {"type": "mergeComponentSchema", "schemaDefinition": code},
                                   {"type": "property", "property": {"value": "validate.required", "type": "boolean"},
                                    "state": False}]}]
    else:
        c[place] = code
        c["calculateServer"] = True
    return c


def _check(form: forms.Form, data: Any) -> None:
    started = time.process_time()
    result = form.validate(data)
    assert time.process_time() - started < js.SUBMISSION_SECONDS + 1.5
    json.dumps(result.data)  # plain JSON values only (nothing of the engine leaks into the data)
    for messages in result.errors.values():
        assert all(isinstance(m, str) and m for m in messages)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(PLACE, SNIPPET), min_size=1, max_size=3), JSON)
def test_any_snippet_in_any_place(snippets: list[tuple[str, str]], data: Any) -> None:
    definition = {"components": [
        {"type": "datagrid", "key": "grid", "input": True,
         "components": [_component(f"g{i}", place, code) for i, (place, code) in enumerate(snippets)]},
        *[_component(f"f{i}", place, code) for i, (place, code) in enumerate(snippets)],
    ]}
    for strict in (True, False):
        try:
            form = forms.load(definition, strict=strict, check_code=False)
        except forms.DefinitionError:
            return
        _check(form, data)
        _check(form, {"grid": [data, {}], "f0": data})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON, JSON)
def test_any_logic_shape_loads_or_is_refused(logic: Any, data: Any) -> None:
    definition = {"components": [{"type": "textfield", "key": "a", "input": True, "logic": logic},
                                 {"type": "number", "key": "b", "input": True, "customConditional": "show = true;"}]}
    try:
        form = forms.load(definition)
    except forms.DefinitionError:
        return
    _check(form, data if isinstance(data, dict) else {"a": data})


def test_results_from_javascript_are_storable():
    form = forms.load({"components": [
        {"type": "textfield", "key": "a", "input": True, "calculateServer": True,
         "calculateValue": "value = '\\ud800';"},
        {"type": "number", "key": "b", "input": True, "calculateServer": True, "calculateValue": "value = 1 / 0;"},
    ]})
    result = form.validate({"a": "x", "b": 1})
    assert result.data == {"a": "x", "b": 1}  # what JSON cannot hold (a lone surrogate, Infinity): no result
    nest = "var v = 1; for (var i = 0; i < 500; i++) v = [v]; value = v;"
    deep = forms.load({"components": [{"type": "textfield", "key": "a", "input": True, "calculateServer": True,
                                        "calculateValue": nest}]})
    value, depth = deep.validate({"a": "x"}).data["a"], 0
    while isinstance(value, list):
        value, depth = value[0], depth + 1
    assert depth <= 32 and value is None  # cut where MongoDB would refuse the document
    json.dumps(result.data, allow_nan=False).encode("utf-8")


def test_every_hostile_snippet_ends_as_an_error_or_no_result():
    for code in HOSTILE:
        form = forms.load({"components": [_component("a", "validate.custom", code)]}, check_code=False)
        result = form.validate({"a": "x"})
        assert set(result.errors) <= {"a"}, code
        assert all(r in ("custom", "script", "required") for _p, r in result.rejected()), (code, result.issues)
