"""Hostile input never crashes: any JSON value anywhere gives errors, not exceptions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import forms
from forms import jsonlogic

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**300, max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "",
            " ",
            "yes",
            "a",
            "1",
            "12/31/2020",
            "00/00/0000",
            "2024-05-01T10:00:00Z",
            "data:image/png;base64,AAAA",
            "__proto__",
            "[object Object]",
            "<script>x</script>",
        ]
    )
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


def _nest(n: int, as_dict: bool) -> Any:
    value: Any = "x"
    for _ in range(n):
        value = {"a": value} if as_dict else [value]
    return value


OPTS = [{"label": "Ja", "value": "yes"}, {"label": "Nein", "value": "no"}]
LEAVES = [
    {
        "type": "textfield",
        "key": "tf",
        "validate": {
            "required": True,
            "minLength": 2,
            "maxLength": 9,
            "pattern": "[a-z]*",
            "minWords": 1,
            "maxWords": 3,
        },
    },
    {"type": "textfield", "key": "tfm", "multiple": True, "validate": {"minLength": 2}},
    {"type": "textarea", "key": "ta", "validate": {"required": True}},
    {"type": "number", "key": "num", "validate": {"min": 1, "max": 9, "required": True}},
    {"type": "email", "key": "em"},
    {"type": "phoneNumber", "key": "ph", "inputMask": "(999) 999-9999"},
    {"type": "checkbox", "key": "cb", "validate": {"required": True}},
    {"type": "radio", "key": "ra", "values": OPTS, "validate": {"onlyAvailableItems": True}},
    {
        "type": "select",
        "key": "se",
        "data": {"values": OPTS},
        "multiple": True,
        "validate": {"onlyAvailableItems": True},
    },
    {
        "type": "selectboxes",
        "key": "sb",
        "values": OPTS,
        "validate": {"minSelectedCount": 1, "maxSelectedCount": 1, "onlyAvailableItems": True},
    },
    {"type": "day", "key": "dy", "fields": {"day": {"required": True}, "month": {}, "year": {}}},
    {"type": "datetime", "key": "dt"},
    {"type": "signature", "key": "sg"},
    {"type": "file", "key": "fi", "multiple": True},
    {"type": "survey", "key": "sv", "questions": [{"label": "Q", "value": "q"}], "values": OPTS},
    {"type": "hidden", "key": "hi"},
    {
        "type": "textfield",
        "key": "js",
        "validate": {"json": {"if": [{"<": [{"var": "input"}, {"var": "data.num"}]}, True, "too big"]}},
    },
]
DEFINITION = {
    "display": "form",
    "components": [
        *LEAVES,
        {
            "type": "textfield",
            "key": "c1",
            "conditional": {"show": True, "when": "ra", "eq": "yes"},
            "validate": {"required": True},
        },
        {
            "type": "textfield",
            "key": "c2",
            "conditional": {
                "show": False,
                "conjunction": "any",
                "conditions": [
                    {"component": "num", "operator": "greaterThan", "value": 3},
                    {"component": "sb", "operator": "isEmpty"},
                    {"component": "tf", "operator": "includes", "value": "a"},
                ],
            },
        },
        {"type": "textfield", "key": "c3", "conditional": {"json": {"in": [{"var": "data.se"}, ["yes"]]}}},
        {"type": "container", "key": "co", "components": [dict(x, key=f"co_{x['key']}") for x in LEAVES[:6]]},
        {
            "type": "datagrid",
            "key": "dg",
            "validate": {"minLength": 1},
            "components": [dict(x, key=f"dg_{x['key']}") for x in LEAVES[:8]]
            + [
                {
                    "type": "textfield",
                    "key": "dg_c",
                    "conditional": {"show": True, "when": "dg.dg_ra", "eq": "yes"},
                }
            ],
        },
        {
            "type": "panel",
            "key": "p",
            "conditional": {"show": True, "when": "cb", "eq": "true"},
            "components": [{"type": "textfield", "key": "in_panel", "validate": {"required": True}}],
        },
    ],
}
STRICT = forms.load(DEFINITION)
COMPAT = forms.load(DEFINITION, strict=False)
KEYS = [c.key for c in STRICT.components if c.has_data and c.parent is None]


def _check(result: forms.Result) -> None:
    assert isinstance(result.errors, dict)
    for path, messages in result.errors.items():
        assert isinstance(path, str) and messages and all(isinstance(m, str) and m for m in messages)
    json.dumps(result.data, allow_nan=True)
    forms.to_renderer_errors(result)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_any_json_as_whole_submission(data: Any) -> None:
    _check(STRICT.validate(data))
    _check(COMPAT.validate(data, lang="en"))
    STRICT.render_answers(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(KEYS), JSON, max_size=len(KEYS)))
def test_any_json_in_any_field(data: dict[str, Any]) -> None:
    strict = STRICT.validate(data)
    compat = COMPAT.validate(data)
    _check(strict)
    _check(compat)
    assert compat.rejected() <= strict.rejected()
    STRICT.render_answers(data)
    STRICT.render_answers(strict.data, lang="en")


@settings(max_examples=100, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            "dg": st.lists(
                st.dictionaries(st.sampled_from(["dg_tf", "dg_num", "dg_ra", "dg_cb", "dg_c", "x"]), JSON, max_size=4)
                | JSON,
                max_size=4,
            ),
            "co": st.dictionaries(st.sampled_from(["co_tf", "co_num", "co_em"]), JSON) | JSON,
        }
    )
)
def test_any_json_in_nested_levels(data: dict[str, Any]) -> None:
    _check(STRICT.validate(data))
    STRICT.render_answers(data)


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=30, max_value=5000), st.booleans(), st.sampled_from(KEYS))
def test_deeply_nested_values(depth: int, as_dict: bool, key: str) -> None:
    value = _nest(depth, as_dict)  # built here: hypothesis cannot repr values this deep
    _check(STRICT.validate({key: value}))
    STRICT.render_answers({key: value})


@settings(max_examples=200, deadline=None)
@given(JSON, JSON)
def test_jsonlogic_evaluate_never_raises(logic_arg: Any, data: Any) -> None:
    for op in (
        "==",
        "<",
        "+",
        "*",
        "-",
        "/",
        "%",
        "in",
        "cat",
        "substr",
        "max",
        "merge",
        "missing",
        "var",
        "!",
    ):
        jsonlogic.evaluate({op: [logic_arg, {"var": "a"}]}, data)
        jsonlogic.evaluate({op: [{"var": ""}, logic_arg]}, data)
    for op in ("map", "filter", "all", "some", "none", "reduce"):
        jsonlogic.evaluate({op: [{"var": ""}, {"==": [{"var": ""}, logic_arg]}]}, data)


COMPONENT = st.fixed_dictionaries(
    {"type": st.sampled_from(sorted(forms.SUPPORTED_TYPES)) | st.text(max_size=5)},
    optional={
        "key": st.text(max_size=6) | JSON,
        "validate": JSON,
        "conditional": JSON,
        "values": JSON,
        "data": JSON,
        "components": JSON,
        "columns": JSON,
        "rows": JSON,
        "multiple": JSON,
        "fields": JSON,
        "questions": JSON,
        "inputMask": JSON,
        "logic": JSON,
        "hidden": JSON,
        "errors": JSON,
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(COMPONENT, max_size=5) | JSON, JSON)
def test_junk_definitions_only_raise_definition_error(components: Any, data: Any) -> None:
    try:
        form = forms.load({"components": components})
    except forms.DefinitionError:
        return
    _check(form.validate(data))
    form.render_answers(data)


@pytest.mark.parametrize("value", ["²", "٣", "１２", "1²", "2024-０1-01", "³/²/²⁰²⁴"])
def test_non_ascii_digits_are_not_numbers(value):
    """Regression (found by hypothesis): '²'.isdigit() is true in Python but int('²') fails, and
    Python's \\d matches other scripts' digits; JavaScript's \\d and Form.io see ASCII digits only."""
    form = forms.load({"components": [
        {"type": "datetime", "key": "dt", "input": True},
        {"type": "day", "key": "day", "input": True},
        {"type": "number", "key": "n", "input": True},
        {"type": "textfield", "key": "t", "input": True, "validate": {"pattern": "\\d+"}},
    ]})
    result = form.validate({"dt": value, "day": value, "n": value, "t": value})
    assert "t" in result.errors  # a pattern of ASCII digits refuses other digits
    assert "t" not in form.validate({"t": "123"}).errors
    assert isinstance(result.errors, dict)
