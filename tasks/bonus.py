"""Bonus points: the daily sweep books the points that reached their expiry date as "expired" entries."""

from __future__ import annotations

from celery import shared_task

from core.services.bonus import expire_all


@shared_task(name="tasks.bonus.expire_points")
def expire_points() -> int:
    """Idempotent: a second run (or two beats at once) books nothing more (the entries are keyed)."""
    return expire_all()
