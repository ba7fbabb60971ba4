"""\"Termin vorschlagen\": the planning assistant for staff (from the customer file and the calendar).

Pick a customer and an activity type (and the days to look at), see the ranked free slots of the
qualified staff (rating, travel before and after, local time), book one with a POST. Thin: the
planner (core.services.planning) ranks, the booking service (core.services.booking) books.
"""

from __future__ import annotations

import re
from datetime import date

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from mongoengine import Q

from admin.forms import to_local
from admin.views.base import SecureView, actor, flashed_errors
from core.errors import InvalidInput
from core.models import ActivityType, Customer
from core.models._base import utcnow
from core.models.customer import search_key
from core.services import booking, geo, planning, schedules
from core.web import get_or_404

RATING_LABELS = {"green": _l("Good fit"), "orange": _l("Detour"), "red": _l("Only with overtime or long travel")}
#: shown next to the colour, so the rating does not depend on seeing colours
RATING_ICONS = {"green": "●", "orange": "◐", "red": "○"}
MAX_DAYS = 28
SHOWN = 30


def _day(raw: str | None, default: date) -> date:
    try:
        return date.fromisoformat(raw) if raw else default
    except ValueError:
        return default


def _days(raw: str | None) -> int:
    try:
        return max(1, min(int(raw or 7), MAX_DAYS))
    except ValueError:
        return 7


SOURCE_LABELS = {"postal_code": _l("from the postal code"), "city": _l("from the city"),
                 "geocoder": _l("from the geocoder"), "manual": _l("set by hand")}


def _number(raw: str | None) -> float | None:
    """A coordinate as typed ("52,52" or "52.52"); empty: None; anything else: InvalidInput."""
    text = (raw or "").strip().replace(",", ".")[:32]
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(_l("Give both latitude and longitude (e.g. 52.52 and 13.40), or neither.")) from None


def _customers_matching(unit, term: str) -> list[Customer]:
    """The customer search of the page: prefix of surname, first name or e-mail (as the admin list)."""
    term = term.strip()[:100]
    key = search_key(term)
    if not key:
        return []
    pattern = re.compile("^" + re.escape(term), re.IGNORECASE)
    query = Customer.objects(business_unit=unit, search_prefixes=key).filter(
        Q(last_name=pattern) | Q(first_name=pattern) | Q(email=pattern))
    return list(query.limit(20))


class PlanningView(SecureView):
    roles = ("owner", "staff")

    def is_visible(self) -> bool:
        return False  # reached from the customer file and the calendar

    @expose("/")
    def index(self):
        unit = current_user.business_unit
        kinds = list(ActivityType.objects(business_unit=unit, active=True).order_by("name"))
        customer = None
        if request.args.get("customer"):
            customer = get_or_404(Customer, unit=unit, pk=request.args.get("customer"))
        kind = next((k for k in kinds if str(k.pk) == request.args.get("activity_type")), None)
        today = planning.Rules.of(unit).local_day(utcnow())
        first = _day(request.args.get("date"), today)
        days = _days(request.args.get("days"))
        slots = []
        if customer is not None and kind is not None:
            slots = planning.suggest_slots(unit, kind, customer, start=first, days=days, for_customer=False,
                                           limit=SHOWN)
        rows = [{"slot": s, "start": to_local(s.start), "end": to_local(s.end),
                 "label": RATING_LABELS[s.rating], "icon": RATING_ICONS[s.rating]} for s in slots]
        matches = _customers_matching(unit, request.args.get("q", "")) if customer is None else []
        point = geo.customer_point(customer) if customer is not None else None
        return self.render("admin/planning.html", customer=customer, kinds=kinds, kind=kind, first=first,
                           point=point, sources=SOURCE_LABELS,
                           days=days, rows=rows, matches=matches, q=request.args.get("q", "")[:100],
                           searched=customer is not None and kind is not None, title=_l("Suggest appointment"))

    @expose("/book", methods=("POST",))
    def book(self):
        unit = current_user.business_unit
        customer = get_or_404(Customer, unit=unit, pk=request.form.get("customer"))
        kind = get_or_404(ActivityType, unit=unit, pk=request.form.get("activity_type"))
        back = url_for(".index", customer=str(customer.pk), activity_type=str(kind.pk),
                       date=_day(request.form.get("date"), date.today()).isoformat(),
                       days=_days(request.form.get("days")))
        with flashed_errors():
            appointment = booking.book(unit, kind, customer, request.form.get("token", ""), actor=actor(),
                                       source="admin")
            local = to_local(appointment.start)
            flash(_("Booked: %(when)s with %(staff)s.", when=local.strftime("%d.%m.%Y %H:%M"),
                    staff=appointment.staff.name), "success")
            return redirect(url_for("calendar.index", date=local.date().isoformat(),
                                    staff=str(appointment.staff.pk)))
        return redirect(back)

    @expose("/coordinates", methods=("POST",))
    def coordinates(self):
        """Staff set a customer's coordinates by hand (both empty: from the address again)."""
        customer = get_or_404(Customer, unit=current_user.business_unit, pk=request.form.get("customer"))
        with flashed_errors():
            lat, lon = (_number(request.form.get(name)) for name in ("lat", "lon"))
            schedules.set_customer_coordinates(actor(), customer, lat, lon)
            flash(_("The coordinates were saved."), "success")
        return redirect(url_for(".index", customer=str(customer.pk),
                                activity_type=request.form.get("activity_type") or None))


def suggest_url(customer=None, day: date | None = None) -> str:
    """Where "Termin vorschlagen" links point (customer file, calendar)."""
    args = {}
    if customer is not None:
        args["customer"] = str(customer.pk)
    if day is not None:
        args["date"] = day.isoformat()
    return url_for("planning.index", **args)
