"""Nested forms that include another published questionnaire of the unit: pinned on publish, refused
with the designer's message (nothing stored), unit-isolated; answers and the export show the inner fields."""

from __future__ import annotations

import csv
import io

import pytest
from flask_babel import force_locale

from core.errors import InvalidInput
from core.models import Questionnaire, QuestionnaireVersion
from core.services import questionnaires as qs
from core.services import submission_export as ex
from core.services.audit import Actor

INNER = {"display": "form", "components": [
    {"type": "radio", "key": "allergie", "label": "Allergie?", "validate": {"required": True}, "values": [
        {"label": "Ja", "value": "yes"}, {"label": "Nein", "value": "no"}]},
    {"type": "textfield", "key": "welche", "label": "Welche Allergie"},
]}


def outer_definition(inner_id: str, **kw) -> dict:
    return {"display": "form", "components": [
        {"type": "textfield", "key": "anlass", "label": "Anlass"},
        {"type": "form", "key": "anamnese", "label": "Anamnese", "input": True, "form": inner_id,
         "reference": True, **kw},
    ]}


@pytest.fixture
def actor(owner):
    return Actor.staff(owner)


@pytest.fixture
def inner(app, unit, actor):
    with app.app_context():
        q = qs.create(actor, unit, name="Anamnese kurz", kind="anamnesis", definition=INNER)
        qs.publish(actor, q)
        return Questionnaire.objects.get(pk=q.pk)


def _message(exc: pytest.ExceptionInfo) -> str:
    with force_locale("de"):
        return str(exc.value)


def test_publish_pins_the_inner_version_and_a_new_inner_version_needs_a_republish(app, unit, actor, inner):
    with app.app_context():
        q = qs.create(actor, unit, name="Erstbesuch", kind="custom", definition=outer_definition(str(inner.pk)))
        v1 = qs.publish(actor, q)
        nested = v1.schema["components"][1]
        assert nested["form"] == str(inner.pk) and nested["revision"] == 1 and nested["reference"] is False
        assert [c["key"] for c in nested["components"]] == ["allergie", "welche"]
        assert q.reload().draft["components"][1].get("components") is None  # the draft keeps the reference

        # the inner questionnaire changes: the published outer version does not
        changed = {"components": [*INNER["components"], {"type": "textfield", "key": "neu", "label": "Neu"}]}
        qs.save_draft(actor, inner, changed)
        qs.publish(actor, inner)
        again = QuestionnaireVersion.objects.get(pk=v1.pk)
        assert [c["key"] for c in again.schema["components"][1]["components"]] == ["allergie", "welche"]
        assert "anamnese.data.neu" not in qs.form_for(again).data_paths()
        status = qs.nested_status(q)
        assert status == [{"key": "anamnese", "label": "Anamnese", "name": "Anamnese kurz",
                           "draft_revision": None, "latest": 2, "published": 1}]

        # publishing the outer one again takes the new inner version
        v2 = qs.publish(actor, q)
        assert v2.number == 2 and v2.schema["components"][1]["revision"] == 2
        assert "anamnese.data.neu" in qs.form_for(v2).data_paths()
        assert qs.nested_status(q)[0]["published"] == 2


def test_a_pinned_revision_in_the_draft_is_kept(app, unit, actor, inner):
    with app.app_context():
        qs.save_draft(actor, inner, {"components": [{"type": "number", "key": "n", "label": "N"}]})
        qs.publish(actor, inner)
        q = qs.create(actor, unit, name="Alt", kind="custom", definition=outer_definition(str(inner.pk), revision=1))
        v = qs.publish(actor, q)
        assert v.schema["components"][1]["revision"] == 1
        assert "anamnese.data.allergie" in qs.form_for(v).data_paths()


def test_submissions_validate_the_inner_fields_and_the_answers_and_export_show_their_labels(
        app, unit, actor, inner, make_customer):
    with app.app_context():
        q = qs.create(actor, unit, name="Erstbesuch", kind="custom", definition=outer_definition(str(inner.pk)))
        version = qs.publish(actor, q)
        customer = make_customer()
        with pytest.raises(qs.SubmissionInvalid) as bad:
            qs.submit(actor, customer=customer, version=version, data={"anlass": "x", "anamnese": {"data": {}}},
                      source="staff")
        assert list(bad.value.errors) == ["anamnese.data.allergie"]
        done = qs.submit(actor, customer=customer, version=version, source="staff",
                         data={"anlass": "Schnitt", "anamnese": {"data": {"allergie": "yes", "welche": "Nickel"},
                                                                 "metadata": {"x": 1}}})
        assert done.submission.data == {"anlass": "Schnitt",
                                        "anamnese": {"data": {"allergie": "yes", "welche": "Nickel"}}}
        html = str(qs.render_submission(done.submission, lang="de"))
        assert "Allergie?" in html and "Ja" in html and "Nickel" in html
        export = ex.export_submissions(Actor.system("test"), q, "csv", "de")
        header, row = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
        assert header[3:] == ["Anlass", "Anamnese › Allergie?", "Anamnese › Welche Allergie"]
        assert row[3:] == ["Schnitt", "Ja", "Nickel"]


def test_another_units_questionnaire_is_refused_and_nothing_is_stored(app, unit, make_unit, actor, inner):
    other_unit = make_unit(name="Anderer Salon")
    with app.app_context():
        foreign = qs.create(Actor.system(), other_unit, name="Fremd", kind="custom", definition=INNER)
        qs.publish(Actor.system(), foreign)
        q = qs.create(actor, unit, name="Erstbesuch", kind="custom",
                      definition={"components": [{"type": "textfield", "key": "a", "label": "A"}]})
        before = q.reload().draft
        with pytest.raises(InvalidInput) as exc:
            qs.save_draft(actor, q, outer_definition(str(foreign.pk)))
        message = _message(exc)
        assert "components[1].form" in message and "kein Fragebogen dieses Betriebs" in message
        assert "Fremd" not in message  # nothing about the other unit's questionnaire is told
        assert q.reload().draft == before
        with pytest.raises(InvalidInput):
            qs.create(actor, unit, name="Import", kind="custom", definition=outer_definition(str(foreign.pk)))
        assert not Questionnaire.objects(business_unit=unit, name="Import").count()
        # the list the builder offers never holds it
        assert [i["name"] for i in qs.includable(q)] == ["Anamnese kurz"]
        assert [i["name"] for i in qs.includable(foreign)] == []


@pytest.mark.parametrize(("case", "needle"), [
    ("unknown", "kein Fragebogen dieses Betriebs"),
    ("unpublished", "noch keine veröffentlichte Version"),
    ("archived", "archiviert"),
    ("revision", "Version 9"),
    ("self", "sich nicht selbst einbinden"),
    ("missing", "nennt keinen Fragebogen"),
])
def test_refusals_in_german_and_nothing_stored(app, unit, actor, inner, case, needle):
    with app.app_context():
        q = qs.create(actor, unit, name="Erstbesuch", kind="custom",
                      definition={"components": [{"type": "textfield", "key": "a", "label": "A"}]})
        target = str(inner.pk)
        extra = {}
        if case == "unknown":
            target = "0" * 24
        elif case == "unpublished":
            target = str(qs.create(actor, unit, name="Leer", kind="custom", definition=INNER).pk)
        elif case == "archived":
            qs.set_archived(actor, inner, True)
        elif case == "revision":
            extra = {"revision": 9}
        elif case == "self":
            target = str(q.pk)
        elif case == "missing":
            target = ""
        before = q.reload().draft
        with pytest.raises(InvalidInput) as exc:
            qs.save_draft(actor, q, outer_definition(target, **extra))
        assert needle in _message(exc)
        assert q.reload().draft == before
        # publishing a draft that holds the reference (stored before, e.g. by an older release) refuses too
        Questionnaire.objects(pk=q.pk).update_one(set__draft=outer_definition(target, **extra))
        with pytest.raises(InvalidInput) as exc:
            qs.publish(actor, q.reload())
        assert needle in _message(exc)
        assert not QuestionnaireVersion.objects(questionnaire=q).count()


def test_a_cycle_is_refused_and_not_offered(app, unit, actor, inner):
    with app.app_context():
        outer = qs.create(actor, unit, name="Erstbesuch", kind="custom", definition=outer_definition(str(inner.pk)))
        qs.publish(actor, outer)
        assert "Erstbesuch" not in [i["name"] for i in qs.includable(inner)]  # it includes inner already
        assert [i["name"] for i in qs.includable(outer)] == ["Anamnese kurz"]
        with pytest.raises(InvalidInput) as exc:
            qs.save_draft(actor, inner, {"components": [*INNER["components"], {
                "type": "form", "key": "zurueck", "label": "Zurück", "form": str(outer.pk)}]})
        assert "Erstbesuch einzubinden" in _message(exc) and "Zyklus" in _message(exc)
        assert qs.latest_version(inner).number == 1


def test_nesting_depth_is_limited(app, unit, actor):
    import forms

    with app.app_context():
        previous = qs.create(actor, unit, name="Ebene 0", kind="custom", definition=INNER)
        qs.publish(actor, previous)
        for level in range(1, forms.MAX_NESTING + 1):  # each includes the one before: "Ebene 3" is 3 deep
            previous = qs.create(actor, unit, name=f"Ebene {level}", kind="custom",
                                 definition={"components": [{"type": "form", "key": f"e{level}", "label": "E",
                                                             "form": str(previous.pk)}]})
            qs.publish(actor, previous)
        with pytest.raises(InvalidInput) as exc:
            qs.create(actor, unit, name="Zu tief", kind="custom",
                      definition={"components": [{"type": "form", "key": "tief", "label": "T",
                                                  "form": str(previous.pk)}]})
        assert "höchstens 3 Ebenen" in _message(exc)
        assert not Questionnaire.objects(business_unit=unit, name="Zu tief").count()
