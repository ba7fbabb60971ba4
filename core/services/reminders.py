"""Appointment reminders (feature "reminders")."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import gettext as _

from core.models import Appointment, BusinessUnit
from core.models._base import utcnow
from core.services.mail import queue_email


def local_time(utc: datetime, tz: str) -> datetime:
    return utc.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(tz))


def send_due_reminders(now: datetime | None = None) -> int:
    """Queue a reminder for every planned appointment inside its unit's reminder window.

    Each appointment is claimed atomically (``reminder_sent_at`` set only if still empty) and the
    message carries the idempotency key ``reminder:<appointment id>``, so overlapping sweeps or a
    retried task never remind twice.
    """
    now = now or utcnow()
    sent = 0
    for unit in BusinessUnit.objects(features="reminders"):
        horizon = now + timedelta(hours=unit.settings.reminder_hours_before)
        due = Appointment.objects(business_unit=unit, reminder_wanted=True, reminder_sent_at=None,
                                  status="planned", start__gt=now, start__lte=horizon)
        for appt in due:
            claimed = Appointment.objects(pk=appt.pk, reminder_sent_at=None).update_one(set__reminder_sent_at=now)
            customer = appt.customer
            if not claimed or not customer or not customer.email:
                continue
            when = local_time(appt.start, appt.timezone)
            with force_locale(unit.language or "de"):
                subject = _("Reminder: your appointment on %(date)s", date=when.strftime("%d.%m.%Y"))
                body = _("Hello %(name)s,\n\nthis is a reminder of your appointment on %(date)s at %(time)s"
                         " with %(unit)s.\n\nKind regards\n%(unit)s",
                         name=customer.full_name, date=when.strftime("%d.%m.%Y"),
                         time=when.strftime("%H:%M"), unit=unit.name)
            queue_email(to=customer.email, subject=subject, body=body, business_unit=unit,
                        customer_id=str(customer.pk), idempotency_key=f"reminder:{appt.pk}")
            sent += 1
    return sent
