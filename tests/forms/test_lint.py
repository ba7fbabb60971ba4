"""forms.load refuses everything outside the whitelist, naming where."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import forms
from forms import DefinitionError


def _form(*components: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"display": "form", "components": list(components), **extra}


def _tf(key: str = "name", **kw: Any) -> dict[str, Any]:
    return {"type": "textfield", "key": key, "label": key.title(), "input": True, **kw}


@pytest.mark.parametrize(
    ("definition", "path", "reason"),
    [
        (_form({"type": "nosuchthing", "key": "x"}), "components[0].type", "unknown component type"),
        # JavaScript runs in the server's sandbox (forms/js.py) where it compiles; the rest is refused
        (_form(_tf(customConditional="show = (")), "components[0].customConditional", "does not compile"),
        (_form(_tf(customDefaultValue="value = }")), "components[0].customDefaultValue", "does not compile"),
        (_form(_tf(validate={"custom": "valid = {{ x }}"})), "components[0].validate.custom", "template code"),
        (_form(_tf(calculateValue={"log": [1]})), "components[0].calculateValue", "'log'"),
        (_form(_tf(logic=[{"name": "x", "trigger": {}, "actions": []}])), "components[0].logic[0].trigger",
         "unknown trigger"),
        (_form(_tf(logic=[{"name": "x", "trigger": {"type": "javascript", "javascript": "result = true"},
                           "actions": [{"type": "property", "property": {"value": "key", "type": "string"}}]}])),
         "components[0].logic[0].actions[0].property", "cannot be changed"),
        (_form(_tf(onChange="alert(1)")), "components[0].onChange", "JavaScript is not allowed"),
        (_form(_tf(conditional={"json": {"log": [1]}})), "components[0].conditional.json", "'log'"),
        (
            _form(_tf(conditional={"json": {"and": [{"method": ["a", "toUpperCase"]}]}})),
            "components[0].conditional.json.and[0]",
            "'method'",
        ),
        (_form(_tf(validate={"json": {"_chunk": [[1, 2], 1]}})), "components[0].validate.json", "'_chunk'"),
        (_form(_tf("a"), _tf("a")), "components[1].key", "duplicate key"),
        (
            _form({"type": "panel", "key": "p", "components": [_tf("a")]}, _tf("a")),
            "components[1].key",
            "duplicate",
        ),
        (_form(_tf("a"), _tf("a.b")), "components[1].key", "duplicate"),
        (_form(_tf("bad key")), "components[0].key", "invalid key"),
        (_form(_tf("a..b")), "components[0].key", "invalid key"),
        (_form(_tf("__proto__")), "components[0].key", "invalid key"),
        (_form(_tf("")), "components[0].key", "need a key"),
        (
            _form({"type": "select", "key": "s", "dataSrc": "url", "data": {"url": "https://x"}}),
            "components[0].dataSrc",
            "fixed list",
        ),
        (
            _form(
                _tf(
                    conditional={
                        "show": True,
                        "conjunction": "all",
                        "conditions": [{"component": "ghost", "operator": "isEqual", "value": 1}],
                    }
                )
            ),
            "components[0].conditional",
            "unknown component",
        ),
        (
            _form(
                _tf(
                    conditional={
                        "show": True,
                        "conjunction": "all",
                        "conditions": [{"component": "name", "operator": "isDateEqual", "value": 1}],
                    }
                )
            ),
            "components[0].conditional.conditions[0].operator",
            "not supported",
        ),
        (
            _form(_tf(validate={"pattern": "(unclosed"})),
            "components[0].validate.pattern",
            "regular expression",
        ),
        (
            _form({"type": "container", "key": "c", "components": [_tf(customConditional="x = ;")]}),
            "components[0].components[0].customConditional",
            "does not compile",
        ),
        (
            _form(
                {
                    "type": "columns",
                    "key": "cols",
                    "columns": [{"components": []}, {"components": [{"type": "x"}]}],
                }
            ),
            "components[0].columns[1].components[0].type",
            "unknown",
        ),
        (_form(_tf(label="{% alert(1) %}")), "components[0].label", "template code"),
        (
            _form({"type": "checkbox", "key": "c", "multiple": True}),
            "components[0].multiple",
            "not supported",
        ),
        (_form(["not a component"]), "components[0]", "must be an object"),
        ({"components": "nope"}, "components", "must be a list"),
        (_form(display="pdf"), "display", "not supported"),
    ],
)
def test_refused_with_path(definition: dict[str, Any], path: str, reason: str) -> None:
    with pytest.raises(DefinitionError) as info:
        forms.load(definition)
    assert info.value.path == path
    assert reason in info.value.reason
    assert path in str(info.value) and info.value.reason in str(info.value)


@pytest.mark.parametrize("value", [None, [], "form", 3])
def test_definition_must_be_a_dict(value: Any) -> None:
    with pytest.raises(DefinitionError):
        forms.load(value)


def test_empty_custom_fields_and_logic_are_fine() -> None:
    forms.load(
        _form(
            _tf(
                customConditional="",
                customDefaultValue="",
                calculateValue="",
                logic=[],
                validate={"custom": "", "json": ""},
            )
        )
    )


def test_standard_jsonlogic_operators_allowed() -> None:
    logic = {
        "and": [
            {"==": [{"var": "data.a"}, 1]},
            {"in": ["x", {"cat": ["a", "x"]}]},
            {"some": [{"var": "data.list"}, {">": [{"var": ""}, 2]}]},
            {"!": {"missing": ["a"]}},
            {"<=": [1, {"+": [1, 2]}, 5]},
        ]
    }
    forms.load(_form(_tf(conditional={"json": logic}, validate={"json": logic})))


def test_html_is_sanitised_and_input_not_mutated() -> None:
    definition = _form(
        {"type": "content", "key": "c", "html": '<p onclick="x()">Hi<script>alert(1)</script></p>'},
        {"type": "htmlelement", "key": "h", "tag": "p", "content": '<img src=x onerror="alert(1)">ok'},
    )
    before = copy.deepcopy(definition)
    form = forms.load(definition)
    assert definition == before
    cleaned = form.definition
    assert "script" not in cleaned["components"][0]["html"]
    assert "onclick" not in cleaned["components"][0]["html"]
    assert "onerror" not in cleaned["components"][1]["content"]
    assert "Hi" in cleaned["components"][0]["html"]
    cleaned["components"].clear()
    assert form.definition["components"]  # a copy every time


def test_registry_covers_the_supported_types() -> None:
    assert {
        "textfield",
        "textarea",
        "number",
        "email",
        "phoneNumber",
        "checkbox",
        "radio",
        "select",
        "selectboxes",
        "day",
        "datetime",
        "signature",
        "file",
        "survey",
        "hidden",
        "content",
        "htmlelement",
        "button",
        "panel",
        "columns",
        "fieldset",
        "well",
        "table",
        "container",
        "datagrid",
        "editgrid",
        "tabs",
        "form",
        "address",
        "datamap",
        "currency",
        "tags",
        "time",
        "url",
        "password",
    } == set(forms.SUPPORTED_TYPES)
    assert forms.RENDERER_VERSION == "5.6.0"


def test_wizard_and_layouts_load() -> None:
    form = forms.load(
        {
            "display": "wizard",
            "components": [
                {"type": "panel", "key": "page1", "title": "Seite 1", "components": [_tf("a")]},
                {
                    "type": "panel",
                    "key": "page2",
                    "components": [
                        {
                            "type": "table",
                            "key": "t",
                            "rows": [[{"components": [_tf("b")]}, {"components": [_tf("c")]}]],
                        },
                        {
                            "type": "well",
                            "key": "w",
                            "components": [{"type": "fieldset", "key": "f", "components": [_tf("d")]}],
                        },
                    ],
                },
            ],
        }
    )
    assert form.display == "wizard"
    assert set(form.data_paths()) == {"a", "b", "c", "d"}
