"""The lodash ``_name`` JSON-logic operators agree with @formio/core's own results, and only they are allowed.

``tests/forms/reference/lodash-ops.json`` is written by ``lodash-ops.mjs`` (@formio/core's ``jsonLogic``,
which registers lodash functions as ``_name`` operators); no Node is needed here.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

import forms
from forms import jsonlogic, lodash
from forms.jsvalues import UNDEF

REFERENCE = json.loads((Path(__file__).parent / "reference" / "lodash-ops.json").read_text(encoding="utf-8"))


def _as_json(v: Any) -> Any:
    """What JSON.stringify makes of a result (NaN and Infinity become null; undefined is marked)."""
    if v is UNDEF:
        return {"undefined": True}
    if isinstance(v, float):
        if not math.isfinite(v):
            return None
        return int(v) if v.is_integer() and abs(v) < 2**53 else v
    if isinstance(v, list):
        return [None if x is UNDEF else _as_json(x) for x in v]
    if isinstance(v, dict):
        return {k: _as_json(x) for k, x in v.items() if x is not UNDEF}
    return v


def _case_id(case: dict[str, Any]) -> str:
    return f"{case['op']}:{json.dumps(case['args'], ensure_ascii=False)[:40]}"


@pytest.mark.parametrize("case", REFERENCE["cases"], ids=_case_id)
def test_agrees_with_formio_core(case: dict[str, Any]) -> None:
    logic = {f"_{case['op']}": [{"var": str(i)} for i in range(len(case["args"]))]}
    data = {str(i): a for i, a in enumerate(case["args"])}
    got = jsonlogic.apply(logic, data)
    assert _as_json(got) == case["result"]


def test_every_operator_is_covered_by_the_reference() -> None:
    assert REFERENCE["formioCore"] == "2.8.3"
    assert {c["op"] for c in REFERENCE["cases"]} == set(lodash.OPERATORS)


def test_a_form_with_camel_case_calculation_loads_and_calculates() -> None:
    form = forms.load({"components": [
        {"type": "datagrid", "key": "rows", "input": True, "components": [
            {"type": "textfield", "key": "label", "input": True},
            {"type": "textfield", "key": "key", "input": True, "calculateServer": True,
             "calculateValue": {"_camelCase": [{"var": "row.label"}]}}]}]})
    result = form.validate({"rows": [{"label": "Größe der Füße", "key": ""}]})
    assert result.valid
    assert result.data["rows"][0]["key"] == "grosseDerFusse"


@pytest.mark.parametrize("op", ["_map", "_filter", "_random", "_now", "_uniqueId", "_template", "_invoke", "_"])
def test_unsupported_lodash_operators_are_refused_with_a_reason(op: str) -> None:
    with pytest.raises(forms.DefinitionError) as err:
        forms.load({"components": [{"type": "textfield", "key": "t", "input": True, "calculateServer": True,
                                     "calculateValue": {op: [{"var": "data.x"}]}}]})
    assert op in err.value.reason


def test_results_are_bounded() -> None:
    long_text = "a" * (lodash.MAX_TEXT + 1)
    assert jsonlogic.evaluate({"_camelCase": [{"var": "t"}]}, {"t": long_text}) is None
    assert jsonlogic.evaluate({"_join": [{"var": "t"}, {"var": "s"}]}, {"t": ["a"] * 1000, "s": "b" * 200}) is None
    assert jsonlogic.evaluate({"_words": ["a b", "[a-z]+"]}, {}) is None  # no patterns from a definition
