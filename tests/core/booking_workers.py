"""Work run in child processes by tests/core/test_booking_processes.py (not a test module): each child
opens the shared instance folder as the app does and books at the same moment as the others."""

from __future__ import annotations

import time
from datetime import datetime

_app = None


def init(instance: str) -> None:
    global _app
    from core.app import create_app

    _app = create_app({"TESTING": True, "INSTANCE_PATH": instance, "MONGODB_URI": "", "SECRET_KEY": "test-secret-key",
                       "CELERY_TASK_ALWAYS_EAGER": True, "RATELIMIT_STORAGE_URI": "memory://"})


def pid(_=None) -> int:
    import os

    time.sleep(0.2)  # keeps this child busy so that the pool starts all of its children
    return os.getpid()


def book(ids: tuple[str, str, str, str], starts: list[str], now: str, start_at: float) -> list[str]:
    """Try every start of ``starts`` once (in this process's order); the starts this process won."""
    from core.models import ActivityType, BusinessUnit, Customer, StaffUser
    from core.services import booking
    from core.services.audit import Actor

    with _app.app_context():
        unit, kind = BusinessUnit.objects.get(pk=ids[0]), ActivityType.objects.get(pk=ids[1])
        customer, staff = Customer.objects.get(pk=ids[2]), StaffUser.objects.get(pk=ids[3])
        won = []
        time.sleep(max(0.0, start_at - time.time()))
        for start in starts:
            try:
                booking.book_at(unit, kind, customer, staff, datetime.fromisoformat(start), actor=Actor.system("race"),
                                source="admin", now=datetime.fromisoformat(now))
                won.append(start)
            except booking.SlotTaken:
                pass
        return won
