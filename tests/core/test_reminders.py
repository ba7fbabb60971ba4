"""Confirmations and reminders: lead times across DST, quiet hours, arming and re-arming, opt-out, the
sweep, link tokens, settings refusals, the overview counts, the bulk switch and the no-show rates."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from core.errors import InvalidInput
from core.models import Appointment, Customer, OutboxMessage, ReminderDelivery, ReminderPolicy
from core.services import reminders as service
from core.services.audit import Actor
from core.signals import announce, appointment_state

T0 = datetime(2030, 1, 7, 8, 0)  # a Monday, 09:00 in Berlin


def staff_actor(unit):
    return Actor("staff", None, "Test", str(unit.pk))


def set_policy(unit, *, leads=(24 * 60, 120), channel="email", confirmation=True, cancellation=True,
               quiet=(21 * 60, 8 * 60), overrides=(), templates=None):
    rule = service.RuleInput(confirmation=confirmation, cancellation_notice=cancellation, lead_minutes=list(leads),
                             channel=channel, reminder_default=True)
    return service.save_policy(staff_actor(unit), unit, default=rule, overrides=list(overrides),
                               templates=templates or {}, quiet_start=quiet[0], quiet_end=quiet[1])


@pytest.fixture
def customer(make_customer):
    return make_customer(email="kunde@example.com", phone="+49 170 1234567")


def deliveries(appointment, **kw):
    return list(ReminderDelivery.objects(appointment=appointment.pk, **kw).order_by("due_at"))


# --- lead-time arithmetic ---------------------------------------------------------------------------------

def test_whole_days_keep_the_wall_clock_across_dst(ctx):
    # Monday 30 March 2026 09:00 CEST (07:00 UTC); clocks went forward on Sunday 29 March
    start = datetime(2026, 3, 30, 7, 0)
    assert service.due_time(start, "Europe/Berlin", 24 * 60) == datetime(2026, 3, 29, 7, 0)  # 09:00 CEST
    assert service.due_time(start, "Europe/Berlin", 2 * 24 * 60) == datetime(2026, 3, 28, 8, 0)  # 09:00 CET: 47 h
    assert service.due_time(start, "Europe/Berlin", 120) == datetime(2026, 3, 30, 5, 0)  # an exact duration
    # Monday 26 October 2026 09:00 CET (08:00 UTC); clocks went back on Sunday 25 October
    autumn = datetime(2026, 10, 26, 8, 0)
    assert service.due_time(autumn, "Europe/Berlin", 24 * 60) == datetime(2026, 10, 25, 8, 0)  # 09:00 CET
    assert service.due_time(autumn, "Europe/Berlin", 2 * 24 * 60) == datetime(2026, 10, 24, 7, 0)  # CEST: 49 h
    assert service.due_time(autumn, "Europe/Berlin", 90) == datetime(2026, 10, 26, 6, 30)


def test_quiet_hours_make_an_sms_wait_or_go_the_evening_before(app, unit):
    with app.app_context():
        policy = set_policy(unit, channel="sms", quiet=(21 * 60, 8 * 60))
        start = datetime(2030, 1, 8, 9, 0)  # 10:00 Berlin
        # due 23:00 Berlin → waits for 08:00
        assert service.quiet_due(datetime(2030, 1, 7, 22, 0), start, "Europe/Berlin", policy) == \
            datetime(2030, 1, 8, 7, 0)
        # appointment at 07:30 Berlin, due 06:30: the morning is too late → 20:59 the evening before
        early = datetime(2030, 1, 8, 6, 30)
        assert service.quiet_due(datetime(2030, 1, 8, 5, 30), early, "Europe/Berlin", policy) == \
            datetime(2030, 1, 7, 19, 59)
        assert service.quiet_due(datetime(2030, 1, 7, 12, 0), start, "Europe/Berlin", policy) == \
            datetime(2030, 1, 7, 12, 0)  # daytime: unchanged


def test_an_sms_claimed_at_night_waits_for_the_morning(app, unit, make_appointment, customer):
    with app.app_context():
        set_policy(unit, channel="sms", leads=(24 * 60,), confirmation=False)
        appt = make_appointment(customer=customer, reminder_wanted=True, start=datetime(2030, 1, 9, 9, 0))
        service.sync(appt, now=T0)
        night = datetime(2030, 1, 8, 22, 0)  # 23:00 Berlin: the sweep runs late, at night
        ReminderDelivery.objects(appointment=appt.pk).update(set__due_at=night)
        delivery = ReminderDelivery.objects.get(appointment=appt.pk)
        ReminderDelivery.objects(pk=delivery.pk).update_one(set__status="claimed")
        assert service.send(str(delivery.pk), now=night) == "scheduled"
        assert ReminderDelivery.objects.get(pk=delivery.pk).due_at == datetime(2030, 1, 9, 7, 0)
        assert OutboxMessage.objects(channel="sms").count() == 0


# --- arming, sending, re-arming ---------------------------------------------------------------------------

def test_booking_sends_the_confirmation_with_a_calendar_entry_and_arms_the_reminders(app, unit, make_appointment,
                                                                                     customer):
    with app.app_context():
        set_policy(unit)
        appt = make_appointment(customer=customer, reminder_wanted=True, start=datetime(2030, 1, 9, 9, 0))
        announce(appt, None, source="portal")
        confirmation = ReminderDelivery.objects.get(appointment=appt.pk, kind="confirmation")
        assert confirmation.status == "sent"
        msg = OutboxMessage.objects.get(idempotency_key=service.message_key(confirmation))
        assert msg.attachments[0].filename.endswith(".ics") and "BEGIN:VEVENT" in msg.attachments[0].data
        assert "DTSTART:20300109T090000Z" in msg.attachments[0].data
        assert "/portal/appointment/" in msg.body
        reminders = deliveries(appt, kind="reminder")
        assert [(d.lead_minutes, d.due_at, d.status) for d in reminders] == [
            (24 * 60, datetime(2030, 1, 8, 9, 0), "scheduled"), (120, datetime(2030, 1, 9, 7, 0), "scheduled")]


def test_the_sweep_sends_each_reminder_once(app, unit, make_appointment, customer):
    with app.app_context():
        set_policy(unit, confirmation=False)
        appt = make_appointment(customer=customer, reminder_wanted=True, start=datetime(2030, 1, 9, 9, 0))
        service.sync(appt, now=T0)
        assert service.sweep(now=datetime(2030, 1, 8, 8, 59)) == 0
        assert service.sweep(now=datetime(2030, 1, 8, 9, 0)) == 1
        assert service.sweep(now=datetime(2030, 1, 8, 9, 5)) == 0  # the next sweep overlaps: nothing more
        first = deliveries(appt, kind="reminder")[0]
        assert first.status == "sent" and OutboxMessage.objects.count() == 1
        assert service.send(str(first.pk)) == "sent"  # a repeated task sends nothing
        assert service.sweep(now=datetime(2030, 1, 9, 7, 0)) == 1
        assert OutboxMessage.objects.count() == 2
        assert Appointment.objects.get(pk=appt.pk).reminder_sent_at is not None


def test_a_booking_inside_the_lead_times_gets_one_reminder_at_once(app, unit, make_appointment, customer):
    with app.app_context():
        set_policy(unit, leads=(2 * 24 * 60, 24 * 60, 120), confirmation=False)
        appt = make_appointment(customer=customer, reminder_wanted=True, start=T0 + timedelta(hours=5))
        assert service.sync(appt, now=T0) == 2
        assert [(d.lead_minutes, d.due_at) for d in deliveries(appt)] == [
            (24 * 60, T0), (120, T0 + timedelta(hours=3))]


def test_rescheduling_rearms_and_the_old_reminders_are_never_sent(app, unit, make_appointment, customer):
    with app.app_context():
        set_policy(unit, leads=(24 * 60,), confirmation=False)
        appt = make_appointment(customer=customer, reminder_wanted=True, start=datetime(2030, 1, 9, 9, 0))
        service.sync(appt, now=T0)
        before = appointment_state(appt)
        appt.start, appt.end = datetime(2030, 1, 16, 9, 0), datetime(2030, 1, 16, 10, 0)
        appt.save()
        announce(appt, before)
        old, new = deliveries(appt)
        assert old.status == "skipped" and "moved" in old.error
        assert new.status == "scheduled" and new.due_at == datetime(2030, 1, 15, 9, 0)
        assert service.sweep(now=datetime(2030, 1, 8, 9, 0)) == 0
        assert OutboxMessage.objects.count() == 0


def test_a_move_without_a_signal_still_never_sends_the_old_reminder(app, unit, make_appointment, customer):
    with app.app_context():
        set_policy(unit, leads=(24 * 60,), confirmation=False)
        appt = make_appointment(customer=customer, reminder_wanted=True, start=datetime(2030, 1, 9, 9, 0))
        service.sync(appt, now=T0)
        Appointment.objects(pk=appt.pk).update_one(set__start=datetime(2030, 1, 8, 15, 0),
                                                   set__end=datetime(2030, 1, 8, 16, 0))
        assert service.sweep(now=datetime(2030, 1, 8, 9, 0)) == 1  # the old one is claimed ...
        old = ReminderDelivery.objects.get(appointment=appt.pk, for_start=datetime(2030, 1, 9, 9, 0))
        assert old.status == "skipped" and "moved" in old.error  # ... and refused at sending
        new = ReminderDelivery.objects.get(appointment=appt.pk, for_start=datetime(2030, 1, 8, 15, 0))
        assert new.status == "sent"  # the sweep armed the new time (already due: at once)
        assert OutboxMessage.objects.count() == 1


def test_the_sweep_arms_appointments_saved_without_a_signal_once(app, unit, make_appointment, customer):
    with app.app_context():
        set_policy(unit, leads=(24 * 60, 120), confirmation=False)
        armed = make_appointment(customer=customer, reminder_wanted=True, start=datetime(2030, 1, 9, 9, 0))
        service.sync(armed, now=T0)
        raw = Appointment(business_unit=unit, customer=customer, staff=armed.staff, start=datetime(2030, 1, 9, 10, 0),
                          end=datetime(2030, 1, 9, 11, 0), reminder_wanted=True).to_mongo()
        raw_id = Appointment._get_collection().insert_one(raw).inserted_id  # an import: no life-cycle signal
        assert service.arm_missing(T0) == 2  # its two reminders; the armed appointment is left alone
        assert ReminderDelivery.objects(appointment=raw_id, kind="reminder").count() == 2
        assert ReminderDelivery.objects(appointment=armed.pk, kind="reminder").count() == 2
        assert service.arm_missing(T0) == 0


def test_cancelling_sends_no_reminder_but_the_notice(app, unit, make_appointment, customer):
    with app.app_context():
        set_policy(unit, leads=(24 * 60,), confirmation=False)
        appt = make_appointment(customer=customer, reminder_wanted=True, start=datetime(2030, 1, 9, 9, 0))
        service.sync(appt, now=T0)
        service.cancel_appointment(appt, actor=staff_actor(unit), source="admin", reason="Test")
        reminder = ReminderDelivery.objects.get(appointment=appt.pk, kind="reminder")
        assert reminder.status == "skipped"
        notice = ReminderDelivery.objects.get(appointment=appt.pk, kind="cancellation")
        assert notice.status == "sent"
        assert OutboxMessage.objects.count() == 1
        assert service.sweep(now=datetime(2030, 1, 8, 9, 0)) == 0


def test_an_opted_out_customer_gets_nothing(app, unit, make_appointment, make_customer):
    with app.app_context():
        set_policy(unit)
        quiet = make_customer(email="ruhe@example.com", reminders_opt_out=True)
        appt = make_appointment(customer=quiet, reminder_wanted=True, start=datetime(2030, 1, 9, 9, 0))
        announce(appt, None)
        assert ReminderDelivery.objects(appointment=appt.pk).count() == 0
        assert service.default_wanted(unit, None, quiet) is False
        assert service.sweep(now=datetime(2030, 1, 9, 8, 0)) == 0
        assert OutboxMessage.objects.count() == 0


def test_a_missing_address_fails_with_the_reason_and_nothing_is_sent(app, unit, make_appointment, make_customer):
    with app.app_context():
        set_policy(unit, leads=(24 * 60,), confirmation=False)
        no_mail = make_customer()
        appt = make_appointment(customer=no_mail, reminder_wanted=True, start=datetime(2030, 1, 9, 9, 0))
        service.sync(appt, now=T0)
        service.sweep(now=datetime(2030, 1, 8, 9, 0))
        delivery = ReminderDelivery.objects.get(appointment=appt.pk)
        assert delivery.status == "failed" and "e-mail" in delivery.error
        assert service.failed_deliveries(unit) == [delivery]
        assert OutboxMessage.objects.count() == 0


def test_the_customers_channel_wins_and_sms_goes_to_the_outbox(app, unit, make_appointment, make_customer):
    with app.app_context():
        set_policy(unit, leads=(24 * 60,), confirmation=False)
        texting = make_customer(phone="0170 7654321", reminder_channel="sms")
        appt = make_appointment(customer=texting, reminder_wanted=True, start=datetime(2030, 1, 9, 9, 0))
        service.sync(appt, now=T0)
        service.sweep(now=datetime(2030, 1, 8, 9, 0))
        msg = OutboxMessage.objects.get()
        assert msg.channel == "sms" and msg.to == "+491707654321" and msg.status == "stored"
        assert ReminderDelivery.objects.get(appointment=appt.pk).status == "sent"


def test_a_dead_workers_claim_is_taken_again_without_a_second_message(app, unit, make_appointment, customer):
    with app.app_context():
        set_policy(unit, leads=(24 * 60,), confirmation=False)
        appt = make_appointment(customer=customer, reminder_wanted=True, start=datetime(2030, 1, 9, 9, 0))
        service.sync(appt, now=T0)
        delivery = deliveries(appt)[0]
        due = datetime(2030, 1, 8, 9, 0)
        # a worker claimed it, put the message in the outbox and died before it said so
        ReminderDelivery.objects(pk=delivery.pk).update_one(set__status="claimed", set__claimed_at=due)
        service._queue_all([(delivery, appt)], {str(unit.pk): service.policy_of(unit)})
        assert service.sweep(now=due + timedelta(minutes=5)) == 0  # the claim is still fresh
        assert service.sweep(now=due + timedelta(minutes=11)) == 1
        assert OutboxMessage.objects.count() == 1
        assert ReminderDelivery.objects.get(pk=delivery.pk).status == "sent"


# --- links ------------------------------------------------------------------------------------------------

def test_confirm_link_acts_once_and_shows_already_done(app, unit, make_appointment, customer):
    with app.app_context():
        appt = make_appointment(customer=customer, start=datetime(2030, 1, 9, 9, 0))
        token = service.link_token(appt, "confirm")  # signed now: links are checked against the real clock
        assert service.open_link(token) == (appt, "confirm")
        assert service.act_on_link(token)[1] == "confirmed"
        assert Appointment.objects.get(pk=appt.pk).confirmed_at is not None
        assert service.act_on_link(token)[1] == "already_confirmed"


def test_cancel_link_cancels_once(app, unit, make_appointment, customer):
    with app.app_context():
        appt = make_appointment(customer=customer, start=datetime(2030, 1, 9, 9, 0))
        token = service.link_token(appt, "cancel")
        assert service.act_on_link(token)[1] == "cancelled"
        assert Appointment.objects.get(pk=appt.pk).status == "cancelled"
        assert service.act_on_link(token)[1] == "already_cancelled"


@pytest.mark.parametrize("case", ["forged", "expired", "started", "moved", "other_customer", "garbage"])
def test_bad_links_change_nothing(app, unit, make_appointment, customer, make_customer, case):
    with app.app_context():
        from core.models._base import utcnow

        appt = make_appointment(customer=customer, start=utcnow() + timedelta(days=2))
        token, now = service.link_token(appt, "cancel"), utcnow()
        assert service.open_link(token, now=now)[1] == "cancel"  # the untouched link is good
        if case == "forged":
            token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        elif case == "expired":
            now = utcnow() + service.LINK_MAX_AGE + timedelta(minutes=1)
            Appointment.objects(pk=appt.pk).update_one(set__start=now + timedelta(days=1))
            appt.reload()
            token = service.link_token(appt, "cancel")
        elif case == "started":
            now = appt.start + timedelta(minutes=1)
        elif case == "moved":
            Appointment.objects(pk=appt.pk).update_one(set__start=appt.start + timedelta(days=1))
        elif case == "other_customer":
            other = make_customer()
            token = service._serializer().dumps([str(appt.pk), str(other.pk), appt.start.isoformat(), "cancel"])
        elif case == "garbage":
            token = "x" * 600
        with pytest.raises(service.LinkInvalid):
            service.act_on_link(token, now=now)
        assert Appointment.objects.get(pk=appt.pk).status == "planned"


# --- settings ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("change", [
    {"leads": (4,)}, {"leads": (14 * 24 * 60 + 1,)}, {"channel": "fax"},
    {"templates": {("reminder", "de"): ("Hallo", "Bis {{ customer.shoe_size }}")}},
    {"templates": {("reminder", "en"): ("Hi", "<script>alert(1)</script>")}},
    {"templates": {("reminder", "en"): ("Hi", "<b>bold</b>")}},
    {"quiet": (24 * 60, 0)},
])
def test_bad_settings_are_refused_and_nothing_is_stored(app, unit, change):
    with app.app_context():
        with pytest.raises(InvalidInput):
            set_policy(unit, **change)
        assert ReminderPolicy.objects.count() == 0


def test_templates_and_overrides_are_used(app, unit, make_appointment, customer):
    from core.models import ActivityType

    with app.app_context():
        cut = ActivityType(business_unit=unit, name="Schnitt").save()
        override = service.RuleInput(confirmation=False, cancellation_notice=False, lead_minutes=[60],
                                     channel="email", reminder_default=False, activity_type=cut)
        set_policy(unit, overrides=[override], templates={
            ("reminder", "de"): ("Bis bald, {{ customer.first_name }}", "{{ appointment.activity }} um "
                                 "{{ appointment.time }} bei {{ appointment.staff }}. {{ links.cancel }}")})
        appt = make_appointment(customer=customer, activity_type=cut, reminder_wanted=True,
                                start=datetime(2030, 1, 9, 9, 0))
        announce(appt, None)
        assert [d.lead_minutes for d in deliveries(appt)] == [60]  # the override: no confirmation, 1 hour
        assert service.default_wanted(unit, cut, customer) is False and service.default_wanted(unit) is True
        service.sweep(now=datetime(2030, 1, 9, 8, 0))
        msg = OutboxMessage.objects.get()
        assert msg.subject == "Bis bald, Jürgen"
        assert msg.body.startswith("Schnitt um 10:00 bei ") and "/portal/appointment/" in msg.body


# --- overview, bulk switch, no-shows ------------------------------------------------------------------------

def test_overview_counts_match_a_hand_computed_fixture(app, unit, make_appointment, customer, make_unit):
    with app.app_context():
        set_policy(unit, leads=(24 * 60,), confirmation=False)

        def appt(hours, **kw):
            return make_appointment(customer=customer, start=T0 + timedelta(hours=hours), **kw)

        # the last 7 days: 1 sent, 1 failed, 2 without (one cancelled, left out)
        sent = appt(-48, reminder_wanted=True)
        ReminderDelivery(business_unit=unit, appointment=sent, customer=customer, kind="reminder", for_start=sent.start,
                         due_at=sent.start, status="sent", key="a").save()
        failed = appt(-30, reminder_wanted=True)
        ReminderDelivery(business_unit=unit, appointment=failed, customer=customer, kind="reminder",
                         for_start=failed.start, due_at=failed.start, status="failed", key="b").save()
        appt(-20)
        appt(-10, status="done")
        appt(-5, status="cancelled")
        appt(-24 * 8)  # older than 7 days
        # the next 7 days: 2 scheduled, 1 without, a moved one's old reminder does not count
        for hours in (30, 50):
            service.sync(appt(hours, reminder_wanted=True), now=T0)
        moved = appt(60)
        ReminderDelivery(business_unit=unit, appointment=moved, customer=customer, kind="reminder",
                         for_start=moved.start - timedelta(days=1), due_at=T0, status="sent", key="c").save()
        appt(24 * 8, reminder_wanted=True)  # later than 7 days
        make_appointment(business_unit=make_unit(), start=T0 + timedelta(hours=3))  # another unit
        counts = service.overview(unit, now=T0)
        assert dict(counts["past"]) == {"sent": 1, "scheduled": 0, "failed": 1, "without": 2}
        assert dict(counts["next"]) == {"sent": 0, "scheduled": 2, "failed": 0, "without": 1}
        future, past = service.without_reminder(unit, now=T0)
        assert [a.pk for a in future] == [moved.pk] and len(past) == 2
        assert [len(part) for part in service.without_reminder(unit, now=T0, day=date(2030, 1, 6))] == [0, 2]
        assert service.without_reminder(unit, now=T0, day=date(2030, 1, 9))[0] == [moved]
        assert service.without_reminder(unit, now=T0, staff=moved.staff) == ([moved], [])


def test_bulk_switch_on_schedules_and_refuses_with_reasons(app, unit, make_appointment, make_customer, make_unit):
    with app.app_context():
        set_policy(unit, leads=(24 * 60,), confirmation=False)
        ok = make_appointment(customer=make_customer(email="a@example.com"), start=T0 + timedelta(hours=3))
        later = make_appointment(customer=make_customer(email="b@example.com"), start=T0 + timedelta(days=3))
        opted_out = make_appointment(customer=make_customer(email="c@example.com", reminders_opt_out=True),
                                     start=T0 + timedelta(days=2))
        no_mail = make_appointment(customer=make_customer(), start=T0 + timedelta(days=2))
        foreign = make_appointment(business_unit=make_unit(), start=T0 + timedelta(days=2))
        ids = [str(a.pk) for a in (ok, later, opted_out, no_mail, foreign)] + ["nonsense"]
        switched, refused = service.switch_on(staff_actor(unit), unit, ids, now=T0)
        assert switched == 2 and len(refused) == 2
        assert any("möchte keine Erinnerungen" in r for r in refused) and any("mail" in r.lower() for r in refused)
        assert Appointment.objects.get(pk=foreign.pk).reminder_wanted is False
        assert Appointment.objects.get(pk=opted_out.pk).reminder_wanted is False
        assert deliveries(ok)[0].due_at == T0  # already due: at once
        assert deliveries(later)[0].due_at == T0 + timedelta(days=2)
        with pytest.raises(InvalidInput):
            service.switch_on(staff_actor(unit), unit, [], now=T0)


def test_no_show_rates_with_and_without_reminder(app, unit, make_appointment, customer):
    with app.app_context():
        def past(days, status, reminded):
            a = make_appointment(customer=customer, start=T0 - timedelta(days=days), status=status)
            if reminded:
                ReminderDelivery(business_unit=unit, appointment=a, customer=customer, kind="reminder",
                                 for_start=a.start, due_at=a.start, status="sent", key=f"k{a.pk}").save()
            return a

        for days, status, reminded in ((1, "done", True), (2, "done", True), (3, "done", True), (4, "no_show", True),
                                       (5, "no_show", False), (6, "done", False), (100, "no_show", False),
                                       (7, "cancelled", False), (8, "planned", False)):
            past(days, status, reminded)
        assert service.no_show_rates(unit, now=T0) == {"with": (1, 4), "without": (1, 2)}


def test_deleting_the_customer_deletes_the_deliveries(app, unit, make_appointment, customer):
    from core.services.deletion import delete_customer

    with app.app_context():
        set_policy(unit, leads=(24 * 60,), confirmation=False)
        appt = make_appointment(customer=customer, reminder_wanted=True, start=datetime(2030, 1, 9, 9, 0))
        service.sync(appt, now=T0)
        assert ReminderDelivery.objects.count() == 1
        delete_customer(staff_actor(unit), Customer.objects.get(pk=customer.pk))
        assert ReminderDelivery.objects.count() == 0


def test_a_claimed_reminder_whose_customer_vanished_is_skipped(app, unit, make_appointment, customer,
                                                                make_customer):
    """A batch loads the appointments' references together: a missing one fails only its own message."""
    with app.app_context():
        set_policy(unit, leads=(24 * 60,), confirmation=False)
        other = make_customer(email="zweite@example.com")
        gone = make_appointment(customer=customer, reminder_wanted=True, start=datetime(2030, 1, 9, 9, 0))
        kept = make_appointment(customer=other, reminder_wanted=True, start=datetime(2030, 1, 9, 10, 0))
        service.sync(gone, now=T0)
        service.sync(kept, now=T0)
        Customer._get_collection().delete_one({"_id": customer.pk})  # behind the service's back
        ids = [str(d.pk) for d in ReminderDelivery.objects.order_by("due_at")]
        ReminderDelivery.objects.update(set__status="claimed")
        results = service.send_batch(ids, now=datetime(2030, 1, 8, 9, 30))
        assert sorted(results.values()) == ["sent", "skipped"]
        assert ReminderDelivery.objects.get(appointment=gone.pk).error == service.GONE
        assert [m.to for m in OutboxMessage.objects] == ["zweite@example.com"]


def test_a_transient_smtp_error_waits_with_backoff(tmp_path):
    from core.models._base import utcnow
    from core.services.mail import queue_email, retry_due
    from tests.conftest import free_port, make_app

    app = make_app(tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_TIMEOUT=2)
    with app.app_context():
        msg = queue_email(to="a@example.com", subject="x", body="y")
        stored = OutboxMessage.objects.get(pk=msg.pk)
        assert stored.status == "queued" and stored.attempts == 1
        assert timedelta(seconds=50) < stored.next_attempt_at - utcnow() <= timedelta(minutes=1)
        assert retry_due() == []
        assert retry_due(now=utcnow() + timedelta(minutes=2)) == [str(msg.pk)]
