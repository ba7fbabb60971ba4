"""Benchmark of the form engine (a script, not a test).

Builds a realistic anamnesis form (~30 fields, conditions, wizard) and a flat 40-field form, then
prints Python validations/s, ``render_answers`` p50/p95 for the 40-field form, and — when ``node``
and ``tests/forms/reference/node_modules`` exist — @formio/core's validations/s on the same
submissions, measured in the same run, with the ratio.

Run: ``.venv/bin/python bench/forms_engine.py [--seconds 2]``
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import forms  # noqa: E402

REFERENCE = ROOT / "tests" / "forms" / "reference"
YES_NO = [{"label": "Ja", "value": "yes"}, {"label": "Nein", "value": "no"}]


def _tf(key: str, label: str, **kw: Any) -> dict[str, Any]:
    return {"type": "textfield", "key": key, "label": label, "input": True, **kw}


def anamnesis_form() -> dict[str, Any]:
    """A patient anamnesis wizard: ~30 data fields, legacy/simple/JSON conditions, a datagrid."""
    when_yes = lambda key: {"show": True, "when": key, "eq": "yes"}  # noqa: E731
    page1 = {
        "type": "panel",
        "key": "person",
        "title": "Person",
        "input": False,
        "components": [
            _tf("firstName", "Vorname", validate={"required": True, "maxLength": 60}),
            _tf("lastName", "Nachname", validate={"required": True, "maxLength": 60}),
            {
                "type": "day",
                "key": "birthDate",
                "label": "Geburtsdatum",
                "input": True,
                "dayFirst": True,
                "fields": {
                    "day": {"required": True},
                    "month": {"required": True},
                    "year": {"required": True},
                },
                "validate": {"required": True},
            },
            {
                "type": "email",
                "key": "email",
                "label": "E-Mail",
                "input": True,
                "properties": {"customerField": "email"},
            },
            {
                "type": "phoneNumber",
                "key": "phone",
                "label": "Telefon",
                "input": True,
                "inputMask": "9999 9999999",
            },
            {
                "type": "container",
                "key": "address",
                "label": "Anschrift",
                "input": True,
                "components": [
                    _tf("street", "Straße", validate={"required": True}),
                    _tf("zip", "PLZ", validate={"required": True, "pattern": "[0-9]{5}"}),
                    _tf("city", "Ort", validate={"required": True}),
                ],
            },
            {
                "type": "radio",
                "key": "insurance",
                "label": "Versicherung",
                "input": True,
                "validate": {"required": True},
                "values": [{"label": "gesetzlich", "value": "gkv"}, {"label": "privat", "value": "pkv"}],
            },
            _tf(
                "insurer",
                "Krankenkasse",
                validate={"required": True},
                conditional={
                    "show": True,
                    "conjunction": "all",
                    "conditions": [{"component": "insurance", "operator": "isEqual", "value": "gkv"}],
                },
            ),
        ],
    }
    page2 = {
        "type": "panel",
        "key": "health",
        "title": "Gesundheit",
        "input": False,
        "components": [
            {
                "type": "number",
                "key": "height",
                "label": "Größe (cm)",
                "input": True,
                "validate": {"min": 50, "max": 250},
            },
            {
                "type": "number",
                "key": "weight",
                "label": "Gewicht (kg)",
                "input": True,
                "validate": {"min": 2, "max": 300},
            },
            {
                "type": "radio",
                "key": "smoker",
                "label": "Rauchen Sie?",
                "input": True,
                "values": YES_NO,
                "validate": {"required": True},
            },
            {
                "type": "number",
                "key": "cigarettes",
                "label": "Zigaretten/Tag",
                "input": True,
                "validate": {"required": True, "min": 1},
                "conditional": when_yes("smoker"),
            },
            {"type": "radio", "key": "allergies", "label": "Allergien?", "input": True, "values": YES_NO},
            {
                "type": "selectboxes",
                "key": "allergyTypes",
                "label": "Welche?",
                "input": True,
                "values": [
                    {"label": "Pollen", "value": "pollen"},
                    {"label": "Nüsse", "value": "nuts"},
                    {"label": "Penicillin", "value": "penicillin"},
                ],
                "validate": {"minSelectedCount": 1},
                "conditional": when_yes("allergies"),
            },
            {
                "type": "textarea",
                "key": "allergyNotes",
                "label": "Details",
                "input": True,
                "conditional": {"json": {"==": [{"var": "data.allergyTypes.penicillin"}, True]}},
            },
            {"type": "radio", "key": "medication", "label": "Medikamente?", "input": True, "values": YES_NO},
            {
                "type": "datagrid",
                "key": "meds",
                "label": "Medikamente",
                "input": True,
                "conditional": when_yes("medication"),
                "components": [
                    _tf("drug", "Wirkstoff", validate={"required": True}),
                    {
                        "type": "number",
                        "key": "dose",
                        "label": "Dosis (mg)",
                        "input": True,
                        "validate": {"min": 0},
                    },
                    {
                        "type": "select",
                        "key": "freq",
                        "label": "Häufigkeit",
                        "input": True,
                        "data": {
                            "values": [
                                {"label": "täglich", "value": "daily"},
                                {"label": "wöchentlich", "value": "weekly"},
                            ]
                        },
                    },
                ],
            },
            {
                "type": "survey",
                "key": "wellbeing",
                "label": "Befinden",
                "input": True,
                "questions": [
                    {"label": "Schlaf", "value": "sleep"},
                    {"label": "Appetit", "value": "appetite"},
                ],
                "values": [
                    {"label": "gut", "value": "good"},
                    {"label": "mittel", "value": "ok"},
                    {"label": "schlecht", "value": "bad"},
                ],
            },
            {"type": "radio", "key": "pregnant", "label": "Schwanger?", "input": True, "values": YES_NO},
            {
                "type": "datetime",
                "key": "dueDate",
                "label": "Geburtstermin",
                "input": True,
                "conditional": {"show": True, "when": "pregnant", "eq": "yes"},
            },
        ],
    }
    page3 = {
        "type": "panel",
        "key": "consent",
        "title": "Einwilligung",
        "input": False,
        "components": [
            {
                "type": "content",
                "key": "info",
                "input": False,
                "html": "<p>Bitte lesen Sie die Hinweise.</p>",
            },
            {
                "type": "checkbox",
                "key": "privacy",
                "label": "Datenschutz",
                "input": True,
                "validate": {"required": True},
                "properties": {"consent": "true", "consentText": "Ich willige in die Verarbeitung ein."},
            },
            {"type": "checkbox", "key": "newsletter", "label": "Newsletter", "input": True},
            {
                "type": "signature",
                "key": "signature",
                "label": "Unterschrift",
                "input": True,
                "validate": {"required": True},
            },
        ],
    }
    return {"display": "wizard", "components": [page1, page2, page3]}


def anamnesis_submission(rnd: random.Random) -> dict[str, Any]:
    smoker = rnd.choice(["yes", "no"])
    meds = rnd.choice(["yes", "no"])
    data: dict[str, Any] = {
        "firstName": "Erika",
        "lastName": "Mustermann",
        "birthDate": rnd.choice(["12/08/1964", "31/02/1990", ""]),
        "email": rnd.choice(["erika@example.com", "erika@", ""]),
        "phone": rnd.choice(["0301 2345678", "12"]),
        "address": {"street": "Heidestr. 17", "zip": rnd.choice(["51147", "5114"]), "city": "Köln"},
        "insurance": rnd.choice(["gkv", "pkv"]),
        "insurer": rnd.choice(["AOK", ""]),
        "height": rnd.choice([172, 20, None]),
        "weight": rnd.choice([70.5, 400]),
        "smoker": smoker,
        "allergies": rnd.choice(["yes", "no"]),
        "allergyTypes": {"pollen": rnd.random() < 0.5, "nuts": False, "penicillin": rnd.random() < 0.3},
        "allergyNotes": "Ausschlag",
        "medication": meds,
        "wellbeing": {"sleep": rnd.choice(["good", "bad"]), "appetite": "ok"},
        "pregnant": "no",
        "privacy": rnd.random() < 0.9,
        "newsletter": False,
        "signature": "data:image/png;base64,iVBORw0KGgo=",
        "submit": True,
    }
    if smoker == "yes":
        data["cigarettes"] = rnd.choice([10, 0])
    if meds == "yes":
        data["meds"] = [
            {"drug": rnd.choice(["Ibuprofen", ""]), "dose": 400, "freq": "daily"} for _ in range(rnd.randint(1, 3))
        ]
    return data


def forty_field_form() -> dict[str, Any]:
    """40 flat fields of the common types, a few conditions."""
    comps: list[dict[str, Any]] = []
    for i in range(40):
        kind = i % 8
        key = f"f{i}"
        if kind == 0:
            comps.append(_tf(key, f"Text {i}", validate={"required": True, "minLength": 2, "maxLength": 50}))
        elif kind == 1:
            comps.append(
                {
                    "type": "number",
                    "key": key,
                    "label": f"Zahl {i}",
                    "input": True,
                    "validate": {"min": 0, "max": 100},
                }
            )
        elif kind == 2:
            comps.append({"type": "email", "key": key, "label": f"E-Mail {i}", "input": True})
        elif kind == 3:
            comps.append(
                {
                    "type": "radio",
                    "key": key,
                    "label": f"Frage {i}",
                    "input": True,
                    "values": YES_NO,
                    "validate": {"required": True},
                }
            )
        elif kind == 4:
            comps.append({"type": "checkbox", "key": key, "label": f"Haken {i}", "input": True})
        elif kind == 5:
            comps.append(
                {
                    "type": "select",
                    "key": key,
                    "label": f"Auswahl {i}",
                    "input": True,
                    "data": {"values": [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}]},
                }
            )
        elif kind == 6:
            comps.append(
                {
                    "type": "textarea",
                    "key": key,
                    "label": f"Notiz {i}",
                    "input": True,
                    "conditional": {"show": True, "when": f"f{i - 3}", "eq": "yes"},
                }
            )
        else:
            comps.append(
                {
                    "type": "day",
                    "key": key,
                    "label": f"Datum {i}",
                    "input": True,
                    "fields": {"day": {}, "month": {}, "year": {}},
                }
            )
    return {"display": "form", "components": comps}


def forty_submission(rnd: random.Random) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for i in range(40):
        kind = i % 8
        key = f"f{i}"
        data[key] = [
            rnd.choice(["Hallo Welt", "x", ""]),
            rnd.choice([5, 50, 500]),
            rnd.choice(["a@b.de", "nope"]),
            rnd.choice(["yes", "no"]),
            rnd.random() < 0.5,
            rnd.choice(["a", "b"]),
            "Notiz\nzweite Zeile",
            rnd.choice(["12/31/2020", "13/45/2020"]),
        ][kind]
    return data


NODE_SCRIPT = r"""
const { createRequire } = require('module');
const fs = require('fs');
const [refDir, payloadPath, seconds] = process.argv.slice(1);
const req = createRequire(refDir + '/package.json');
const { processSync, ProcessTargets } = req('@formio/core');
console.log = console.warn = console.error = () => {};
const payload = JSON.parse(fs.readFileSync(payloadPath, 'utf8'));
const out = {};
for (const [name, { form, submissions }] of Object.entries(payload)) {
  let n = 0;
  const end = Date.now() + Number(seconds) * 1000;
  const t0 = process.hrtime.bigint();
  while (Date.now() < end) {
    for (const s of submissions) {
      const f = structuredClone(form);
      const data = structuredClone(s);
      const ctx = { form: f, submission: { data }, components: f.components, data,
        processors: ProcessTargets.evaluator, scope: {}, config: { server: true } };
      processSync(ctx);
      n++;
    }
  }
  out[name] = n / (Number(process.hrtime.bigint() - t0) / 1e9);
}
process.stdout.write(JSON.stringify(out));
"""


def python_rate(form: forms.Form, submissions: list[dict[str, Any]], seconds: float) -> float:
    n = 0
    start = time.perf_counter()
    end = start + seconds
    while time.perf_counter() < end:
        for s in submissions:
            form.validate(s)
            n += 1
    return n / (time.perf_counter() - start)


def render_percentiles(form: forms.Form, submissions: list[dict[str, Any]], n: int = 2000) -> tuple[float, float]:
    """``render_answers`` p50 and p95 in milliseconds over ``n`` calls."""
    times = []
    for i in range(n):
        t = time.perf_counter()
        form.render_answers(submissions[i % len(submissions)])
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95)]


def node_rates(payload: dict[str, Any], seconds: float) -> dict[str, float] | None:
    node = shutil.which("node")
    if not node or not (REFERENCE / "node_modules" / "@formio" / "core").is_dir():
        return None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "payload.json"
        path.write_text(json.dumps(payload), encoding="utf-8")
        proc = subprocess.run(
            [node, "-e", NODE_SCRIPT, str(REFERENCE), str(path), str(seconds)],
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
    return json.loads(proc.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    args = parser.parse_args()
    rnd = random.Random(1)
    cases = {
        "anamnesis": (anamnesis_form(), [anamnesis_submission(rnd) for _ in range(50)]),
        "forty": (forty_field_form(), [forty_submission(rnd) for _ in range(50)]),
    }
    results: dict[str, float] = {}
    for name, (definition, subs) in cases.items():
        form = forms.load(definition)
        n_fields = len(form.data_paths())
        results[name] = python_rate(form, subs, args.seconds)
        print(f"python  {name:10s} ({n_fields:2d} data fields): {results[name]:9.0f} validations/s")

    p50, p95 = render_percentiles(forms.load(cases["forty"][0]), cases["forty"][1])
    print(f"render_answers 40 fields: p50 {p50:.3f} ms, p95 {p95:.3f} ms (target p50 < 5 ms)")

    payload = {name: {"form": d, "submissions": s} for name, (d, s) in cases.items()}
    node = node_rates(payload, args.seconds)
    if node is None:
        print("node or tests/forms/reference/node_modules missing: skipped @formio/core comparison")
        return
    for name, rate in node.items():
        ratio = results[name] / rate
        verdict = "ok" if ratio >= 0.5 else "BELOW TARGET"
        print(f"node    {name:10s} @formio/core: {rate:9.0f} validations/s", end="  ")
        print(f"-> python/node = {ratio:.2f}x ({verdict})")


if __name__ == "__main__":
    main()
