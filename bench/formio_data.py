"""Evidence for leaving formio-data out (a script, not a test): how its reading of submissions compares
with our engine's (forms.answers) on the seeded questionnaires and on the corpus forms our engine loads.

For each form a submission is made with a value in every field (first option, "x", 1, true), cleaned by
our engine, then read by formio-data (``formiodata.form.Form`` with a ``Builder``). Counted: forms where
formio-data raises, top-level fields it does not know, fields inside containers it loses (no value by
their path), and on the seeds whether its option labels and values equal ours.

formio-data is no dependency: ``.venv/bin/pip install formio-data`` first (it pulls in ``requests``).
Run: ``.venv/bin/python bench/formio_data.py``
"""

from __future__ import annotations

import json
import logging
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import forms  # noqa: E402
from forms.jsvalues import UNDEF  # noqa: E402

CORPUS = ROOT.parent / "shared" / "formio-corpus" / "forms.json"
SEED = ROOT / "seed" / "questionnaires"


def filled(form: forms.Form) -> dict[str, Any]:
    """A submission with a value in every field (grids get one row)."""
    def put(row: dict[str, Any], nodes: list[Any]) -> None:
        for n in nodes:
            if n.kind == "layout":
                put(row, n.children)
            elif n.kind == "container":
                sub: dict[str, Any] = {}
                put(sub, n.children)
                cur = row
                for p in n.parts[:-1]:
                    cur = cur.setdefault(p, {})
                cur[n.parts[-1]] = sub
            elif n.kind == "grid":
                one: dict[str, Any] = {}
                put(one, n.children)
                row[n.key] = [one]
            elif n.kind == "value":
                if n.type in ("radio", "select") and n.option_values:
                    value: Any = n.option_values[0]
                elif n.type == "selectboxes":
                    value = {str(o): i == 0 for i, o in enumerate(n.option_values)}
                elif n.type == "survey":
                    value = {q: n.option_values[0] for q, _ in n.questions} if n.option_values else {}
                elif n.type in ("number", "currency"):
                    value = 1
                elif n.type == "checkbox" and not getattr(n, "radio_group", False):
                    value = True
                elif n.type == "day":
                    value = "01/02/1990"
                else:
                    value = "x"
                row[n.parts[-1]] = value

    data: dict[str, Any] = {}
    put(data, form.top_components)
    return form.validate(data, "en").data


def compare(definition: dict[str, Any], counts: Counter[str], seed: bool) -> None:
    from formiodata.builder import Builder
    from formiodata.form import Form as FDForm

    form = forms.load(definition, check_code=False)
    data = filled(form)
    try:
        theirs = FDForm(json.dumps(data), builder=Builder(json.dumps(definition)))
    except Exception:
        counts["forms where formio-data raises"] += 1
        return
    for n in form.components:
        if n.kind != "value" or n.grids:
            continue
        counts["fields"] += 1
        if "." in n.data_path:
            try:
                comp = theirs.get_component_by_path(n.data_path)
            except Exception:
                comp = None
            got = getattr(comp, "value", None)
            counts["container fields read" if got not in (None, "") else "container fields lost"] += 1
            continue
        comp = theirs.input_components.get(n.key)
        if comp is None:
            counts["top-level fields unknown to formio-data"] += 1
            continue
        if not seed:
            continue
        ours = n.get_in(data)
        if n.type in ("radio", "select"):
            same = (n.option_label(ours) if ours is not UNDEF else None) == comp.value_label
        else:
            same = (None if ours is UNDEF else ours) == comp.value
        counts["seed fields equal" if same else "seed fields different"] += 1


def main() -> int:
    try:
        import formiodata  # noqa: F401
    except ImportError:
        print("formio-data is not installed: .venv/bin/pip install formio-data")
        return 2
    logging.disable(logging.CRITICAL)
    seeds: Counter[str] = Counter()
    for path in sorted(SEED.glob("*.json")):
        compare(json.loads(path.read_text(encoding="utf-8"))["schema"], seeds, seed=True)
    print("seeded questionnaires:", dict(seeds))
    corpus: Counter[str] = Counter()
    if CORPUS.is_file():
        for entry in json.loads(CORPUS.read_text(encoding="utf-8"))["forms"]:
            try:
                forms.load(entry["form"])
            except forms.DefinitionError:
                continue
            corpus["forms"] += 1
            compare(entry["form"], corpus, seed=False)
        print("corpus forms our engine loads:", dict(corpus))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
