"""Hostile input on the component types of forms/extra.py, radio-style checkboxes and JSON options:
any JSON value in any field, and junk definitions of those types, give errors or DefinitionError —
never an exception — in validation, read-only answers and the labelled reading (forms.answers)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import forms
from forms.answers import answers
from tests.forms.test_fuzz import JSON, _check

DEFINITION = {"display": "form", "components": [
    {"type": "tabs", "key": "tabs", "components": [
        {"label": "A", "key": "a", "components": [
            {"type": "url", "key": "url", "multiple": True, "validate": {"required": True, "maxLength": 30}},
            {"type": "time", "key": "time", "dataFormat": "hh:mm A", "validate": {"required": True}},
        ]},
        {"label": "B", "key": "b", "components": [
            {"type": "password", "key": "pw", "validate": {"minLength": 4, "pattern": "[0-9]+"}},
            {"type": "currency", "key": "cur", "currency": "EUR", "validate": {"min": 0, "max": 10}},
        ]},
    ]},
    {"type": "tags", "key": "tags", "storeas": "array", "maxTags": 2, "validate": {"required": True}},
    {"type": "tags", "key": "tagstr", "storeas": "string"},
    {"type": "address", "key": "addr", "multiple": True, "validate": {"required": True}},
    {"type": "datamap", "key": "map", "validate": {"required": True}},
    {"type": "editgrid", "key": "eg", "validate": {"required": True}, "components": [
        {"type": "address", "key": "addr", "validate": {"required": True}},
        {"type": "password", "key": "pin"},
        {"type": "editgrid", "key": "inner", "components": [{"type": "time", "key": "t"}]},
    ]},
    {"type": "form", "key": "nested", "components": [
        {"type": "url", "key": "site", "validate": {"required": True},
         "conditional": {"show": True, "when": "group", "eq": "b"}},
    ]},
    {"type": "checkbox", "inputType": "radio", "name": "group", "value": "a", "key": "ga",
     "validate": {"required": True}},
    {"type": "checkbox", "inputType": "radio", "name": "group", "value": "b", "key": "gb"},
    {"type": "select", "key": "json", "dataSrc": "json", "valueProperty": "id", "multiple": True,
     "data": {"json": [{"id": 1, "label": "Eins"}, {"id": "2", "label": "Zwei"}]},
     "validate": {"onlyAvailableItems": True}},
]}
STRICT = forms.load(DEFINITION)
COMPAT = forms.load(DEFINITION, strict=False)
KEYS = ["url", "time", "pw", "cur", "tags", "tagstr", "addr", "map", "eg", "nested", "group", "json"]


def _all(data: Any) -> None:
    strict = STRICT.validate(data)
    compat = COMPAT.validate(data, lang="en")
    _check(strict)
    _check(compat)
    STRICT.render_answers(data)
    STRICT.render_answers(strict.data, lang="en")
    answers(STRICT, data)
    answers(STRICT, strict.data, lang="en")
    assert "pw" not in strict.data and "pw" not in compat.data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(KEYS), JSON, max_size=len(KEYS)))
def test_any_json_in_any_new_field(data: dict[str, Any]) -> None:
    _all(data)
    strict, compat = STRICT.validate(data), COMPAT.validate(data)
    assert compat.rejected() <= strict.rejected()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({
    "eg": st.lists(st.dictionaries(st.sampled_from(["addr", "pin", "inner", "x"]), JSON, max_size=3) | JSON,
                   max_size=3) | JSON,
    "nested": st.fixed_dictionaries({"data": st.dictionaries(st.sampled_from(["site", "y"]), JSON)}) | JSON,
    "addr": st.lists(st.fixed_dictionaries({"mode": JSON, "address": JSON}) | JSON, max_size=3),
}))
def test_any_json_in_the_new_nested_levels(data: dict[str, Any]) -> None:
    _all(data)


EXTRA_TYPES = ["editgrid", "tabs", "form", "address", "datamap", "currency", "tags", "time", "url", "password",
               "checkbox", "select"]
COMPONENT = st.fixed_dictionaries(
    {"type": st.sampled_from(EXTRA_TYPES)},
    optional={
        "key": st.sampled_from(["a", "b", "a.b"]) | JSON,
        "name": st.sampled_from(["g", "a"]) | JSON,
        "inputType": st.just("radio") | JSON,
        "value": JSON,
        "components": st.lists(st.fixed_dictionaries({"type": st.sampled_from(["textfield", "url"]),
                                                      "key": st.sampled_from(["c", "d"])}), max_size=2) | JSON,
        "dataSrc": st.sampled_from(["json", "values", "url"]) | JSON,
        "data": st.fixed_dictionaries({"json": JSON}) | JSON,
        "valueProperty": JSON,
        "template": JSON,
        "storeas": JSON,
        "maxTags": JSON,
        "dataFormat": JSON,
        "currency": JSON,
        "multiple": JSON,
        "validate": JSON,
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(COMPONENT, max_size=4), JSON)
def test_junk_definitions_of_the_new_types_only_raise_definition_error(components: Any, data: Any) -> None:
    try:
        form = forms.load({"components": components}, check_code=False)
    except forms.DefinitionError:
        return
    _check(form.validate(data))
    form.render_answers(data)
    answers(form, data)
