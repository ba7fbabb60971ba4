"""The admin start page: today's appointments and quick links."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user

from admin.forms import to_utc, unit_zone
from core.models import Appointment, Customer


class DashboardView(AdminIndexView):
    def is_accessible(self):
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("staff_auth.login", next=request.full_path))

    @expose("/")
    def index(self):
        unit = current_user.business_unit
        today = datetime.now(unit_zone()).date()
        start = to_utc(datetime.combine(today, datetime.min.time()))
        todays = []
        customers = None
        if current_user.role in ("owner", "staff"):
            todays = list(Appointment.objects(business_unit=unit, start__gte=start,
                                              start__lt=start + timedelta(days=1)).order_by("start").limit(50))
            customers = Customer.objects(business_unit=unit).count()
        return self.render("admin/dashboard.html", unit=unit, todays=todays, customers=customers)
