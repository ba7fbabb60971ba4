"""The customer report is what a customer takes home: seven well-filled pages whatever the number of
categories and answers, answers with the questionnaire's labels, the signature as an image, and the
download named after the customer with umlauts intact."""

from __future__ import annotations

import base64
import io
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader

from core.models import Questionnaire, Report
from core.services import dialogs as service
from core.services import questionnaires as qs
from tests.conftest import csrf_token

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
OPTIONS = [{"label": "Schlecht", "value": "bad"}, {"label": "Geht so", "value": "ok"},
           {"label": "Sehr gut", "value": "good"}]


def signature_png() -> str:
    image = Image.new("RGB", (300, 100), "white")
    ImageDraw.Draw(image).line([(10, 80), (80, 20), (150, 70), (290, 15)], fill="black", width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def definition(questions: int) -> dict:
    components = [{"type": "radio", "key": f"q{i}", "label": f"Frage {i}: Wie geht es Ihnen im Bereich {i}?",
                   "input": True, "values": OPTIONS} for i in range(questions)]
    components += [
        {"type": "selectboxes", "key": "areas", "label": "Was belastet Sie?", "input": True,
         "values": [{"label": "Arbeit im Büro", "value": "work"}, {"label": "Familie", "value": "family"}]},
        {"type": "checkbox", "key": "consent", "label": "Ich bin einverstanden", "input": True},
        {"type": "textarea", "key": "note", "label": "Anmerkungen", "input": True},
        {"type": "signature", "key": "sig", "label": "Unterschrift der Kundin", "input": True},
        {"type": "button", "key": "submit", "label": "Senden", "action": "submit", "input": True},
    ]
    return {"display": "form", "components": components}


def scoring(questions: int, categories: int) -> dict:
    return {
        "categories": [{"key": f"c{k}", "label": f"Bereich Nummer {k} mit längerem Namen",
                        "description": "Wie es Ihnen in diesem Bereich geht.",
                        "thresholds": [{"min": 0, "level": "low"}, {"min": 3, "level": "high"}]}
                       for k in range(categories)],
        "levels": [{"key": "low", "label": "Gering"}, {"key": "high", "label": "Hoch"}],
        "points": [{"path": f"q{i}", "category": f"c{i % categories}", "values": {"bad": 4, "ok": 2, "good": 0}}
                   for i in range(questions)],
        "tips": {f"c{k}": {"high": [f"Tipp für Bereich {k}: kleine Schritte, jeden Tag."]} for k in range(categories)},
    }


@pytest.fixture
def report_for(app, unit, staff_actor, make_customer, owner_client):
    def make(categories: int, questions: int) -> tuple[bytes, str]:
        customer = make_customer(first_name="Jürgen", last_name="Müßig-Öztürk", email=f"j{categories}@example.com")
        with app.app_context():
            unit.update(set__settings__address="Hauptstraße 1, 10115 Berlin", set__settings__phone="+49 30 123456")
            q = qs.create(staff_actor, unit, name=f"Check {categories}", kind="survey",
                          definition=definition(questions))
            Questionnaire.objects(pk=q.pk).update_one(set__scoring=scoring(questions, categories))
            q.reload()
            version = qs.publish(staff_actor, q)
            then = datetime(2026, 3, 1, 10)
            earlier = service.start(staff_actor, customer, version, invite=False)
            service.complete(earlier, {f"q{i}": "good" for i in range(questions)}, now=then)
            dialog = service.start(staff_actor, customer, version, invite=False)
            answers = {f"q{i}": ("bad", "ok", "good")[i % 3] for i in range(questions)}
            answers.update(areas={"work": True, "family": False}, consent=True, note="Alles gut\nsoweit.",
                           sig=signature_png())
            dialog = service.complete(dialog, answers, now=then + timedelta(days=30))
        url = f"/admin/dialogs/dashboard?customer={customer.pk}"
        token = csrf_token(owner_client, url)
        owner_client.post("/admin/dialogs/report", data={"csrf_token": token, "dialog": str(dialog.pk),
                                                         "kind": "customer"})
        with app.app_context():
            report = Report.objects.get(dialog=dialog, kind="customer")
        assert report.status == "ready", report.error
        response = owner_client.get(f"/admin/dialogs/report/download?id={report.pk}")
        assert response.status_code == 200
        return response.data, response.headers["Content-Disposition"]

    return make


def _images(page) -> list:
    xobjects = (page["/Resources"].get("/XObject") or {})
    return [x.get_object() for x in xobjects.values() if x.get_object().get("/Subtype") == "/Image"]


@pytest.mark.parametrize(("categories", "questions"), [(1, 4), (3, 9), (12, 40)])
def test_seven_well_filled_pages_with_labels_and_the_signature(report_for, categories, questions):
    pdf, disposition = report_for(categories, questions)
    if ARTIFACTS.is_dir():  # for people to look at (gitignored)
        (ARTIFACTS / f"report-{categories}-categories.pdf").write_bytes(pdf)
    reader = PdfReader(io.BytesIO(pdf))
    texts = [p.extract_text() for p in reader.pages]
    text = "\n".join(texts)
    assert len(reader.pages) == 7
    assert "data:image" not in text and "base64" not in text
    # option labels, not the stored values
    assert "Schlecht" in text and "Geht so" in text and "Arbeit im Büro" in text and "Ja" in texts[3]
    for raw in ("bad", "good", "work", "True"):
        assert f" {raw}\n" not in texts[3] and f"\n{raw}\n" not in texts[3], raw
    # every page carries its share: no nearly empty pages
    assert min(len(t.split()) for t in texts) >= 25, [len(t.split()) for t in texts]
    assert "Unterschrift der Kundin" in texts[3] and _images(reader.pages[3]), "the signature is an image"
    assert "Tipp für Bereich 0" in texts[4] and "Hauptstraße 1" in texts[6]
    # the download keeps the umlauts (RFC 6266 filename*), with an ASCII fallback
    assert "filename*=UTF-8''" + quote("customer-Müßig-Öztürk") in disposition
    assert "filename=customer-M" in disposition
