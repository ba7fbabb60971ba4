"""Appointments (list, forms in the unit's time zone, detail with the "Options" menu) and activity types."""

from __future__ import annotations

import json
from datetime import datetime

from flask import flash, g, request, url_for
from flask_admin.contrib.mongoengine.form import ModelSelectField, ModelSelectMultipleField
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup
from mongoengine import ValidationError as MEValidationError
from wtforms.fields import ColorField

from admin.forms import LocalDateTimeField, format_local
from admin.sections import options_for
from admin.views.base import CustomerAjaxLoader, SecureModelView, actor
from admin.views.customer_file import call_link
from core.errors import InvalidInput
from core.models import ActivityType, Customer, Project, StaffUser
from core.services import booking, portal_actions, reminders
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
                     "location": _l("Location"), "price": _l("Price"),
                     "notes": _l("Notes"), "reminder_wanted": _l("Reminder wanted"), "timezone": _l("Time zone"),
                     "reminder_sent_at": _l("Reminder sent"), "customer_phone": _l("Phone"),
                     "confirmed_at": _l("Confirmed by the customer")}
    column_value_labels = {"status": STATUS_LABELS}
    column_default_sort = ("start", True)
    column_sortable_list = ("start", "end", "status")
    column_filters = ("start", "status", "reminder_wanted")
    column_formatters = {
        "start": _local, "end": _local,
        "status": lambda v, c, m, n: STATUS_LABELS.get(m.status, m.status),
        "customer": lambda v, c, m, n: Markup('<a href="{}">{}</a>').format(
            url_for("customer.file_view", id=str(m.customer.pk)), m.customer) if m.customer else "",
        "customer_phone": lambda v, c, m, n: call_link(m.customer.phone, m.customer) if m.customer else "",
    }
    column_formatters_detail = column_formatters
    form_columns = ("customer", "staff", "activity_type", "project", "start", "end", "status", "location", "price",
                    "notes", "reminder_wanted")
    form_overrides = {"start": LocalDateTimeField, "end": LocalDateTimeField}
    form_choices = {"status": list(STATUS_LABELS.items())}
    details_template = "admin/appointment_details.html"
    column_details_list = ("start", "end", "customer", "customer_phone", "staff", "activity_type", "status",
                           "location", "price", "notes", "reminder_wanted", "reminder_sent_at", "confirmed_at")

    def scaffold_form(self):
        form_class = super().scaffold_form()
        for name in SCOPED_CHOICES:
            getattr(form_class, name).field_class = ScopedSelectField
        return form_class

    def __init__(self, *args, **kwargs):
        self.form_ajax_refs = {"customer": CustomerAjaxLoader(
            "customer", Customer, fields=["last_name", "first_name", "email"], page_size=20,
            placeholder=_l("Type a name, e-mail address or phone number"))}
        super().__init__(*args, **kwargs)

    def _scope_form(self, form):
        """Limit the choices to the unit's active staff (no designers), active activity types and the
        unit's projects, and resolve a submitted id against those only: Flask-Admin resolved it against
        every unit while building the form, so an id outside the choices is refused here, with one
        message whatever it is (unknown, malformed, another unit's, inactive)."""
        unit = current_user.business_unit
        _rescope(form.staff, StaffUser.objects(business_unit=unit, active=True, role__in=["owner", "staff"]))
        activities = ActivityType.objects(business_unit=unit, active=True)
        _rescope(form.activity_type, activities)
        # admin.js fills the end from the start and the chosen activity's duration
        form.activity_type.render_kw = {"data-fd-durations": json.dumps(
            {str(a.pk): a.duration_minutes for a in activities.only("duration_minutes")})}
        _rescope(form.project, Project.objects(business_unit=unit))
        return form

    def create_form(self, obj=None):
        form = self._scope_form(super().create_form(obj))
        if request.method == "GET":  # "reminder wanted" starts as the unit's reminder settings say
            form.reminder_wanted.data = reminders.default_wanted(current_user.business_unit)
        if request.method == "GET" and request.args.get("customer"):  # opened from the customer file
            form.customer.data = Customer.objects.of_unit(current_user.business_unit).get_or_none(
                pk=request.args.get("customer"))
        return form

    def edit_form(self, obj=None):
        return self._scope_form(super().edit_form(obj))

    def on_model_change(self, form, model, is_created):
        """Claim the appointment's time before it is saved (core.services.booking): when a booking made
        meanwhile holds it, the form shows that on the start field and nothing is saved."""
        super().on_model_change(form, model, is_created)
        unit = current_user.business_unit
        model.timezone = unit.timezone
        model.coordinates = booking.place_of(unit, model.activity_type, model.customer)
        if is_created and model.price is None and model.activity_type is not None:
            model.price = model.activity_type.price
        try:
            g.appointment_hold = booking.hold(model)
        except booking.SlotTaken as exc:
            others = booking.holders(model)
            message = _("This time overlaps another appointment of this staff member: %(others)s",
                        others=_appointment_list(others)) if others else str(exc)
            raise MEValidationError("taken", errors={"start": MEValidationError(message)}) from None

    def _save(self, form, model, is_created: bool):
        """The claims follow the save: kept (and the old time released) when it worked, given back when not."""
        g.appointment_hold = None
        saved = super()._save(form, model, is_created)
        held = g.pop("appointment_hold", None)
        if held is not None:
            held.settle() if saved else held.undo()
        return saved

    def unique_error_field(self, form):
        return None

    def after_model_delete(self, model):
        """A deleted appointment's time is free at once (not only once its claims count as stale)."""
        booking.release(model.pk)

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


def _appointment_list(appointments) -> str:
    """ "07.01.2030 10:00 Jürgen Müller (Anna), ..." for a message."""
    def label(appointment) -> str:
        parts = (format_local(appointment.start), appointment.customer.full_name if appointment.customer else "",
                 f"({appointment.staff.name})" if appointment.staff else "")
        return " ".join(part for part in parts if part)
    return ", ".join(label(appointment) for appointment in appointments)


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


class ScopedMultipleSelectField(ModelSelectMultipleField):
    """A multiple reference select resolved by the view against the unit's choices (as ScopedSelectField);
    nothing chosen is an empty list, not None."""

    def process_formdata(self, valuelist):
        self.data = []

    def pre_validate(self, form):
        """Any number of choices (none included); unknown ones were refused while the view scoped it."""


def _rescope(field, queryset) -> None:
    field.queryset = queryset
    raw = (field.raw_data or [None])[0]
    if raw in (None, "", "__None"):
        return
    field.data = queryset.get_or_none(pk=raw)
    if field.data is None:
        field.process_errors.append(str(NOT_A_CHOICE))  # a plain str: Flask-Admin shows only strings
        field.pre_validate = lambda form: None  # the field's own "Not a valid choice" would repeat it


LOCATION_KIND_LABELS = {"business": _l("At the business"), "customer": _l("At the customer's address"),
                        "online": _l("Online")}

#: the portal section of an activity type (its actions: Settings > Kundenportal-Aktionen)
PORTAL_LABELS = {"portal_visible": _l("Shown in the customer portal"), "portal_title": _l("Title in the portal"),
                 "portal_description": _l("Description in the portal")}


def _portal_actions_link(view, context, model, name):
    label = _("Yes") if model.portal_visible else _("No")
    if not current_user.business_unit.has_feature("portal"):
        return label
    return Markup('{} · <a href="{}">{}</a>').format(label, url_for("portal_actions.index", type=str(model.pk)),
                                                     _("Portal actions"))


def check_portal_texts(model) -> None:
    """Unknown placeholders in the portal title or description: a field error, nothing saved."""
    try:
        portal_actions.check_texts(model.portal_title, model.portal_description)
    except InvalidInput as exc:
        field = next(iter(exc.field_errors), "portal_title")
        raise MEValidationError("Invalid activity type", errors={field: MEValidationError(str(exc))}) from None


class ActivityTypeView(SecureModelView):
    roles = ("owner",)
    column_list = ("name", "duration_minutes", "price", "location_kind", "colour", "active", "portal_visible")
    column_labels = {"name": _l("Name"), "duration_minutes": _l("Duration (minutes)"), "colour": _l("Colour"),
                     "active": _l("Active"), "price": _l("Price"), "location_kind": _l("Location"),
                     "buffer_before_minutes": _l("Buffer before (minutes)"),
                     "buffer_after_minutes": _l("Buffer after (minutes)"),
                     "performers": _l("Performed by (empty: everyone)"), **PORTAL_LABELS}
    column_value_labels = {"location_kind": LOCATION_KIND_LABELS}
    form_columns = ("name", "duration_minutes", "price", "buffer_before_minutes", "buffer_after_minutes",
                    "location_kind", "performers", "colour", "active", *PORTAL_LABELS)
    form_choices = {"location_kind": list(LOCATION_KIND_LABELS.items())}
    form_args = {"location_kind": {"default": "business"}, "buffer_before_minutes": {"default": 0},
                 "buffer_after_minutes": {"default": 0}}
    form_overrides = {"colour": ColorField}  # the browser's colour picker (stores "#rrggbb")
    column_details_list = ("name", "duration_minutes", "price", "buffer_before_minutes", "buffer_after_minutes",
                           "location_kind", "performers", "colour", "active", *PORTAL_LABELS)
    column_formatters = {"colour": lambda v, c, m, n: Markup(
        '<span class="fd-swatch" style="background:{}"></span> {}').format(m.colour, m.colour),
        "location_kind": lambda v, c, m, n: LOCATION_KIND_LABELS.get(m.location_kind, m.location_kind),
        "portal_visible": _portal_actions_link}

    def scaffold_form(self):
        form_class = super().scaffold_form()
        form_class.performers.field_class = ScopedMultipleSelectField
        return form_class

    def _scope_performers(self, form):
        """Performers: the unit's active owners and staff members only (an id outside them is refused)."""
        field = form.performers
        field.queryset = StaffUser.objects(business_unit=current_user.business_unit, active=True,
                                           role__in=["owner", "staff"])
        raws = {raw for raw in field.raw_data or [] if raw not in ("", "__None")}
        if raws:
            field.data = list(field.queryset.with_ids(raws))
            if len(field.data) != len(raws):
                field.process_errors.append(str(NOT_A_CHOICE))
        return form

    def create_form(self, obj=None):
        return self._scope_performers(super().create_form(obj))

    def edit_form(self, obj=None):
        return self._scope_performers(super().edit_form(obj))

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        check_portal_texts(model)

    def after_save(self, model, before, is_created):
        """Changed buffers: the reserved times of the type's appointments that have not ended follow them
        (core.services.booking.reclaim_activity_type); the owner is told which ones could not."""
        if is_created or all((before.get(name) or 0) == (getattr(model, name) or 0)
                             for name in ("buffer_before_minutes", "buffer_after_minutes")):
            return
        result = booking.reclaim_activity_type(model, actor=actor())
        if result.followed:
            flash(ngettext("The reserved time of %(num)d upcoming appointment follows the new buffers.",
                           "The reserved times of %(num)d upcoming appointments follow the new buffers.",
                           result.followed), "info")
        if result.conflicts:
            items = [_("%(appointment)s overlaps %(others)s", appointment=_appointment_list([c.appointment]),
                       others=_appointment_list(c.others)) if c.others else _appointment_list([c.appointment])
                     for c in result.conflicts]
            flash(_("These appointments would overlap another appointment of the same staff member with the new "
                    "buffers and keep their previous reserved times (please move one of each pair): %(list)s",
                    list="; ".join(items)), "warning")

