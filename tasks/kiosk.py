"""Tablet questionnaires: a periodic sweep expires inactive runs and wipes their data."""

from __future__ import annotations

from celery import shared_task

from core.services.kiosk import expire_stale_runs


@shared_task(name="tasks.kiosk.expire_runs")
def expire_runs() -> int:
    """Idempotent: each run is expired by a conditional update, so overlapping sweeps do no harm."""
    return expire_stale_runs()
