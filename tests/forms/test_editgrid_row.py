"""An editgrid's ``validate.row``: JavaScript run per row in the sandbox (strict mode), as @formio/js's EditGrid
runs it; @formio/core never runs it, so compatible mode ignores it (the differential cases ``editgrid-row-*``
in tests/forms/reference/cases-js.json hold @formio/core's verdicts)."""

from __future__ import annotations

from typing import Any

import pytest

import forms
from forms.rules import STRICT_RULE_NAMES


def _grid(code: str, **extra: Any) -> dict[str, Any]:
    return {"components": [{"type": "editgrid", "key": "rows", "label": "Zeilen", "input": True,
                            "validate": {"row": code}, **extra, "components": [
                                {"type": "textfield", "key": "field1", "label": "Feld", "input": True,
                                 "validate": {"required": True}},
                                {"type": "number", "key": "n", "label": "Zahl", "input": True}]}]}


GOOD = "valid = row.field1 === 'good' ? true : 'Must be good';"


def test_the_message_of_the_code_is_the_rows_error() -> None:
    form = forms.load(_grid(GOOD))
    result = form.validate({"rows": [{"field1": "good"}, {"field1": "bad"}]})
    assert result.rejected() == {("rows[1]", "row")}
    assert result.errors["rows[1]"] == ["Must be good"]
    assert form.validate({"rows": [{"field1": "good"}, {"field1": "good", "n": 2}]}).valid


def test_compatible_mode_agrees_with_formio_core_and_ignores_it() -> None:
    form = forms.load(_grid(GOOD), strict=False)
    assert form.validate({"rows": [{"field1": "bad"}]}).valid
    assert "row" in STRICT_RULE_NAMES


@pytest.mark.parametrize(("code", "data", "expected"), [
    ("valid = false;", {"field1": "a"}, {("rows[0]", "row")}),
    ("valid = row.n > 3;", {"field1": "a", "n": 5}, set()),
    ("valid = 'true';", {"field1": "a"}, set()),
    ("throw new Error('x');", {"field1": "a"}, set()),  # no result: passes, as validate.custom does
    ("x = 1;", {"field1": "a"}, set()),  # valid keeps its start value: the row had no errors
    ("valid = valid;", {"field1": ""}, {("rows[0].field1", "required")}),  # the row's own error says it
    ("valid = valid ? true : 'Zeile unvollständig';", {"field1": ""},
     {("rows[0].field1", "required"), ("rows[0]", "row")}),
    ("valid = typeof rowIndex === 'number' && rowIndex === 0 ? 'erste' : true;", {"field1": "a"}, {("rows[0]", "row")}),
])
def test_formio_semantics(code: str, data: dict[str, Any], expected: set[tuple[str, str]]) -> None:
    assert forms.load(_grid(code)).validate({"rows": [data]}).rejected() == expected


def test_a_false_result_has_a_translated_message() -> None:
    form = forms.load(_grid("valid = false;"))
    data = {"rows": [{"field1": "a"}]}
    assert form.validate(data, lang="de").errors["rows[0]"] == ["Zeile 1 von Zeilen ist ungültig."]
    assert form.validate(data, lang="en").errors["rows[0]"] == ["Row 1 of Zeilen is not valid."]


def test_a_hidden_grid_is_not_checked() -> None:
    form = forms.load(_grid("valid = false;", conditional={"show": True, "when": "x", "eq": "y"},
                            clearOnHide=False))
    assert form.validate({"rows": [{"field1": "a"}]}).valid


def test_an_endless_row_check_ends_as_a_limit_issue() -> None:
    result = forms.load(_grid("while (true) {}")).validate({"rows": [{"field1": "a"}]})
    assert {r for _p, r in result.rejected()} == {"script"}


def test_it_is_listed_and_compiled_like_the_other_javascript() -> None:
    scripts = forms.list_scripts(_grid(GOOD))
    assert [(s["place"], s["key"], s["code"]) for s in scripts] == [("validate.row", "rows", GOOD)]
    with pytest.raises(forms.DefinitionError) as err:
        forms.load(_grid("valid = ("))
    assert err.value.path == "components[0].validate.row"
    assert err.value.code == "jsSyntax"


def test_row_templates_stay_refused() -> None:
    definition = _grid(GOOD)
    definition["components"][0]["templates"] = {"row": "<div>{{ row.field1 }}</div>"}
    with pytest.raises(forms.DefinitionError) as err:
        forms.load(definition)
    assert err.value.path == "components[0].templates.row"


def test_row_code_outside_an_editgrid_is_refused() -> None:
    definition = {"components": [{"type": "datagrid", "key": "d", "input": True, "validate": {"row": "valid = false;"},
                                  "components": [{"type": "textfield", "key": "t", "input": True}]}]}
    with pytest.raises(forms.DefinitionError) as err:
        forms.load(definition)
    assert err.value.path == "components[0].validate.row" and err.value.code == "script"
