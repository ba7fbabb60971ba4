"""Date limits computed with ``moment()`` agree with @formio/core at a fixed time, in UTC and Europe/Berlin.

``tests/forms/reference/moment-cases.json`` is written by ``moment-cases.mjs`` (no Node needed here): each
run fixes "now" and the process's zone; the same instant and zone are given to ``Form.validate``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest

import forms
from forms.datelimits import moment_limit, parse_moment, zone_of
from forms.expressions import find_code

REFERENCE = json.loads((Path(__file__).parent / "reference" / "moment-cases.json").read_text(encoding="utf-8"))


@cache
def _form(run: int, index: int, strict: bool) -> forms.Form:
    return forms.load(REFERENCE["runs"][run]["forms"][index], strict=strict)


@pytest.mark.parametrize("run", range(len(REFERENCE["runs"])),
                         ids=[f"{r['zone']}-{r['now'][:16]}" for r in REFERENCE["runs"]])
def test_agrees_with_formio_core(run: int) -> None:
    ref = REFERENCE["runs"][run]
    now = datetime.fromisoformat(ref["now"].replace("Z", "+00:00"))
    wrong = []
    for i, case in enumerate(ref["cases"]):
        expected = {(p, r) for p, r in case["rejected"]}
        compat = _form(run, case["form"], False).validate(case["data"], zone=ref["zone"], now=now).rejected()
        strict = _form(run, case["form"], True).validate(case["data"], zone=ref["zone"], now=now).rejected()
        if compat != expected or not expected <= strict:
            wrong.append((i, ref["forms"][case["form"]]["components"][0], case["data"], expected, compat))
    assert wrong == []


def test_reference_covers_both_zones_and_verdicts() -> None:
    assert REFERENCE["formioCore"] == "2.8.3"
    assert {r["zone"] for r in REFERENCE["runs"]} == {"UTC", "Europe/Berlin"}
    verdicts = [bool(c["rejected"]) for r in REFERENCE["runs"] for c in r["cases"]]
    assert any(verdicts) and not all(verdicts)


@pytest.mark.parametrize("text", [
    "moment()", "moment().add(10, 'days')", "moment().subtract(1,'year')", "moment().startOf('month')",
    "moment().endOf(\"week\");", " moment() . add( -2 , 'h' ) ", "moment().add(1, 'M').startOf('M')",
])
def test_the_moment_language_is_data(text: str) -> None:
    assert parse_moment(text) is not None
    definition = {"components": [{"type": "datetime", "key": "d", "input": True, "widget": {"minDate": text},
                                  "datePicker": {"minDate": text}}]}
    assert find_code(definition) is None
    forms.load(definition)


@pytest.mark.parametrize("text", [
    "moment().add(10, 'days'); fetch('/x')", "moment().add(1, 'date')", "moment().add(1.5, 'days')",
    "moment().format('YYYY')", "moment('2020-01-01')", "moment().add(x, 'days')", "moment().startOf('quarter')",
    "moment().add(1, 'days')" + ".add(1, 'days')" * 9, "moment().add(10, 'days') || alert(1)",
    "moment().constructor.constructor('alert(1)')()",
])
def test_anything_else_with_moment_stays_refused(text: str) -> None:
    assert parse_moment(text) is None
    with pytest.raises(forms.DefinitionError) as err:
        forms.load({"components": [{"type": "datetime", "key": "d", "input": True, "widget": {"maxDate": text}}]})
    assert "moment().add(10, 'days')" in err.value.reason  # the reason shows what is accepted
    assert "moment().add(10, 'days')" in err.value.message("de")


def test_calendar_arithmetic_like_dayjs() -> None:
    berlin = zone_of("Europe/Berlin")
    at = datetime(2026, 1, 31, 10, 0, 0, 123000, tzinfo=UTC)
    assert moment_limit(parse_moment("moment().add(1, 'month')"), berlin, at).isoformat() == "2026-02-28T11:00:00+01:00"
    assert moment_limit(parse_moment("moment().startOf('day')"), berlin, at).isoformat() == "2026-01-31T00:00:00+01:00"
    assert moment_limit(parse_moment("moment()"), UTC, at).microsecond == 0  # toUTCString keeps whole seconds
    assert zone_of("Not/AZone") is UTC


def test_the_unit_zone_decides_what_today_is() -> None:
    form = forms.load({"components": [{"type": "datetime", "key": "d", "input": True, "enableTime": False,
                                       "widget": {"enableTime": False, "minDate": "moment().startOf('day')"}}]})
    now = datetime(2026, 6, 15, 22, 30, tzinfo=UTC)  # already the 16th in Berlin
    answer = {"d": "2026-06-15T23:00:00+02:00"}  # the 15th, 23:00 Berlin time
    assert form.validate(answer, zone="UTC", now=now).valid
    assert form.validate(answer, zone="Europe/Berlin", now=now).rejected() == {("d", "minDate")}
