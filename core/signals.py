"""Appointment life-cycle signals: one place says what happened to an appointment, others react.

Senders: the admin's appointment form (``AppointmentView.after_save``) and the booking services.
Listeners (confirmations and reminders, revenue, waitlist offers, surveys after a job) connect at
import time of their module with ``@appointment_created.connect`` etc. A listener must not raise
for a business reason (the appointment is already saved): it queues work (``core.celery_app.enqueue``)
or records what it did.

Call :func:`announce` after an appointment was saved, with the :func:`appointment_state` taken
before the change (``None`` for a new one); it sends the signals that describe the difference:

* ``appointment_created`` (sender: the appointment; ``actor``, ``source``)
* ``appointment_rescheduled`` (``old_start``, ``old_end``, ``old_staff_id``, ``actor``, ``source``)
* ``appointment_status_changed`` (``old_status``, ``new_status``, ``actor``, ``source``): e.g. done
* ``appointment_cancelled`` (``actor``, ``source``): also a status change to "cancelled"
* ``slot_freed`` (sender: the appointment; ``staff_id``, ``start``, ``end``): the time it held before a
  reschedule or cancellation is free again (the waitlist offers it)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from blinker import Namespace

_signals = Namespace()

appointment_created = _signals.signal("appointment-created")
appointment_rescheduled = _signals.signal("appointment-rescheduled")
appointment_status_changed = _signals.signal("appointment-status-changed")
appointment_cancelled = _signals.signal("appointment-cancelled")
slot_freed = _signals.signal("slot-freed")


def appointment_state(appointment) -> dict[str, Any]:
    """What :func:`announce` compares: start, end, staff and status."""
    staff = appointment.staff
    return {"start": appointment.start, "end": appointment.end,
            "staff_id": str(staff.pk) if staff is not None else None, "status": appointment.status}


def announce(appointment, before: dict[str, Any] | None, *, actor=None, source: str = "admin") -> list[str]:
    """Send the signals for the change from ``before`` (``None``: created) to the appointment's state now.

    Returns the names of the signals sent (for tests and logs).
    """
    sent: list[str] = []
    now = appointment_state(appointment)
    if before is None:
        appointment_created.send(appointment, actor=actor, source=source)
        return [appointment_created.name]
    moved = (before["start"], before["end"], before["staff_id"]) != (now["start"], now["end"], now["staff_id"])
    was_active = before["status"] not in ("cancelled",)
    if moved and now["status"] != "cancelled":
        appointment_rescheduled.send(appointment, old_start=before["start"], old_end=before["end"],
                                     old_staff_id=before["staff_id"], actor=actor, source=source)
        sent.append(appointment_rescheduled.name)
    if before["status"] != now["status"]:
        appointment_status_changed.send(appointment, old_status=before["status"], new_status=now["status"],
                                        actor=actor, source=source)
        sent.append(appointment_status_changed.name)
        if now["status"] == "cancelled":
            appointment_cancelled.send(appointment, actor=actor, source=source)
            sent.append(appointment_cancelled.name)
    if was_active and (moved or now["status"] == "cancelled") and _future(before["end"]):
        slot_freed.send(appointment, staff_id=before["staff_id"], start=before["start"], end=before["end"])
        sent.append(slot_freed.name)
    return sent


def _future(end: datetime | None) -> bool:
    from core.models._base import utcnow

    return end is not None and end > utcnow()
