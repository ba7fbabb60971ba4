"""Hostile input on what issue #16 (session 5) added: lodash ``_name`` operators on any JSON, ``moment()``
texts of any shape, editgrid ``validate.row`` on any rows, and layout ``row`` marks: results or
DefinitionError, never an exception."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import forms
from forms import jsonlogic, lodash
from forms.datelimits import moment_limit, parse_moment, zone_of
from tests.forms.test_fuzz import JSON, _check

OPS = sorted(lodash.OPERATORS)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(OPS), st.lists(JSON, max_size=4))
def test_lodash_operators_on_any_json(op: str, args: list[Any]) -> None:
    data = {str(i): a for i, a in enumerate(args)}
    jsonlogic.evaluate({f"_{op}": [{"var": str(i)} for i in range(len(args))]}, data)  # never raises
    jsonlogic.evaluate({f"_{op}": args}, {})


_PIECES = st.sampled_from(["moment()", ".add(", ".subtract(", ".startOf(", ".endOf(", "'day'", "'M'", "'years'",
                           "10", "-3", "999999", ",", ")", "(", ";", " ", "'", "alert(1)", ".format()"])


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), st.lists(_PIECES, max_size=12).map("".join)),
       st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)),
       st.sampled_from(["UTC", "Europe/Berlin", "America/Los_Angeles", "Pacific/Kiritimati", "nowhere"]))
def test_moment_texts_of_any_shape(text: str, now: datetime, zone: str) -> None:
    calls = parse_moment(text)
    if calls is not None:
        limit = moment_limit(calls, zone_of(zone), now)
        assert limit is None or limit.tzinfo is not None
    definition = {"components": [
        {"type": "datetime", "key": "d", "input": True, "enableTime": False,
         "widget": {"enableTime": False, "minDate": text, "maxDate": text}},
        {"type": "day", "key": "day", "input": True, "minDate": text, "maxDate": text}]}
    try:
        form = forms.load(definition)
    except forms.DefinitionError as exc:
        assert exc.reason
        return
    _check(form.validate({"d": "2026-01-01T00:00:00Z", "day": "01/02/2026"}, zone=zone, now=now))


GRID = {"components": [{"type": "editgrid", "key": "g", "input": True, "row": "0-0",
                        "validate": {"row": "valid = row.a === 'x' ? true : (row.b ? 'b' : valid);"},
                        "components": [{"type": "textfield", "key": "a", "input": True, "row": "0-0",
                                        "validate": {"required": True}},
                                       {"type": "number", "key": "b", "input": True}]}]}
FORM = forms.load(GRID)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_editgrid_row_code_on_any_value(value: Any) -> None:
    _check(FORM.validate({"g": value}))
    _check(FORM.validate({"g": [value, {"a": "x"}]}))
