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


def test_delete_erases_every_audit_event_that_names_the_customer(app, unit, make_customer, make_user, owner):
    """Portal account, enrolment, login, document upload, dialog start and completion, staff edits: after
    deleting the customer no audit event carries their name, e-mail, username, file names or ids."""
    import copy

    from core.models import AuditEvent
    from core.services import dialogs, documents, portal
    from core.services import questionnaires as qs
    from tests.dialogs.conftest import ANSWERS, DEFINITION
    from tests.portal.conftest import PDF_BYTES, PORTAL_PASSWORD

    staff = Actor.staff(owner)
    other = make_customer(first_name="Bleibt", last_name="Hier", email="hier@example.com")
    customer = make_customer(first_name="Wiebke", last_name="Wunderlich", email="wiebke@example.com",
                             portal_enabled=True)
    with app.app_context():
        unit.update(add_to_set__features="portal")
        customer.reload()
        account, _ = portal.create_account(staff, customer, name="Wiebke W.", username="wiebke.w",
                                           password=PORTAL_PASSWORD, permissions=["documents"])
        token = portal.issue_enrolment(staff, account)
        portal.revoke_enrolment(staff, account)
        portal.set_account_active(staff, account, False)
        portal.set_account_active(staff, account, True)
        portal.password_login(unit.reload(), "wiebke.w", PORTAL_PASSWORD)
        doc = documents.store(staff, customer, PDF_BYTES, "Befund-Wunderlich.pdf", project=None,
                              uploaded_by="staff")
        q = qs.create(staff, unit, name="Schlaf-Check", kind="survey", definition=copy.deepcopy(DEFINITION))
        dialog = dialogs.start(staff, customer, qs.publish(staff, q), invite=False)
        dialogs.complete(dialog, dict(ANSWERS))
        record_change(staff, other, {"email": None})  # an event of another customer stays
        needles = [customer.last_name, customer.full_name, "wiebke@example.com", "wiebke.w", "Befund-Wunderlich",
                   str(customer.pk), str(account.pk), str(doc.pk), str(dialog.pk), token]
        assert len([e for e in AuditEvent.objects if _mentions(e.to_mongo(), needles)]) >= 8
        unrelated = {e.pk for e in AuditEvent.objects if not _mentions(e.to_mongo(), needles)}

        delete_customer(staff, customer)
        left = [e.to_mongo().to_dict() for e in AuditEvent.objects]
        kept = [e for e in left if not (e["action"] == "delete" and e.get("object_id") == str(customer.pk))]
        assert [e for e in kept if _mentions(e, needles)] == []
        deletion_event = [e for e in left if e not in kept]
        assert len(deletion_event) == 1 and not _mentions(deletion_event[0], needles[:5])
        assert AuditEvent.objects(object_type="customers", object_id=str(other.pk)).count() == 1
        assert unrelated <= {e["_id"] for e in kept}  # events about others (questionnaires, ...) are untouched
        assert {"questionnaires"} <= {e["object_type"] for e in kept}
