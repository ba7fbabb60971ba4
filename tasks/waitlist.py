"""Waitlist: offer a freed slot to the first waiting customer, and hand lapsed offers on (beat)."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task

from core.services import waitlist


@shared_task(name="tasks.waitlist.offer")
def offer(unit_id: str, staff_id: str, start: str, end: str) -> str | None:
    """A slot was freed: offer it (a retry while the offer is open offers nothing: the freed time's key is
    unique among open offers)."""
    entry = waitlist.offer_freed(unit_id, staff_id, datetime.fromisoformat(start), datetime.fromisoformat(end))
    return str(entry.pk) if entry is not None else None


@shared_task(name="tasks.waitlist.expire")
def expire() -> int:
    """Periodic (every minute): lapsed offers go to the next customer."""
    return waitlist.expire_offers()
