"""Conditional visibility: the three condition shapes, nesting, clearOnHide, and JSON logic."""

from __future__ import annotations

import math
from typing import Any

import pytest

import forms
from forms import jsonlogic


def _form(*components: dict[str, Any], display: str = "form") -> forms.Form:
    return forms.load({"display": display, "components": list(components)})


TRIGGER = {
    "type": "radio",
    "key": "insured",
    "label": "Versichert?",
    "values": [{"label": "Ja", "value": "yes"}, {"label": "Nein", "value": "no"}],
}
REQ = {"required": True}


@pytest.mark.parametrize(
    "conditional",
    [
        {"show": True, "when": "insured", "eq": "yes"},
        {"show": "true", "when": "insured", "eq": "yes"},
        {
            "show": True,
            "conjunction": "all",
            "conditions": [{"component": "insured", "operator": "isEqual", "value": "yes"}],
        },
        {
            "show": False,
            "conjunction": "any",
            "conditions": [{"component": "insured", "operator": "isNotEqual", "value": "yes"}],
        },
        {"json": {"==": [{"var": "data.insured"}, "yes"]}},
    ],
)
def test_three_shapes_show_and_clear(conditional: dict[str, Any]) -> None:
    form = _form(
        TRIGGER,
        {
            "type": "textfield",
            "key": "insurer",
            "label": "Kasse",
            "validate": REQ,
            "conditional": conditional,
        },
    )
    shown = form.validate({"insured": "yes", "insurer": ""})
    assert set(shown.errors) == {"insurer"}
    hidden = form.validate({"insured": "no", "insurer": "AOK"})
    assert hidden.valid
    assert "insurer" not in hidden.data  # clearOnHide default


def test_clear_on_hide_false_keeps_value() -> None:
    form = _form(
        TRIGGER,
        {
            "type": "textfield",
            "key": "insurer",
            "clearOnHide": False,
            "validate": REQ,
            "conditional": {"show": True, "when": "insured", "eq": "yes"},
        },
    )
    r = form.validate({"insured": "no", "insurer": "AOK"})
    assert r.valid and r.data["insurer"] == "AOK"


def test_hidden_panel_hides_children() -> None:
    form = _form(
        TRIGGER,
        {
            "type": "panel",
            "key": "p",
            "conditional": {"show": True, "when": "insured", "eq": "yes"},
            "components": [
                {
                    "type": "columns",
                    "key": "cols",
                    "columns": [{"components": [{"type": "textfield", "key": "insurer", "validate": REQ}]}],
                }
            ],
        },
    )
    assert form.validate({"insured": "no", "insurer": "x"}).data == {"insured": "no"}
    assert not form.validate({"insured": "yes"}).valid


def test_hidden_wizard_page_hides_content() -> None:
    form = _form(
        {"type": "panel", "key": "page1", "components": [TRIGGER]},
        {
            "type": "panel",
            "key": "page2",
            "conditional": {"show": True, "when": "insured", "eq": "yes"},
            "components": [{"type": "textfield", "key": "insurer", "validate": REQ}],
        },
        display="wizard",
    )
    assert form.validate({"insured": "no"}).valid
    assert set(form.validate({"insured": "yes"}).errors) == {"insurer"}


def test_legacy_selectboxes_and_arrays() -> None:
    sb = {
        "type": "selectboxes",
        "key": "symptoms",
        "values": [{"label": "Fieber", "value": "fever"}, {"label": "Husten", "value": "cough"}],
    }
    sel = {
        "type": "select",
        "key": "tags",
        "multiple": True,
        "data": {"values": [{"label": "A", "value": "a"}]},
    }
    form = _form(
        sb,
        sel,
        {
            "type": "number",
            "key": "temp",
            "validate": REQ,
            "conditional": {"show": True, "when": "symptoms", "eq": "fever"},
        },
        {
            "type": "textfield",
            "key": "why",
            "validate": REQ,
            "conditional": {"show": True, "when": "tags", "eq": "a"},
        },
    )
    assert set(form.validate({"symptoms": {"fever": True, "cough": False}, "tags": ["a"]}).errors) == {
        "temp",
        "why",
    }
    assert form.validate({"symptoms": {"fever": False, "cough": True}, "tags": []}).valid


@pytest.mark.parametrize(
    ("operator", "compared", "value", "shown"),
    [
        ("greaterThan", 17, 18, True),
        ("greaterThan", 18, 18, False),
        ("lessThan", 18, 17, True),
        ("greaterThanOrEqual", 18, 18, True),
        ("lessThanOrEqual", 18, 19, False),
        ("isEqual", "18", 18, True),
        ("isEmpty", None, None, True),
        ("isNotEmpty", None, 3, True),
        ("greaterThan", 1, "5", False),
    ],
)
def test_simple_operators_on_numbers(operator: str, compared: Any, value: Any, shown: bool) -> None:
    form = _form(
        {"type": "number", "key": "age"},
        {
            "type": "textfield",
            "key": "x",
            "validate": REQ,
            "conditional": {
                "show": True,
                "conjunction": "all",
                "conditions": [{"component": "age", "operator": operator, "value": compared}],
            },
        },
    )
    data = {} if value is None else {"age": value}
    assert ("x" in form.validate(data).errors) is shown


def test_string_operators_and_any() -> None:
    cond = {
        "show": True,
        "conjunction": "any",
        "conditions": [
            {"component": "name", "operator": "startsWith", "value": "Dr"},
            {"component": "name", "operator": "includes", "value": "Prof"},
        ],
    }
    form = _form(
        {"type": "textfield", "key": "name"},
        {"type": "textfield", "key": "t", "validate": REQ, "conditional": cond},
    )
    assert not form.validate({"name": "Dr. Mabuse"}).valid
    assert not form.validate({"name": "Herr Prof. X"}).valid
    assert form.validate({"name": "Herr X"}).valid


def test_datagrid_row_relative_conditions() -> None:
    grid = {
        "type": "datagrid",
        "key": "meds",
        "components": [
            {"type": "radio", "key": "takes", "values": [{"label": "Ja", "value": "yes"}]},
            {
                "type": "textfield",
                "key": "dose",
                "validate": REQ,
                "conditional": {"show": True, "when": "meds.takes", "eq": "yes"},
            },
            {
                "type": "textfield",
                "key": "note",
                "validate": REQ,
                "conditional": {"json": {"==": [{"var": "row.takes"}, "yes"]}},
            },
        ],
    }
    r = _form(grid).validate({"meds": [{"takes": "yes"}, {"takes": ""}, {"takes": "yes", "dose": "1", "note": "n"}]})
    assert set(r.errors) == {"meds[0].dose", "meds[0].note"}


def test_container_hidden_clears_whole_level() -> None:
    form = _form(
        TRIGGER,
        {
            "type": "container",
            "key": "ins",
            "conditional": {"show": True, "when": "insured", "eq": "yes"},
            "components": [{"type": "textfield", "key": "name", "validate": REQ}],
        },
    )
    assert form.validate({"insured": "no", "ins": {"name": ""}}).data == {"insured": "no"}


def test_conditions_see_earlier_clearing() -> None:
    # b is hidden and cleared, so c (which depends on b) is hidden as well
    form = _form(
        {"type": "textfield", "key": "a"},
        {"type": "textfield", "key": "b", "conditional": {"show": True, "when": "a", "eq": "go"}},
        {
            "type": "textfield",
            "key": "c",
            "validate": REQ,
            "conditional": {"show": True, "when": "b", "eq": "go"},
        },
    )
    assert form.validate({"a": "stop", "b": "go"}).valid
    assert not form.validate({"a": "go", "b": "go"}).valid


# --- JSON logic ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("logic", "data", "expected"),
    [
        ({"==": [1, "1"]}, {}, True),
        ({"===": [1, "1"]}, {}, False),
        ({"==": [None, 0]}, {}, False),
        ({"!": [[]]}, {}, True),
        ({"!!": ["0"]}, {}, True),
        ({"+": ["1", 2, "3.5x"]}, {}, 6.5),
        ({"*": [2]}, {}, 2),
        ({"-": ["5"]}, {}, -5),
        ({"/": [1, 0]}, {}, math.inf),
        ({"%": [7, 3]}, {}, 1),
        ({"cat": ["a", None, 1, True]}, {}, "a1true"),
        ({"substr": ["Frontdesk", -4]}, {}, "desk"),
        ({"substr": ["Frontdesk", 0, -4]}, {}, "Front"),
        ({"in": ["b", "abc"]}, {}, True),
        ({"in": [1, [1, 2]]}, {}, True),
        ({"var": "a.b.1"}, {"a": {"b": ["x", "y"]}}, "y"),
        ({"var": ["missing", "dflt"]}, {}, "dflt"),
        ({"missing": ["a", "b"]}, {"a": 1, "b": ""}, ["b"]),
        ({"missing_some": [1, ["a", "b"]]}, {"a": 1}, []),
        ({"if": [False, 1, None, 2, 3]}, {}, 3),
        ({"and": [1, 0, 2]}, {}, 0),
        ({"or": [0, "", "x"]}, {}, "x"),
        ({"<": [1, 2, 3]}, {}, True),
        ({"<": ["10", "9"]}, {}, True),
        ({"max": [1, "3", 2]}, {}, 3),
        ({"merge": [[1], 2, [3, [4]]]}, {}, [1, 2, 3, [4]]),
        ({"map": [{"var": "xs"}, {"*": [{"var": ""}, 2]}]}, {"xs": [1, 2]}, [2, 4]),
        ({"filter": [{"var": "xs"}, {">": [{"var": ""}, 1]}]}, {"xs": [1, 2, 3]}, [2, 3]),
        (
            {"reduce": [{"var": "xs"}, {"+": [{"var": "current"}, {"var": "accumulator"}]}, 0]},
            {"xs": [1, 2]},
            3,
        ),
        ({"all": [[], True]}, {}, False),
        ({"none": [[1], {"==": [{"var": ""}, 2]}]}, {}, True),
        ({"some": [{"var": "xs"}, {"==": [{"var": ""}, "b"]}]}, {"xs": ["a", "b"]}, True),
        ({"*": []}, {}, None),  # json-logic-js throws; evaluate() gives null like @formio/core
    ],
)
def test_jsonlogic(logic: Any, data: Any, expected: Any) -> None:
    assert jsonlogic.evaluate(logic, data) == expected


def test_jsonlogic_never_raises_on_junk() -> None:
    for data in (None, [], "x", {"a": [[[]]]}, {"a": 10**400}):
        jsonlogic.evaluate({"+": [{"var": "a"}, 1]}, data)
        jsonlogic.evaluate({"<": [{"var": "a"}, {"var": "a.b"}]}, data)
