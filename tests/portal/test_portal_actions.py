"""The one evaluator of portal actions: every condition kind, true and false; require() on POST; the
"at most once" claim; the model's own rules; the survey invitation after a job (exactly once)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from mongoengine import ValidationError as MEValidationError

from core.errors import Conflict, Forbidden, InvalidInput, NotFound
from core.models import ActivityType, Appointment, OutboxMessage, PortalAction, PortalActionRecord
from core.services import portal_actions
from core.services.audit import Actor
from core.signals import announce, appointment_state

START = datetime(2030, 3, 4, 9, 0)  # 10:00 in Berlin


@pytest.fixture
def activity(app, portal_unit):
    with app.app_context():
        return ActivityType(business_unit=portal_unit, name="Hausbesuch", duration_minutes=60,
                            portal_visible=True).save()


@pytest.fixture
def customer(make_portal_customer):
    return make_portal_customer(email="kunde@example.com", tags=["stamm"])


@pytest.fixture
def appointment(app, portal_unit, customer, activity, make_appointment):
    return make_appointment(business_unit=portal_unit, customer=customer, activity_type=activity, start=START,
                            end=START + timedelta(hours=1))


@pytest.fixture
def make_action(app, portal_unit, activity):
    def factory(kind="cancel", **kw):
        kw.setdefault("label", kind.title())
        with app.app_context():
            return PortalAction(business_unit=portal_unit, activity_type=kw.pop("activity_type", activity), kind=kind,
                                **kw).save()

    return factory


def _refusal(app, action, customer, appointment=None, now=START - timedelta(days=3)):
    with app.app_context():
        action.reload()
        customer.reload()
        if appointment is not None:
            appointment.reload()
        return portal_actions.refusal(action, customer, appointment, now=now)


def test_no_conditions_allowed(app, make_action, customer, appointment):
    assert _refusal(app, make_action("cancel"), customer, appointment) is None


def test_activity_type_not_in_portal_or_action_inactive_hides_it(app, make_action, customer, appointment, activity):
    action = make_action("cancel")
    assert _refusal(app, make_action("cancel", active=False), customer, appointment) == "hidden"
    with app.app_context():
        activity.update(set__portal_visible=False)
    assert _refusal(app, action, customer, appointment) == "hidden"


def test_status_condition(app, make_action, customer, appointment):
    action = make_action("upload", statuses=["running"])
    assert _refusal(app, action, customer, appointment) == "status"
    with app.app_context():
        appointment.update(set__status="running")
    assert _refusal(app, action, customer, appointment) is None


def test_kind_rules_cancel_needs_planned_survey_needs_done(app, make_action, customer, appointment, master_data):
    cancel = make_action("cancel")
    survey = make_action("survey", questionnaire=master_data.questionnaire)
    assert _refusal(app, survey, customer, appointment) == "status"
    with app.app_context():
        appointment.update(set__status="done", set__done_at=START + timedelta(hours=1))
    after = START + timedelta(days=1)
    assert _refusal(app, cancel, customer, appointment, now=after) == "status"
    assert _refusal(app, survey, customer, appointment, now=after) is None
    with app.app_context():
        appointment.update(set__status="cancelled")
    assert _refusal(app, make_action("upload"), customer, appointment) == "status"  # default: not when cancelled
    assert _refusal(app, make_action("upload", statuses=["cancelled"]), customer, appointment) is None


def test_reschedule_and_cancel_end_at_the_start(app, make_action, customer, appointment):
    action = make_action("reschedule")
    assert _refusal(app, action, customer, appointment, now=START - timedelta(minutes=1)) is None
    assert _refusal(app, action, customer, appointment, now=START) == "too_late"


def test_latest_hours_before_start(app, make_action, customer, appointment):
    """Cancel only up to 24 h before: 25 h before yes, 23 h before no."""
    action = make_action("cancel", latest_hours_before=24)
    assert _refusal(app, action, customer, appointment, now=START - timedelta(hours=25)) is None
    assert _refusal(app, action, customer, appointment, now=START - timedelta(hours=24)) is None
    assert _refusal(app, action, customer, appointment, now=START - timedelta(hours=23)) == "too_late"


def test_earliest_hours_before_start_negative_means_after(app, make_action, customer, appointment):
    """Upload photos from 2 h before until 3 h after the start."""
    action = make_action("upload", earliest_hours_before=2, latest_hours_before=-3)
    assert _refusal(app, action, customer, appointment, now=START - timedelta(hours=3)) == "too_early"
    assert _refusal(app, action, customer, appointment, now=START - timedelta(hours=1)) is None
    assert _refusal(app, action, customer, appointment, now=START + timedelta(hours=2)) is None
    assert _refusal(app, action, customer, appointment, now=START + timedelta(hours=4)) == "too_late"


def test_within_days_after_done(app, make_action, customer, appointment):
    action = make_action("upload", days_after_done=7)
    assert _refusal(app, action, customer, appointment) == "done"  # not done yet
    with app.app_context():
        appointment.update(set__status="done", set__done_at=START + timedelta(hours=2))
    assert _refusal(app, action, customer, appointment, now=START + timedelta(days=6)) is None
    assert _refusal(app, action, customer, appointment, now=START + timedelta(days=8)) == "done"


def test_done_before_it_was_recorded_counts_from_the_end(app, make_action, customer, appointment):
    action = make_action("upload", days_after_done=1)
    with app.app_context():
        appointment.update(set__status="done")
    assert _refusal(app, action, customer, appointment, now=START + timedelta(hours=20)) is None
    assert _refusal(app, action, customer, appointment, now=START + timedelta(hours=26)) == "done"


def test_at_most_once(app, make_action, customer, appointment):
    action = make_action("upload", once=True)
    assert _refusal(app, action, customer, appointment) is None
    with app.app_context():
        claim = portal_actions.claim_use(action, appointment)
        with pytest.raises(Conflict):
            portal_actions.claim_use(action, appointment)  # the unique index refuses the second use
    assert _refusal(app, action, customer, appointment) == "once"
    with app.app_context():
        portal_actions.release_use(claim)
    assert _refusal(app, action, customer, appointment) is None
    with app.app_context():
        assert portal_actions.claim_use(make_action("upload"), appointment) is None  # no condition: no claim


def test_customer_tag(app, make_action, customer, appointment, make_portal_customer):
    assert _refusal(app, make_action("cancel", required_tag="stamm"), customer, appointment) is None
    assert _refusal(app, make_action("cancel", required_tag="vip"), customer, appointment) == "tag"
    assert _refusal(app, make_action("book", required_tag="vip"), customer) == "tag"
    assert _refusal(app, make_action("book", required_tag="stamm"), customer) is None


def test_another_customers_or_types_appointment(app, make_action, customer, appointment, make_portal_customer,
                                                make_appointment, portal_unit):
    other = make_portal_customer(email="andere@example.com")
    assert _refusal(app, make_action("cancel"), other, appointment) == "appointment"
    with app.app_context():
        massage = ActivityType(business_unit=portal_unit, name="Massage", portal_visible=True).save()
    assert _refusal(app, make_action("cancel", activity_type=massage), customer, appointment) == "appointment"
    assert _refusal(app, make_action("book"), customer, appointment) == "appointment"
    assert _refusal(app, make_action("cancel"), customer, None) == "appointment"


def test_another_units_action(app, make_action, make_unit, make_customer, appointment):
    stranger = make_customer(business_unit=make_unit(features=["portal"]), portal_enabled=True)
    assert _refusal(app, make_action("book"), stranger) == "unit"


def test_require_on_post(app, make_action, customer, appointment, make_unit):
    cancel = make_action("cancel", latest_hours_before=24)
    with app.app_context():
        customer.reload()
        appointment.reload()
        early = START - timedelta(days=2)
        assert portal_actions.require(customer, str(cancel.pk), kinds=("cancel",), appointment=appointment,
                                      now=early).pk == cancel.pk
        with pytest.raises(Forbidden):
            portal_actions.require(customer, str(cancel.pk), kinds=("cancel",), appointment=appointment,
                                   now=START - timedelta(hours=2))
        for bad in ("nonsense", "0" * 24, str(appointment.pk)):
            with pytest.raises(NotFound):
                portal_actions.require(customer, bad, kinds=("cancel",), appointment=appointment, now=early)
        with pytest.raises(NotFound):  # the id of another kind
            portal_actions.require(customer, str(cancel.pk), kinds=("reschedule",), appointment=appointment,
                                   now=early)


def test_actions_for_and_bookable_list_only_what_is_allowed(app, make_action, customer, appointment, activity):
    cancel = make_action("cancel", latest_hours_before=24, position=2)
    upload = make_action("upload", position=1)
    make_action("reschedule", required_tag="vip")
    book = make_action("book")
    with app.app_context():
        customer.reload()
        appointment.reload()
        shown = portal_actions.actions_for(customer, appointment, now=START - timedelta(days=2))
        assert [a.pk for a in shown] == [upload.pk, cancel.pk]
        shown = portal_actions.actions_for(customer, appointment, now=START - timedelta(hours=2))
        assert [a.pk for a in shown] == [upload.pk]
        assert [a.pk for a in portal_actions.bookable(customer)] == [book.pk]
        activity.update(set__portal_visible=False)
        assert portal_actions.bookable(customer) == []


def _errors(exc) -> dict:
    return exc.value.to_dict().get("__all__", {})  # clean()'s errors


def test_model_rules(app, portal_unit, activity, make_unit):
    with app.app_context():
        with pytest.raises(MEValidationError) as exc:
            PortalAction(business_unit=portal_unit, activity_type=activity, kind="book", label="Buchen",
                         statuses=["planned"]).save()
        assert "kind" in _errors(exc)
        with pytest.raises(MEValidationError) as exc:
            PortalAction(business_unit=portal_unit, activity_type=activity, kind="survey", label="Umfrage").save()
        assert "questionnaire" in _errors(exc)
        with pytest.raises(MEValidationError) as exc:
            PortalAction(business_unit=portal_unit, activity_type=activity, kind="cancel", label="Absagen",
                         earliest_hours_before=10, latest_hours_before=24).save()
        assert "latest_hours_before" in _errors(exc)
        other = make_unit()
        with pytest.raises(MEValidationError) as exc:
            PortalAction(business_unit=other, activity_type=activity, kind="cancel", label="Absagen").save()
        assert "activity_type" in _errors(exc)


def test_save_action_refuses_an_unpublished_or_foreign_questionnaire(app, portal_unit, activity, owner, make_unit):
    from core.models import Questionnaire

    with app.app_context():
        draft = Questionnaire(business_unit=portal_unit, name="Nur Entwurf").save()
        with pytest.raises(InvalidInput) as exc:
            portal_actions.save_action(Actor.staff(owner), activity, {"kind": "survey", "label": "Umfrage",
                                                                      "questionnaire": draft})
        assert "questionnaire" in exc.value.field_errors
        with pytest.raises(InvalidInput) as exc:
            portal_actions.save_action(Actor.staff(owner), activity, {"kind": "book", "label": "Buchen",
                                                                      "once": True})
        assert "kind" in exc.value.field_errors
        assert PortalAction.objects.count() == 0


def test_portal_texts_placeholders(app, activity, customer, appointment):
    with app.app_context():
        with pytest.raises(InvalidInput):
            portal_actions.check_texts("Hallo {{ customer.password }}", "")
        portal_actions.check_texts("{{ customer.first_name }} bei {{ unit.name }}", "Am {{ appointment.date }}")
        activity.update(set__portal_title="Besuch für {{ customer.first_name }}",
                        set__portal_description="<b>Am</b> {{ appointment.date }}")
        activity.reload()
        customer.reload()
        appointment.reload()
        title, description = portal_actions.portal_texts(activity, customer, appointment, "de")
        assert title == f"Besuch für {customer.first_name}"
        assert "&lt;b&gt;Am&lt;/b&gt; Montag, 4. März 2030" in str(description)
        title, description = portal_actions.portal_texts(activity, customer, None, "de")
        assert str(description) == "&lt;b&gt;Am&lt;/b&gt; "


# --- surveys after a job ------------------------------------------------------------------------------

@pytest.fixture
def survey_action(make_action, master_data):
    return make_action("survey", label="Wie war's?", questionnaire=master_data.questionnaire, days_after_done=14)


def _mark_done(app, appointment, status="done"):
    with app.app_context():
        appt = Appointment.objects.get(pk=appointment.pk)
        before = appointment_state(appt)
        appt.status = status
        appt.save()
        return announce(appt, before, actor=Actor.system(), source="admin")


def test_survey_invitation_exactly_once(app, survey_action, appointment, customer):
    _mark_done(app, appointment)
    _mark_done(app, appointment, "running")
    _mark_done(app, appointment)
    with app.app_context():
        from core.services import surveys

        surveys.became_done(Appointment.objects.get(pk=appointment.pk))  # a redelivered signal
        mails = OutboxMessage.objects(to="kunde@example.com", idempotency_key__startswith="survey:")
        assert mails.count() == 1
        assert f"/portal/appointments/{appointment.pk}" in mails.first().body
        assert "Wie war's?" in mails.first().body
        assert PortalActionRecord.objects(appointment=appointment, what="invited").count() == 1
        assert Appointment.objects.get(pk=appointment.pk).done_at is not None


def test_the_app_listens_for_done_appointments(app):
    from blinker import ANY

    from core.services import surveys, waitlist
    from core.signals import appointment_status_changed, slot_freed

    assert surveys._on_status_changed in list(appointment_status_changed.receivers_for(ANY))
    assert waitlist._on_slot_freed in list(slot_freed.receivers_for(ANY))


def test_no_invitation_when_the_conditions_refuse(app, make_action, master_data, appointment, customer, activity):
    make_action("survey", label="Nur VIP", questionnaire=master_data.questionnaire, required_tag="vip")
    _mark_done(app, appointment)
    with app.app_context():
        assert OutboxMessage.objects(idempotency_key__startswith="survey:").count() == 0
        assert PortalActionRecord.objects.count() == 0


def test_no_survey_mail_without_portal_access_but_still_in_the_portal_later(app, survey_action, appointment,
                                                                            customer):
    with app.app_context():
        customer.update(set__portal_enabled=False)
    _mark_done(app, appointment)
    with app.app_context():
        assert OutboxMessage.objects(idempotency_key__startswith="survey:").count() == 0
        assert PortalActionRecord.objects(what="invited").count() == 1  # invited once: never again


def test_deleting_an_activity_type_or_appointment_takes_their_portal_data_along(app, make_action, appointment,
                                                                              activity, customer):
    from core.models import WaitlistEntry

    action = make_action("upload", once=True)
    with app.app_context():
        portal_actions.claim_use(action, appointment)
        WaitlistEntry(business_unit=activity.business_unit, customer=customer, activity_type=activity,
                      date_from=START, date_to=START).save()
        Appointment.objects.get(pk=appointment.pk).delete()
        assert PortalActionRecord.objects.count() == 0
        ActivityType.objects.get(pk=activity.pk).delete()
        assert PortalAction.objects.count() == 0 and WaitlistEntry.objects.count() == 0
