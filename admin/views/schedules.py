"""Settings > Team schedules (owners): each staff member's working hours, absences and start location; the
unit's opening hours, holidays, location and booking rules. Thin: core.services.schedules saves."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import DateField, FloatField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from admin.views.base import SecureView, actor, flashed_errors
from core.models import StaffUser
from core.services import schedules as service
from core.web import get_or_404

WEEKDAY_NAMES = (_l("Monday"), _l("Tuesday"), _l("Wednesday"), _l("Thursday"), _l("Friday"), _l("Saturday"),
                 _l("Sunday"))
ABSENCE_LABELS = {"holiday": _l("Holiday"), "sick": _l("Sick"), "training": _l("Training"), "other": _l("Other")}
HOURS_HINT = _l('e.g. "09:00-13:00, 14:00-18:00"; empty: not working')


class DecimalCommaField(FloatField):
    """A number field that takes the German decimal comma ("52,52") as well as the point."""

    def process_formdata(self, valuelist):
        super().process_formdata([v.replace(",", ".") if isinstance(v, str) else v for v in valuelist])


class _WeekForm(FlaskForm):
    """Seven text fields day0..day6 (Monday..Sunday) and a location."""

    street = StringField(_l("Street"), validators=[Optional(), Length(max=200)])
    postal_code = StringField(_l("Postal code"), validators=[Optional(), Length(max=16)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=100)])
    lat = DecimalCommaField(_l("Latitude"), validators=[Optional(), NumberRange(-90, 90)])
    lon = DecimalCommaField(_l("Longitude"), validators=[Optional(), NumberRange(-180, 180)])


def _with_weekdays(form_class: type) -> None:
    for day, name in enumerate(WEEKDAY_NAMES):
        setattr(form_class, f"day{day}", StringField(name, validators=[Optional(), Length(max=200)],
                                                     description=HOURS_HINT))


_with_weekdays(_WeekForm)


class StaffScheduleForm(_WeekForm):
    pass


class BookingSettingsForm(_WeekForm):
    min_notice_hours = IntegerField(_l("Minimum notice for customers (hours)"),
                                    validators=[InputRequired(), NumberRange(0, 24 * 60)])
    max_days_ahead = IntegerField(_l("Bookable up to this many days ahead"),
                                  validators=[InputRequired(), NumberRange(1, 365)])
    slot_interval_minutes = IntegerField(_l("Slot interval (minutes)"),
                                         validators=[InputRequired(), NumberRange(5, 240)])
    road_factor = DecimalCommaField(_l("Road factor (road distance / straight line)"),
                             validators=[InputRequired(), NumberRange(1.0, 3.0)])
    speed_kmh = DecimalCommaField(_l("Average speed (km/h)"), validators=[InputRequired(), NumberRange(5, 130)])
    default_travel_minutes = IntegerField(_l("Travel time when a place is not known (minutes)"),
                                          validators=[InputRequired(), NumberRange(0, 240)])
    green_max_minutes = IntegerField(_l("Green up to this added travel (minutes)"),
                                     validators=[InputRequired(), NumberRange(0, 240)])
    orange_max_minutes = IntegerField(_l("Orange up to this added travel (minutes)"),
                                      validators=[InputRequired(), NumberRange(0, 480)])


class RangeForm(FlaskForm):
    start = DateField(_l("First day"), validators=[InputRequired()])
    end = DateField(_l("Last day"), validators=[InputRequired()])
    kind = SelectField(_l("Kind"), choices=list(ABSENCE_LABELS.items()), default="holiday")
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])


class RemoveForm(FlaskForm):
    index = IntegerField(validators=[InputRequired(), NumberRange(0, service.MAX_RANGES)])


def _week(form) -> dict[int, str]:
    return {day: getattr(form, f"day{day}").data or "" for day in range(7)}


def _fill_week(form, intervals) -> None:
    for day, text in service.by_weekday(intervals).items():
        getattr(form, f"day{day}").data = text


def _fill_place(form, address, point) -> None:
    if address is not None:
        form.street.data, form.postal_code.data, form.city.data = address.street, address.postal_code, address.city
    if point is not None and point.source == "manual":  # a derived point is derived again on saving
        form.lat.data, form.lon.data = point.lat, point.lon


def _form_errors() -> None:
    flash(_("Please correct the marked fields."), "error")


def _mark(form, exc) -> None:
    for name, message in exc.field_errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message]


class ScheduleView(SecureView):
    roles = ("owner",)

    def _staff(self, raw) -> StaffUser:
        return get_or_404(StaffUser.objects(role__in=["owner", "staff"]), unit=current_user.business_unit, pk=raw)

    @expose("/")
    def index(self):
        unit = current_user.business_unit
        team = list(StaffUser.objects(business_unit=unit, role__in=["owner", "staff"]).order_by("name"))
        rows = []
        for member in team:
            schedule = service.staff_schedule(member)
            rows.append({"staff": member, "hours": service.by_weekday(schedule.hours),
                         "absences": len(schedule.absences)})
        settings = service.booking_settings(unit)
        return self.render("admin/schedules.html", rows=rows, weekdays=WEEKDAY_NAMES,
                           opening=service.by_weekday(settings.opening_hours), title=_l("Team schedules"))

    @expose("/staff", methods=("GET", "POST"))
    def staff(self):
        member = self._staff(request.values.get("id"))
        schedule = service.staff_schedule(member)
        form = StaffScheduleForm()
        if request.method == "GET":
            _fill_week(form, schedule.hours)
            _fill_place(form, schedule.start_address, schedule.start_coordinates)
        elif form.validate_on_submit():
            with flashed_errors() as refusal:
                service.save_staff_schedule(actor(), member, _week(form), street=form.street.data,
                                            postal_code=form.postal_code.data, city=form.city.data,
                                            lat=form.lat.data, lon=form.lon.data)
                flash(_("The schedule was saved."), "success")
                return redirect(url_for(".staff", id=str(member.pk)))
            _mark(form, refusal.error)
        else:
            _form_errors()
        return self.render("admin/schedule_staff.html", member=member, form=form, schedule=schedule,
                           range_form=RangeForm(), labels=ABSENCE_LABELS, title=_l("Team schedules"))

    @expose("/staff/absence", methods=("POST",))
    def add_absence(self):
        member = self._staff(request.form.get("id"))
        form = RangeForm()
        if form.validate_on_submit():
            with flashed_errors():
                service.add_absence(actor(), member, form.start.data, form.end.data, form.kind.data, form.note.data)
                flash(_("The absence was added."), "success")
        else:
            flash(_("Give a first and a last day (not before the first)."), "error")
        return redirect(url_for(".staff", id=str(member.pk)))

    @expose("/staff/absence/remove", methods=("POST",))
    def remove_absence(self):
        member = self._staff(request.form.get("id"))
        form = RemoveForm()
        if form.validate_on_submit():
            with flashed_errors():
                service.remove_absence(actor(), member, form.index.data)
                flash(_("The absence was removed."), "success")
        else:
            flash(_("This entry does not exist (any more)."), "error")
        return redirect(url_for(".staff", id=str(member.pk)))

    @expose("/unit", methods=("GET", "POST"))
    def unit(self):
        unit = current_user.business_unit
        settings = service.booking_settings(unit)
        form = BookingSettingsForm()
        if request.method == "GET":
            _fill_week(form, settings.opening_hours)
            _fill_place(form, settings.address, settings.coordinates)
            for name in service.RULES:
                getattr(form, name).data = getattr(settings, name)
        elif form.validate_on_submit():
            with flashed_errors() as refusal:
                service.save_booking_settings(actor(), unit, _week(form),
                                              {name: getattr(form, name).data for name in service.RULES},
                                              street=form.street.data, postal_code=form.postal_code.data,
                                              city=form.city.data, lat=form.lat.data, lon=form.lon.data)
                flash(_("The booking settings were saved."), "success")
                return redirect(url_for(".unit"))
            _mark(form, refusal.error)
        else:
            _form_errors()
        return self.render("admin/schedule_unit.html", form=form, settings=settings, range_form=RangeForm(),
                           rules=list(service.RULES), title=_l("Opening hours and booking rules"))

    @expose("/unit/holiday", methods=("POST",))
    def add_holiday(self):
        form = RangeForm()
        if form.validate_on_submit():
            with flashed_errors():
                service.add_holiday(actor(), current_user.business_unit, form.start.data, form.end.data,
                                    form.note.data)
                flash(_("The holiday was added."), "success")
        else:
            flash(_("Give a first and a last day (not before the first)."), "error")
        return redirect(url_for(".unit"))

    @expose("/unit/holiday/remove", methods=("POST",))
    def remove_holiday(self):
        form = RemoveForm()
        if form.validate_on_submit():
            with flashed_errors():
                service.remove_holiday(actor(), current_user.business_unit, form.index.data)
                flash(_("The holiday was removed."), "success")
        else:
            flash(_("This entry does not exist (any more)."), "error")
        return redirect(url_for(".unit"))
