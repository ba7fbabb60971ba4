"""Deleting a customer removes everything of theirs from every collection."""

from __future__ import annotations

from bson import ObjectId

from core.db import get_db
from core.models import Customer, OutboxMessage
from core.services.audit import Actor, record_change
from core.services.deletion import delete_customer, register_customer_data, registered


def _mentions(value, needles) -> bool:
    text = repr(value)
    return any(n in text for n in needles)


def test_delete_cascade_leaves_nothing(app, make_appointment, make_customer, owner):
    keep = make_customer(last_name="Bleibt", email="bleibt@example.com")
    appt = make_appointment(notes="Allergie gegen Färbemittel")
    customer = appt.customer
    with app.app_context():
        customer.update(set__email="weg@example.com")
        customer.reload()
        record_change(Actor.staff(owner), customer, {"email": None})
        OutboxMessage(to="weg@example.com", body="Hallo", customer_id=str(customer.pk)).save()
        counts = delete_customer(Actor.staff(owner), customer)
        assert counts["appointments"] == 1 and counts["outbox"] == 1
        needles = [str(customer.pk), customer.last_name, "weg@example.com", "Färbemittel"]
        db = get_db()
        leftovers = []
        for name in db.list_collection_names():
            for doc in db[name].find():
                if name == "audit_events" and doc.get("action") == "delete" and doc.get("object_id") == str(
                        customer.pk):
                    # the deletion itself is recorded: id and counts, no personal data
                    assert not _mentions(doc, needles[1:])
                    continue
                if _mentions(doc, needles) or ObjectId(str(customer.pk)) in doc.values():
                    leftovers.append((name, doc))
        assert leftovers == []
        assert Customer.objects(pk=keep.pk).count() == 1


def test_modules_register_their_data():
    assert {"appointments", "outbox"} <= set(registered())
    register_customer_data("appointments", registered and (lambda c: 0))
    # re-registering by name replaces, never duplicates
    assert registered().count("appointments") == 1
    from core.services import deletion

    deletion.register_customer_data("appointments", deletion._appointments)
