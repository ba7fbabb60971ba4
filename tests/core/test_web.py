"""core.web.read_json: limits checked before parsing, storable values only, translated 4xx answers."""

from __future__ import annotations

import json

import pytest

from core import web


def _read(app, body: str | bytes, content_type="application/json", **config):
    app.config.update(config)
    with app.test_request_context("/x", method="POST", data=body, content_type=content_type):
        return web.read_json()


def test_plain_json_is_read(app):
    assert _read(app, '{"data": {"a": [1, 2.5, "x", null, true]}}') == {"data": {"a": [1, 2.5, "x", None, True]}}
    assert _read(app, "not json", content_type="text/plain") is None  # not a JSON request


def test_nesting_is_limited_before_parsing(app):
    ok = "[" * 32 + "]" * 32
    assert _read(app, ok) is not None
    for deep in ("[" * 33 + "]" * 33, "[" * 100_000 + "]" * 100_000, '{"a": ' * 2000 + "1" + "}" * 2000):
        with pytest.raises(web.JSONRefused) as exc:
            _read(app, deep)
        assert exc.value.status == 400
    assert _read(app, json.dumps({"text": "[[[[" * 100})) == {"text": "[[[[" * 100}  # brackets in strings


@pytest.mark.parametrize("body", ['{"n": 9223372036854775808}', '{"n": -9223372036854775809}',
                                  '{"n": 123456789012345678901234567890}', '{"x": NaN}', '{"x": Infinity}',
                                  '{"x": -Infinity}', '{"x": 1e400}', "{not json", b'{"x": "\xff"}'])
def test_unstorable_or_malformed_values_are_refused(app, body):
    with pytest.raises(web.JSONRefused):
        _read(app, body)


def test_int64_bounds_are_accepted(app):
    assert _read(app, '{"n": 9223372036854775807, "m": -9223372036854775808}') == {"n": 2**63 - 1, "m": -(2**63)}


def test_size_is_limited(app):
    with pytest.raises(web.JSONTooLarge) as exc:
        _read(app, json.dumps({"a": "x" * 2000}), JSON_MAX_BYTES=1000)
    assert exc.value.status == 413


def test_refusals_are_translated_4xx(app, client):
    """On a form view a JSON body is refused before the view runs; the message is German by default."""
    from tests.conftest import csrf_token

    token = csrf_token(client, "/admin/login")
    r = client.post("/admin/login", data="[1]", content_type="application/json", headers={"X-CSRFToken": token})
    assert r.status_code == 415 and r.get_json() == {"error": "Diese Adresse nimmt Formulardaten an, kein JSON."}
    with app.test_request_context("/x", method="POST", data="[" * 50 + "]" * 50, content_type="application/json"):
        with pytest.raises(web.JSONRefused) as exc:
            web.read_json()
        assert exc.value.message == "Die Daten konnten nicht gelesen werden."


# --- ids in URLs: get_or_404 over UnitQuerySet --------------------------------------------------

@pytest.fixture(params=["mongomock", "embedded"])
def backend_app(request, tmp_path):
    """The app on each store the product runs on in tests: mongomock and the embedded store."""
    import mongoengine

    from tests.conftest import make_app

    app = make_app(tmp_path, **({} if request.param == "mongomock" else {"MONGODB_URI": ""}))
    yield app
    mongoengine.disconnect()


def test_get_or_404_answers_malformed_foreign_and_missing_ids_alike(backend_app):
    from bson import ObjectId
    from werkzeug.exceptions import NotFound

    from core.models import BusinessUnit, Customer

    with backend_app.app_context():
        mine = BusinessUnit(name="Mein Salon", slug="mein-salon").save()
        other = BusinessUnit(name="Anderer Salon", slug="anderer-salon").save()
        customer = Customer(business_unit=mine, first_name="Erika", last_name="Muster").save()
        foreign = Customer(business_unit=other, first_name="Fritz", last_name="Fremd").save()
        with backend_app.test_request_context("/x"):
            assert web.get_or_404(Customer, unit=mine, pk=str(customer.pk)) == customer
            assert web.get_or_404(Customer.objects(last_name="Muster"), unit=mine, pk=customer.pk) == customer
            cases = {"malformed": "not-an-id", "other unit": str(foreign.pk), "missing": str(ObjectId())}
            for raw in (*cases.values(), "", None, "f" * 65, "{'$ne': null}"):
                with pytest.raises(NotFound):
                    web.get_or_404(Customer, unit=mine, pk=raw)
                assert Customer.objects.of_unit(mine).get_or_none(pk=raw) is None
            # a malformed reference in another filter is "not found" too, never an exception
            assert Customer.objects.get_or_none(pk=str(customer.pk), business_unit="nope") is None
            assert list(Customer.objects.with_ids([str(customer.pk), "nope", 12])) == [customer]


def test_same_unit_refuses_another_units_document_as_not_found(app, unit, make_unit, make_customer):
    from core.errors import NotFound
    from core.services.audit import Actor, same_unit

    actor = Actor("staff", "1", "Staff", str(unit.pk))
    with app.app_context():
        same_unit(actor, make_customer())
        same_unit(actor, unit)
        same_unit(Actor.system(), make_customer(business_unit=make_unit()))
        with pytest.raises(NotFound):
            same_unit(actor, make_customer(business_unit=make_unit()))
        with pytest.raises(NotFound):
            same_unit(actor, make_unit())


def test_request_lang_is_en_or_de(app):
    for chosen, lang in (("en", "en"), ("de", "de"), ("fr", "de")):
        with app.test_request_context(f"/x?lang={chosen}"):
            assert web.request_lang() == lang


# --- enqueue: by name, eager in tests, send_task otherwise ---------------------------------------

def test_enqueue_runs_the_registered_task_when_eager(app):
    from core.celery_app import enqueue
    from core.models import OutboxMessage

    with app.app_context():
        msg = OutboxMessage(channel="email", to="a@example.com", subject="Hallo", body="Text").save()
        result = enqueue("tasks.mail.deliver", msg.pk)
        assert result.get() == "stored"  # no SMTP host configured: kept in the outbox
        assert OutboxMessage.objects.get(pk=msg.pk).status == "stored"
        with pytest.raises(KeyError):
            enqueue("tasks.nope")


def test_enqueue_sends_by_name_with_string_ids_otherwise(app, monkeypatch):
    from bson import ObjectId

    from core.celery_app import enqueue

    celery = app.extensions["celery"]
    sent = []
    monkeypatch.setattr(celery, "send_task", lambda name, args: sent.append((name, args)))
    oid = ObjectId()
    celery.conf.task_always_eager = False
    try:
        with app.app_context():
            enqueue("tasks.reports.render", oid)
    finally:
        celery.conf.task_always_eager = True
    assert sent == [("tasks.reports.render", [str(oid)])]
