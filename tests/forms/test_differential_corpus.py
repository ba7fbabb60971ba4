"""Agreement with @formio/core on submissions to real Form.io forms (the shared corpus).

``tests/forms/reference/corpus-cases.json`` (from ``generate-js.mjs``) holds generated submissions to
every form of ``../shared/formio-corpus/forms.json`` with @formio/core's verdicts; the forms are read
from the corpus at test time (it is not part of the project). Only forms our engine loads count.

* compatible mode (``strict=False``) agrees with @formio/core on at least 99.5 % of the cases, and
  never raises;
* strict mode never drops a path the reference rejects.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

import forms

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "formio-corpus" / "forms.json"
CASES = Path(__file__).parent / "reference" / "corpus-cases.json"

pytestmark = pytest.mark.skipif(not CORPUS.exists(), reason="the shared Form.io corpus is not beside the project")

@cache
def _corpus() -> dict[str, dict[str, Any]]:
    return {f["hash"]: f["form"] for f in json.loads(CORPUS.read_text(encoding="utf-8"))["forms"]}


@cache
def _cases() -> list[dict[str, Any]]:
    return json.loads(CASES.read_text(encoding="utf-8"))["cases"]


@cache
def _form(digest: str, strict: bool) -> forms.Form | None:
    try:
        return forms.load(_corpus()[digest], strict=strict)
    except forms.DefinitionError:
        return None


def _loaded(strict: bool) -> list[tuple[dict[str, Any], forms.Form]]:
    out = []
    for case in _cases():
        form = _form(case["hash"], strict)
        if form is not None:
            out.append((case, form))
    return out


def test_enough_real_forms_take_part():
    assert json.loads(CASES.read_text(encoding="utf-8"))["formioCore"] == "2.8.3"
    loaded = _loaded(False)
    assert len({c["hash"] for c, _ in loaded}) >= 400
    assert len(loaded) >= 1200
    with_js = {c["hash"] for c, f in loaded if forms.list_scripts(_corpus()[c["hash"]])}
    assert len(with_js) >= 40  # real forms whose JavaScript the sandbox runs


def test_compatible_mode_agrees_on_real_forms():
    disagree = []
    loaded = _loaded(False)
    for case, form in loaded:
        expected = {(p, r) for p, r in case["rejected"]}
        got = form.validate(case["data"]).rejected()
        if got != expected:
            disagree.append((case["id"], sorted(expected - got), sorted(got - expected)))
    share = 1 - len(disagree) / len(loaded)
    assert share >= 0.995, (f"{share:.4f}", disagree[:10])


def test_strict_mode_never_drops_a_path_the_reference_rejects():
    dropped = []
    for case, form in _loaded(True):
        expected = {p for p, _ in case["rejected"]}
        got = {p for p, _ in form.validate(case["data"]).rejected()}
        if not expected <= got:
            dropped.append((case["id"], sorted(expected - got)))
    assert dropped == []
