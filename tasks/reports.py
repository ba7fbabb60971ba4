"""PDF reports: render one report by id (xhtml2pdf), store it, mark it ready."""

from __future__ import annotations

from celery import shared_task

from core.services.reports import render_report, requeue_stale_renders


@shared_task(name="tasks.reports.render")
def render(report_id: str) -> str:
    return render_report(report_id)


@shared_task(name="tasks.reports.requeue_stale")
def requeue_stale() -> dict:
    """Periodic (beat, every minute): re-queue or fail renders that died; idempotent (conditional updates)."""
    return requeue_stale_renders()
