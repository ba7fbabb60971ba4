"""Questionnaires: publish-time lint, immutable versions, mapping write-back, consent, answers."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path

import pytest
from mongoengine import OperationError

import forms
from core.errors import Conflict, InvalidInput
from core.models import AuditEvent, Customer, QuestionnaireVersion, Submission
from core.services import questionnaires as qs
from core.services.audit import Actor

SAMPLES = Path(__file__).resolve().parents[2] / "seed" / "questionnaires"


def sample(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))


@pytest.fixture
def actor(owner):
    return Actor.staff(owner)


@pytest.fixture
def master(app, unit, actor):
    with app.app_context():
        s = sample("stammdatenpflege")
        q = qs.create(actor, unit, name=s["name"], kind=s["kind"], definition=s["schema"])
        return q, qs.publish(actor, q)


def test_publish_freezes_an_immutable_version(app, master, actor):
    q, v1 = master
    with app.app_context():
        assert v1.number == 1 and len(v1.sha256) == 64 and v1.renderer_version == "5.6.0"
        assert v1.sha256 == qs.sha256(v1.schema)
        with pytest.raises(Conflict):
            qs.publish(actor, q)  # nothing changed
        draft = copy.deepcopy(q.draft)
        draft["components"][2]["columns"][0]["components"][0]["label"] = "Rufname"
        assert qs.save_draft(actor, q, draft) == []
        v2 = qs.publish(actor, q)
        assert v2.number == 2 and v2.sha256 != v1.sha256
        again = QuestionnaireVersion.objects.get(pk=v1.pk)
        assert "Vorname" in json.dumps(again.schema, ensure_ascii=False)
        again.schema = {"components": []}
        with pytest.raises(OperationError):
            again.save()


@pytest.mark.parametrize(("change", "needle"), [
    # JavaScript that does not compile (JavaScript that does is published: test_questionnaire_code.py)
    ({"type": "textfield", "key": "x", "customConditional": "show = ("}, "customConditional"),
    ({"type": "textfield", "key": "x", "validate": {"custom": "valid = )"}}, "custom"),
    ({"type": "textfield", "key": "x", "calculateValue": "value = ]"}, "calculateValue"),
    ({"type": "textfield", "key": "x", "logic": [{"name": "l"}]}, "logic"),
    ({"type": "unknownwidget", "key": "x"}, "unknownwidget"),
    ({"type": "textfield", "key": "x", "properties": {"customerField": "password_hash"}}, "customerField"),
    ({"type": "number", "key": "x", "properties": {"customerField": "email"}}, "email"),
])
def test_publish_refuses_forbidden_features_with_their_path(app, unit, actor, change, needle):
    with app.app_context():
        q = qs.create(actor, unit, name="Test", kind="custom",
                      definition={"components": [{"type": "textfield", "key": "a", "label": "A"}]})
        definition = {"components": [{"type": "textfield", "key": "a", "label": "A"}, change]}
        code = forms.refused_code(definition) is not None
        if code:  # refused code is refused before it is stored (see test_code_is_refused_everywhere)
            with pytest.raises(InvalidInput) as exc:
                qs.save_draft(actor, q, definition)
        else:
            qs.save_draft(actor, q, definition)
            with pytest.raises(InvalidInput) as exc:
                qs.publish(actor, q)
        message = exc.value.message
        # lint problems name the definition path, mapping problems the component's data path
        assert needle in message and ("components[1]" in message or message.startswith("x:")), message
        assert QuestionnaireVersion.objects.count() == 0


@pytest.mark.parametrize("raw", ["{nope", "[]", '{"components": "x"}', '{"components": [], "$where": 1}',
                                 '{"components": [{"type": "textfield", "key": "a", "properties": {"a.b": 1}}]}'])
def test_bad_definitions_are_refused(app, unit, actor, raw):
    with app.app_context():
        q = qs.create(actor, unit, name="Leer", kind="custom")
        with pytest.raises(InvalidInput):
            qs.save_draft(actor, q, raw)


def test_sample_questionnaires_are_seeded_and_published(app, unit):
    with app.app_context():
        from seed.questionnaires import load_samples

        assert load_samples(unit) == 4
        assert load_samples(unit) == 0
        kinds = {q.kind for q, _ in qs.published_for_unit(unit)}
        assert kinds == {"master_data", "consent", "anamnesis", "survey"}


def test_prefill_and_write_back(app, master, make_customer, actor):
    _q, version = master
    customer = make_customer(first_name="Jürgen", last_name="Müller", email="j@example.com",
                             phone="+49301234567", birthday=date(1970, 5, 17))
    with app.app_context():
        prefill = qs.prefill_for(version, customer)
        assert prefill["firstName"] == "Jürgen" and prefill["birthday"] == "17/05/1970"
        assert prefill["phone"] == "+49301234567"
        data = {**prefill, "lastName": "Müller-Lüdenscheidt", "phone": "0151 23456789", "city": "Köln",
                "unknownKey": "dropped"}
        outcome = qs.submit(Actor("device", "d1", "Tablet 1"), customer=customer, version=version, data=data,
                            source="kiosk", source_label="Tablet 1", prefill=prefill)
        again = Customer.objects.get(pk=customer.pk)
        assert again.last_name == "Müller-Lüdenscheidt" and again.last_name_key == "muller-ludenscheidt"  # DIN 5007
        assert again.phone == "+4915123456789" and again.address.city == "Köln" and again.email == "j@example.com"
        assert set(outcome.changes) == {"last_name", "phone", "address.city"}
        event = AuditEvent.objects.get(object_type="customers", action="update")
        assert event.summary == "changed by the customer on Tablet 1" and event.actor_kind == "device"
        assert event.before == {"last_name": "Müller", "phone": "+49301234567", "address.city": None}
        sub = Submission.objects.get()
        assert sub.version_number == 1 and sub.source == "kiosk" and "unknownKey" not in sub.data
        assert sub.prefill == prefill and sub.applied_changes["phone"]["after"] == "+4915123456789"
        html = str(qs.render_submission(sub))
        assert "Müller-Lüdenscheidt" in html and "Nachname" in html


@pytest.mark.parametrize(("changes", "path"), [
    ({"phone": "kein Telefon"}, "phone"),
    ({"email": "nicht@"}, "email"),
    ({"firstName": ""}, "firstName"),
    ({"lastName": "x" * 101}, "lastName"),
    ({"birthday": "31/02/1980"}, "birthday"),
    ({"salutation": "king"}, "salutation"),
])
def test_bad_mapped_values_change_nothing(app, master, make_customer, actor, changes, path):
    _q, version = master
    customer = make_customer(first_name="Anna", last_name="Alt", email="anna@example.com")
    with app.app_context():
        prefill = qs.prefill_for(version, customer)
        with pytest.raises(qs.SubmissionInvalid) as exc:
            qs.submit(actor, customer=customer, version=version, data={**prefill, "city": "Bonn", **changes},
                      source="staff", prefill=prefill)
        assert path in exc.value.errors
        assert any(e["context"]["path"] == path or path in str(e["path"]) for e in exc.value.renderer_errors)
        again = Customer.objects.get(pk=customer.pk)
        assert (again.first_name, again.last_name, again.address.city) == ("Anna", "Alt", None)
        assert Submission.objects.count() == 0 and AuditEvent.objects(object_type="customers").count() == 0


def test_duplicate_email_changes_nothing(app, master, make_customer, actor):
    _q, version = master
    make_customer(email="belegt@example.com")
    customer = make_customer(first_name="Anna", last_name="Alt", email="anna@example.com")
    with app.app_context():
        prefill = qs.prefill_for(version, customer)
        with pytest.raises(qs.SubmissionInvalid) as exc:
            qs.submit(actor, customer=customer, version=version,
                      data={**prefill, "email": "belegt@example.com", "city": "Bonn"}, source="staff")
        assert "email" in exc.value.errors
        assert Customer.objects.get(pk=customer.pk).email == "anna@example.com"
        assert Submission.objects.count() == 0


def test_consent_stores_text_hash_answer_and_time(app, unit, make_customer, actor):
    customer = make_customer()
    with app.app_context():
        s = sample("datenschutzeinwilligung")
        q = qs.create(actor, unit, name=s["name"], kind=s["kind"], definition=s["schema"])
        version = qs.publish(actor, q)
        png = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQ"
               "AAAABJRU5ErkJggg==")
        with pytest.raises(qs.SubmissionInvalid):
            qs.submit(actor, customer=customer, version=version, data={"signature": png}, source="portal")
        outcome = qs.submit(actor, customer=customer, version=version,
                            data={"consentProcessing": True, "consentNewsletter": False, "signature": png},
                            source="portal")
        consents = {c.key: c for c in outcome.submission.consents}
        assert consents["consentProcessing"].answer is True and consents["consentNewsletter"].answer is False
        assert "widerrufen" in consents["consentProcessing"].text
        import hashlib

        assert consents["consentProcessing"].text_sha256 == hashlib.sha256(
            consents["consentProcessing"].text.encode()).hexdigest()


def test_submission_for_another_units_version_is_refused(app, master, make_unit, make_customer, actor):
    _q, version = master
    foreign = make_customer(business_unit=make_unit())
    with app.app_context():
        from core.errors import NotFound

        with pytest.raises(NotFound):
            qs.submit(actor, customer=foreign, version=version, data={}, source="staff")


def test_delete_customer_removes_submissions(app, master, make_customer, actor):
    _q, version = master
    customer = make_customer(first_name="Anna", last_name="Alt")
    with app.app_context():
        prefill = qs.prefill_for(version, customer)
        qs.submit(actor, customer=customer, version=version, data=prefill, source="staff")
        from core.services.deletion import delete_customer

        counts = delete_customer(actor, customer)
        assert counts["submissions"] == 1 and Submission.objects.count() == 0
