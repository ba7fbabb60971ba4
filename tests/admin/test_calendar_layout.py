"""The calendar draws overlapping appointments side by side (day and week view)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from admin.views.calendar import Block, side_by_side


def _block(start: str, end: str) -> Block:
    day = datetime(2026, 12, 8)
    s = day + timedelta(hours=int(start[:2]), minutes=int(start[3:]))
    e = day + timedelta(hours=int(end[:2]), minutes=int(end[3:]))
    return Block(appointment=None, top=0, height=0, start=s, end=e, colour="#000")


def test_overlapping_appointments_share_the_width():
    a, b, c, d, e = (_block("09:00", "10:00"), _block("09:30", "10:30"), _block("10:00", "11:00"),
                     _block("12:00", "13:00"), _block("09:45", "10:15"))
    side_by_side([a, b, c, d, e])
    assert (a.lane, b.lane, e.lane, c.lane) == (0, 1, 2, 0)  # c starts when a ends: a's lane again
    assert a.lanes == b.lanes == c.lanes == e.lanes == 3  # one group: 09:00-11:00
    assert (d.lane, d.lanes) == (0, 1)  # alone: the whole width
    assert (b.left_percent, b.width_percent) == (33.333, 33.333)


def test_the_day_and_week_views_place_them_side_by_side(app, owner_client, make_appointment):
    from core.models import Appointment

    first = make_appointment()
    with app.app_context():
        other = Appointment(business_unit=first.business_unit, customer=first.customer, staff=first.staff,
                            start=first.start + timedelta(minutes=15), end=first.end + timedelta(minutes=15)).save()
        day = (first.start + timedelta(hours=1)).date().isoformat()
    for view in ("day", "week"):
        page = owner_client.get(f"/admin/calendar/?view={view}&date={day}").get_data(as_text=True)
        lanes = re.findall(r'data-lane="(\d)" data-lanes="(\d)"', page)
        assert sorted(lanes) == [("0", "2"), ("1", "2")], (view, lanes)
        assert "left: calc(50.0% + 2px); width: calc(50.0% - 4px)" in page
    assert other.pk
