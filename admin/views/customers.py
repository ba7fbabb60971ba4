"""Customers: list, search, filters, the customer file ("Kundenakte") and the delete confirmation."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.mongoengine.filters import FilterEqual
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from wtforms import StringField
from wtforms.validators import Optional

from admin.sections import FileSection, add_file_section, sections_for
from admin.views.base import SecureModelView, actor, unit_country
from admin.views.bonus import ReferredByMixin
from admin.views.customer_file import call_link
from core.i18n import LANGUAGE_NAMES
from core.models import Appointment, AuditEvent, Customer, QuestionnaireVersion
from core.models._base import utcnow
from core.models.customer import matching
from core.phone import display as phone_display
from core.services.deletion import customer_data_counts, delete_customer
from core.web import get_or_404, submit_answers, takes_json

SALUTATION_LABELS = {"": "—", "ms": _l("Ms"), "mr": _l("Mr"), "mx": _l("Mx")}
#: "" = the channel the unit's reminder settings choose
REMINDER_CHANNELS = {"": _l("as set for the business"), "email": _l("e-mail"), "sms": _l("SMS")}
MESSAGE_LANGUAGES = {"": _l("as set for the business"), **LANGUAGE_NAMES}


class TagsField(StringField):
    """Comma-separated tags."""

    def _value(self):
        return ", ".join(self.data or []) if isinstance(self.data, list) else (self.data or "")

    def process_formdata(self, valuelist):
        raw = valuelist[0] if valuelist else ""
        self.data = [t.strip()[:50] for t in raw.split(",") if t.strip()][:50]


class CustomerView(ReferredByMixin, SecureModelView):
    roles = ("owner", "staff")
    can_export = True
    column_list = ("last_name", "first_name", "email", "phone", "birthday", "tags", "updated_at")
    column_labels = {
        "salutation": _l("Salutation"), "title": _l("Title"), "first_name": _l("First name"),
        "last_name": _l("Last name"), "birthday": _l("Birthday"), "email": _l("E-mail"), "phone": _l("Phone"),
        "address": _l("Address"), "notes": _l("Notes"), "tags": _l("Tags"), "custom_fields": _l("Custom fields"),
        "created_at": _l("Created"), "updated_at": _l("Updated"),
        "portal_enabled": _l("Customer portal"),
        "reminders_opt_out": _l("No appointment reminders"), "reminder_channel": _l("Preferred reminder channel"),
        "language": _l("Language of confirmations and reminders"),
    }
    column_sortable_list = (("last_name", "last_name_key"), "first_name", "birthday", "updated_at")
    column_default_sort = [("last_name_key", False), ("first_name", False)]
    column_searchable_list = ("last_name", "first_name", "email")
    column_filters = (FilterEqual("tags", _l("Tag")), "created_at")
    column_formatters = {
        "phone": lambda v, c, m, n: call_link(m.phone, m),
        "tags": lambda v, c, m, n: ", ".join(m.tags or []),
        "last_name": lambda v, c, m, n: Markup('<a href="{}">{}</a>').format(
            url_for("customer.file_view", id=str(m.pk)), m.last_name),
    }
    column_formatters_export = {"tags": lambda v, c, m, n: ", ".join(m.tags or []),
                                "phone": lambda v, c, m, n: phone_display(m.phone),
                                "address": lambda v, c, m, n: str(m.address or "")}
    column_export_list = ("salutation", "title", "first_name", "last_name", "birthday", "email", "phone",
                          "address", "tags", "notes", "created_at")
    form_columns = ("salutation", "title", "first_name", "last_name", "birthday", "email", "phone",
                    "address", "tags", "notes",
                    "portal_enabled", "reminders_opt_out", "reminder_channel", "language", "referred_by")
    form_overrides = {"tags": TagsField}
    form_subdocuments = {"address": {"form_args": {
        "street": {"label": _l("Street and number")}, "postal_code": {"label": _l("Postal code")},
        "city": {"label": _l("City")}, "country": {"label": _l("Country (ISO code, e.g. DE)")}}}}
    form_args = {"phone": {"validators": [Optional()], "description": _l("e.g. 030 1234567 or +49 30 1234567")}}
    form_choices = {"salutation": list(SALUTATION_LABELS.items()), "reminder_channel": list(REMINDER_CHANNELS.items()),
                    "language": list(MESSAGE_LANGUAGES.items())}
    delete_confirm_endpoint = ".delete_confirm_view"
    details_template = "admin/customer_details.html"
    column_details_exclude_list = ("business_unit", "search_prefixes", "search_words", "last_name_key")  # derived
    column_value_labels = {"salutation": SALUTATION_LABELS, "reminder_channel": REMINDER_CHANNELS,
                           "language": MESSAGE_LANGUAGES}

    def _search(self, query, search_term):
        """The customer search rule (core.models.customer.matching): names and their parts, e-mail,
        phone numbers as typed, umlauts and ß folded."""
        return matching(query, search_term, unit_country())

    def delete_model(self, model):
        """All deletion goes through the one service that removes everything of the customer."""
        delete_customer(actor(), model)
        return True

    @expose("/file/")
    def file_view(self):
        customer = self.get_one(request.args.get("id", ""))
        if customer is None:
            abort(404)
        unit = current_user.business_unit
        sections = [(s, s.context(customer)) for s in sections_for(unit)]
        return self.render("admin/customer_file.html", customer=customer, sections=sections,
                           salutation=SALUTATION_LABELS.get(customer.salutation or "", ""))

    @expose("/fill/", methods=("GET", "POST"))
    @takes_json
    def fill_view(self):
        """Staff fill a published questionnaire together with the customer (source "staff")."""

        from core.services import questionnaires as qs

        customer = self.get_one(request.args.get("id", ""))
        if customer is None:
            abort(404)
        version = get_or_404(QuestionnaireVersion, unit=current_user.business_unit, pk=request.args.get("version"))
        qs.ensure_renderable(version)  # a version holding code is shown to nobody (409 page)
        lang = str(get_locale() or "de")
        if request.method == "POST":
            return submit_answers(lambda data: qs.submit(actor(), customer=customer, version=version, data=data,
                                                         source="staff", source_label=current_user.name, lang=lang),
                                  done=url_for(".file_view", id=str(customer.pk)),
                                  thanks=_("The questionnaire was saved."))
        return self.render("admin/questionnaire_fill.html", customer=customer, version=version,
                           definition=version.schema, prefill=qs.prefill_for(version, customer), lang=lang,
                           submit_url=url_for(".fill_view", id=str(customer.pk), version=str(version.pk)))

    @expose("/delete-confirm/", methods=("GET", "POST"))
    def delete_confirm_view(self):
        customer = self.get_one(request.values.get("id", ""))
        if customer is None:
            abort(404)
        if request.method == "POST":
            counts = delete_customer(actor(), customer)
            flash(_("The customer and all their data (%(n)d records) were deleted permanently.",
                    n=sum(counts.values())), "success")
            return redirect(url_for(".index_view"))
        return self.render("admin/customer_delete.html", customer=customer,
                           counts=customer_data_counts(customer))


def _questionnaires_context(customer: Customer) -> dict:
    from core.services.questionnaires import published_for_unit

    return {"available": published_for_unit(customer.business_unit), "customer_id": str(customer.pk)}


def _appointments_context(customer: Customer) -> dict:
    now = utcnow()
    upcoming = Appointment.objects(customer=customer, start__gte=now).order_by("start").limit(50)
    past = Appointment.objects(customer=customer, start__lt=now).order_by("-start").limit(20)
    return {"upcoming": list(upcoming), "past": list(past)}


def _history_context(customer: Customer) -> dict:
    from core.services.calls import calls_for

    events = AuditEvent.objects(object_type="customers", object_id=str(customer.pk)).order_by("-at").limit(20)
    return {"events": list(events), "calls": calls_for(customer)}


add_file_section(FileSection("appointments", _l("Appointments"), "admin/sections/appointments.html",
                             _appointments_context, order=10))
add_file_section(FileSection("fill", _l("Fill in a questionnaire"), "admin/sections/fill.html",
                             _questionnaires_context, order=25))
add_file_section(FileSection("history", _l("Change history"), "admin/sections/history.html",
                             _history_context, order=90))
