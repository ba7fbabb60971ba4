"""Appointments (list, forms in the unit's time zone, detail with the "Options" menu) and activity types."""

from __future__ import annotations

from datetime import datetime

from flask import request, url_for
from flask_admin.contrib.mongoengine.form import ModelSelectField
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from admin.forms import LocalDateTimeField, format_local
from admin.sections import options_for
from admin.views.base import ScopedAjaxLoader, SecureModelView, actor
from core.models import ActivityType, Customer, Project, StaffUser
from core.services import reminders
from core.signals import announce

#: the answer for any id that is not among the scoped choices (unknown, another unit's, inactive, designer)
NOT_A_CHOICE = _l("This choice is not available.")

STATUS_LABELS = {"planned": _l("planned"), "running": _l("running"), "done": _l("done"),
                 "cancelled": _l("cancelled"), "no_show": _l("no-show")}


def _local(view, context, model, name):
    return format_local(getattr(model, name))


class AppointmentView(SecureModelView):
    roles = ("owner", "staff")
    can_export = True
    column_list = ("start", "end", "customer", "staff", "activity_type", "status", "location")
    column_labels = {"start": _l("Start"), "end": _l("End"), "customer": _l("Customer"), "staff": _l("Staff"),
                     "activity_type": _l("Activity"), "project": _l("Project"), "status": _l("Status"),
                     "location": _l("Location"),
                     "notes": _l("Notes"), "reminder_wanted": _l("Reminder wanted"), "timezone": _l("Time zone"),
                     "reminder_sent_at": _l("Reminder sent"), "confirmed_at": _l("Confirmed by the customer")}
    column_value_labels = {"status": STATUS_LABELS}
    column_default_sort = ("start", True)
    column_sortable_list = ("start", "end", "status")
    column_filters = ("start", "status", "reminder_wanted")
    column_formatters = {
        "start": _local, "end": _local,
        "status": lambda v, c, m, n: STATUS_LABELS.get(m.status, m.status),
        "customer": lambda v, c, m, n: Markup('<a href="{}">{}</a>').format(
            url_for("customer.file_view", id=str(m.customer.pk)), m.customer) if m.customer else "",
    }
    column_formatters_detail = column_formatters
    form_columns = ("customer", "staff", "activity_type", "project", "start", "end", "status", "location", "notes",
                    "reminder_wanted")
    form_overrides = {"start": LocalDateTimeField, "end": LocalDateTimeField}
    form_choices = {"status": list(STATUS_LABELS.items())}
    details_template = "admin/appointment_details.html"
    column_details_list = ("start", "end", "customer", "staff", "activity_type", "status", "location", "notes",
                           "reminder_wanted", "reminder_sent_at", "confirmed_at")

    def scaffold_form(self):
        form_class = super().scaffold_form()
        for name in SCOPED_CHOICES:
            getattr(form_class, name).field_class = ScopedSelectField
        return form_class

    def __init__(self, *args, **kwargs):
        self.form_ajax_refs = {"customer": ScopedAjaxLoader("customer", Customer,
                                                            fields=["last_name_key", "first_name", "email"],
                                                            page_size=20)}
        super().__init__(*args, **kwargs)

    def _scope_form(self, form):
        """Limit the choices to the unit's active staff (no designers), active activity types and the
        unit's projects, and resolve a submitted id against those only: Flask-Admin resolved it against
        every unit while building the form, so an id outside the choices is refused here, with one
        message whatever it is (unknown, malformed, another unit's, inactive)."""
        unit = current_user.business_unit
        _rescope(form.staff, StaffUser.objects(business_unit=unit, active=True, role__in=["owner", "staff"]))
        _rescope(form.activity_type, ActivityType.objects(business_unit=unit, active=True))
        _rescope(form.project, Project.objects(business_unit=unit))
        return form

    def create_form(self, obj=None):
        form = self._scope_form(super().create_form(obj))
        if request.method == "GET":  # "reminder wanted" starts as the unit's reminder settings say
            form.reminder_wanted.data = reminders.default_wanted(current_user.business_unit)
        return form

    def edit_form(self, obj=None):
        return self._scope_form(super().edit_form(obj))

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        model.timezone = current_user.business_unit.timezone

    def unique_error_field(self, form):
        return None

    def after_save(self, model, before, is_created):
        """Tell the listeners (reminders, revenue, waitlist, surveys) what changed."""
        previous = None if is_created else {"start": _when(before.get("start")), "end": _when(before.get("end")),
                                            "staff_id": _id_str(before.get("staff")),
                                            "status": before.get("status")}
        announce(model, previous, actor=actor(), source="admin")
        reminders.sync(model)  # "reminder wanted" switched on or off changes no time: no signal covers it

    def render(self, template, **kwargs):
        if template == self.details_template and kwargs.get("model") is not None:
            kwargs["options"] = options_for(current_user.business_unit, current_user)
        return super().render(template, **kwargs)


SCOPED_CHOICES = ("staff", "activity_type", "project")


def _id_str(value) -> str | None:
    return str(value) if value is not None else None


def _when(value: str | None) -> datetime | None:
    """A :func:`snapshot` keeps datetimes as ISO strings."""
    return datetime.fromisoformat(value) if value else None


class ScopedSelectField(ModelSelectField):
    """A reference select that does not look the submitted id up while the form is built (Flask-Admin
    would query every unit, and a malformed id would raise): the view resolves it in :func:`_rescope`."""

    def process_formdata(self, valuelist):
        self.data = None


def _rescope(field, queryset) -> None:
    field.queryset = queryset
    raw = (field.raw_data or [None])[0]
    if raw in (None, "", "__None"):
        return
    field.data = queryset.get_or_none(pk=raw)
    if field.data is None:
        field.process_errors.append(str(NOT_A_CHOICE))  # a plain str: Flask-Admin shows only strings
        field.pre_validate = lambda form: None  # the field's own "Not a valid choice" would repeat it


class ActivityTypeView(SecureModelView):
    roles = ("owner",)
    column_list = ("name", "duration_minutes", "colour", "active")
    column_labels = {"name": _l("Name"), "duration_minutes": _l("Duration (minutes)"), "colour": _l("Colour"),
                     "active": _l("Active")}
    form_columns = ("name", "duration_minutes", "colour", "active")
    column_formatters = {"colour": lambda v, c, m, n: Markup(
        '<span class="fd-swatch" style="background:{}"></span> {}').format(m.colour, m.colour)}
