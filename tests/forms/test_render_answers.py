"""render_answers: escaped, read-only HTML of a submission."""

from __future__ import annotations

import statistics
import time

from markupsafe import Markup

import forms

DEFINITION = {
    "components": [
        {"type": "textfield", "key": "name", "label": "<script>alert('label')</script>Name"},
        {
            "type": "radio",
            "key": "insured",
            "label": "Versichert?",
            "values": [
                {"label": "Ja, <b>gesetzlich</b>", "value": "gkv"},
                {"label": "Privat", "value": "pkv"},
            ],
        },
        {
            "type": "select",
            "key": "color",
            "label": "Farbe",
            "multiple": True,
            "data": {"values": [{"label": "Rot", "value": "r"}, {"label": "Blau", "value": "b"}]},
        },
        {
            "type": "selectboxes",
            "key": "sym",
            "label": "Symptome",
            "values": [{"label": "Fieber", "value": "fever"}, {"label": "Husten", "value": "cough"}],
        },
        {
            "type": "survey",
            "key": "sat",
            "label": "Zufriedenheit",
            "questions": [{"label": "Wartezeit", "value": "wait"}],
            "values": [{"label": "gut", "value": "good"}, {"label": "schlecht", "value": "bad"}],
        },
        {"type": "checkbox", "key": "consent", "label": "Einwilligung"},
        {"type": "day", "key": "born", "label": "Geburtstag"},
        {"type": "datetime", "key": "appt", "label": "Termin"},
        {"type": "number", "key": "weight", "label": "Gewicht"},
        {"type": "textarea", "key": "notes", "label": "Notizen"},
        {"type": "signature", "key": "sig", "label": "Unterschrift"},
        {"type": "signature", "key": "sig2", "label": "Unterschrift 2"},
        {"type": "file", "key": "docs", "label": "Dokumente"},
        {
            "type": "panel",
            "key": "p",
            "title": "Adresse",
            "components": [
                {
                    "type": "container",
                    "key": "addr",
                    "label": "Anschrift",
                    "components": [{"type": "textfield", "key": "street", "label": "Straße"}],
                }
            ],
        },
        {
            "type": "datagrid",
            "key": "meds",
            "label": "Medikamente",
            "components": [
                {"type": "textfield", "key": "drug", "label": "Wirkstoff"},
                {"type": "number", "key": "mg", "label": "mg"},
            ],
        },
        {"type": "hidden", "key": "secret", "label": "Intern"},
        {"type": "button", "key": "submit", "label": "Senden"},
    ]
}

DATA = {
    "name": "<img src=x onerror=alert(1)>Max",
    "insured": "gkv",
    "color": ["r", "b"],
    "sym": {"fever": True, "cough": False},
    "sat": {"wait": "bad"},
    "consent": True,
    "born": "03/15/1980",
    "appt": "2024-05-01T10:30:00",
    "weight": 72.5,
    "notes": "Zeile 1\nZeile <2>",
    "sig": "data:image/png;base64,iVBORw0KGgo=",
    "sig2": "javascript:alert(1)",
    "docs": [{"name": "<befund>.pdf", "size": 3, "url": "/u/1"}],
    "addr": {"street": "Hauptstr. 1"},
    "meds": [{"drug": "Ibu<profen>", "mg": 400}],
    "secret": "s3cr3t",
}


def test_escaping_and_labels() -> None:
    html = forms.load(DEFINITION).render_answers(DATA)
    assert isinstance(html, Markup)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;Max" in html
    assert "Ja, &lt;b&gt;gesetzlich&lt;/b&gt;" in html and ">gkv<" not in html
    assert "Rot, Blau" in html
    assert "Fieber" in html and "Husten" not in html
    assert '<th scope="row">Wartezeit</th><td>schlecht</td>' in html
    assert "<dd>Ja</dd>" in html
    assert "15.03.1980" in html and "01.05.2024 10:30" in html and "72,5" in html
    assert "Zeile 1<br>" in html and "Zeile &lt;2&gt;" in html
    assert '<img class="fd-signature" src="data:image/png;base64,iVBORw0KGgo="' in html
    assert "javascript:" not in html
    assert "&lt;befund&gt;.pdf" in html and "/u/1" not in html
    assert "<h3>Adresse</h3>" in html and "<h3>Anschrift</h3>" in html and "Hauptstr. 1" in html
    assert '<th scope="col">Wirkstoff</th>' in html and "Ibu&lt;profen&gt;" in html and "<td>400</td>" in html
    assert "s3cr3t" not in html and "Senden" not in html


def test_english() -> None:
    html = forms.load(DEFINITION).render_answers(DATA, lang="en")
    assert "<dd>Yes</dd>" in html and "03/15/1980" in html and "2024-05-01 10:30" in html and "72.5" in html


def test_junk_data_never_crashes() -> None:
    form = forms.load(DEFINITION)
    for data in (
        None,
        [],
        {
            "name": {"a": [1]},
            "sym": "x",
            "meds": "y",
            "docs": [1, None],
            "sat": 3,
            "color": {"x": 1},
            "born": 7,
            "addr": [],
            "sig": 5,
        },
    ):
        assert isinstance(form.render_answers(data), Markup)


def test_render_p50_under_5ms_for_40_fields() -> None:
    comps = [{"type": "textfield", "key": f"f{i}", "label": f"Feld {i}"} for i in range(30)]
    comps += [
        {"type": "radio", "key": f"r{i}", "label": f"R {i}", "values": [{"label": "Ja", "value": "y"}]}
        for i in range(10)
    ]
    form = forms.load({"components": comps})
    data = {f"f{i}": f"Wert {i} <b>" for i in range(30)} | {f"r{i}": "y" for i in range(10)}
    times = []
    for _ in range(50):
        t = time.perf_counter()
        form.render_answers(data)
        times.append(time.perf_counter() - t)
    assert statistics.median(times) < 0.005
