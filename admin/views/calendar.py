"""The calendar: a day (one column per staff member) or a week (one column per day) view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import request
from flask_admin import expose
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from admin.forms import to_local, to_utc, unit_zone
from admin.views.base import SecureView
from core.models import Appointment, StaffUser

DAY_START, DAY_END = 7, 21  # hours shown
SLOT_PX = 48  # pixels per hour


@dataclass
class Block:
    appointment: Appointment
    top: int
    height: int
    start: datetime
    end: datetime
    colour: str
    #: side by side with the appointments it overlaps: its lane and how many lanes its group needs
    lane: int = 0
    lanes: int = 1

    @property
    def left_percent(self) -> float:
        return round(100 * self.lane / self.lanes, 3)

    @property
    def width_percent(self) -> float:
        return round(100 / self.lanes, 3)


def side_by_side(blocks: list[Block]) -> list[Block]:
    """Lay out one column's appointments: overlapping ones side by side. Each group of appointments
    that overlap one another (directly or through others) shares its width among as many lanes as it
    needs at once; each appointment takes the first lane free at its start."""
    ordered = sorted(blocks, key=lambda b: (b.start, b.end))
    group: list[Block] = []
    lane_ends: list[datetime] = []
    group_end: datetime | None = None

    def close() -> None:
        for member in group:
            member.lanes = len(lane_ends)

    for block in ordered:
        if group_end is not None and block.start >= group_end:  # nothing open overlaps: a new group
            close()
            group, lane_ends, group_end = [], [], None
        free = next((i for i, end in enumerate(lane_ends) if end <= block.start), None)
        if free is None:
            lane_ends.append(block.end)
            block.lane = len(lane_ends) - 1
        else:
            lane_ends[free] = block.end
            block.lane = free
        group.append(block)
        group_end = block.end if group_end is None else max(group_end, block.end)
    close()
    return ordered


def _parse_day(raw: str | None) -> date:
    try:
        return date.fromisoformat(raw) if raw else datetime.now(unit_zone()).date()
    except ValueError:
        return datetime.now(unit_zone()).date()


def _block(appt: Appointment) -> Block:
    start, end = to_local(appt.start), to_local(appt.end)
    minutes = (start.hour - DAY_START) * 60 + start.minute
    length = max(int((end - start).total_seconds() // 60), 15)
    top = max(minutes, 0) * SLOT_PX // 60
    limit = (DAY_END - DAY_START) * SLOT_PX
    height = min(length * SLOT_PX // 60, max(limit - top, 12))
    colour = appt.activity_type.colour if appt.activity_type else "#3c78d8"
    return Block(appt, top, height, start, end, colour)


class CalendarView(SecureView):
    roles = ("owner", "staff")

    @expose("/")
    def index(self):
        unit = current_user.business_unit
        mode = "week" if request.args.get("view") == "week" else "day"
        day = _parse_day(request.args.get("date"))
        staff = list(StaffUser.objects(business_unit=unit, active=True, role__in=["owner", "staff"]).order_by("name"))
        staff_id = request.args.get("staff") or ""
        selected = next((s for s in staff if str(s.pk) == staff_id), None)
        if mode == "week":
            first = day - timedelta(days=day.weekday())
            columns = [(first + timedelta(days=i)) for i in range(7)]
        else:
            first = day
            columns = [selected] if selected else staff
        start_utc = to_utc(datetime.combine(first, datetime.min.time()))
        end_utc = to_utc(datetime.combine(first + timedelta(days=7 if mode == "week" else 1), datetime.min.time()))
        query = Appointment.objects(business_unit=unit, start__gte=start_utc, start__lt=end_utc,
                                    status__ne="cancelled")
        if selected:
            query = query.filter(staff=selected)
        blocks: dict[str, list[Block]] = {}
        for appt in query:
            block = _block(appt)
            key = block.start.date().isoformat() if mode == "week" else str(appt.staff.pk)
            blocks.setdefault(key, []).append(block)
        blocks = {key: side_by_side(column) for key, column in blocks.items()}
        step = timedelta(days=7 if mode == "week" else 1)
        return self.render(
            "admin/calendar.html", mode=mode, day=day, columns=columns, blocks=blocks, staff=staff,
            selected=selected, hours=list(range(DAY_START, DAY_END)), slot_px=SLOT_PX,
            prev_day=(day - step).isoformat(), next_day=(day + step).isoformat(),
            today=datetime.now(unit_zone()).date().isoformat(), title=_l("Calendar"),
            day_names={c.isoformat(): format_date(c, "EEE dd.MM.") for c in columns} if mode == "week" else {},
        )
