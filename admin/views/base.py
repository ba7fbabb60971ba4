"""The one secured base for every admin view: login, roles, feature switches, unit scoping, audit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView
from flask_admin.actions import action
from flask_admin.contrib.mongoengine import ModelView
from flask_admin.contrib.mongoengine.ajax import QueryAjaxModelLoader
from flask_admin.contrib.mongoengine.filters import FilterEqual, FilterNotEqual
from flask_admin.model import typefmt
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from mongoengine import NotUniqueError
from mongoengine import ValidationError as MEValidationError

from admin.forms import AdminForm, format_local
from core.errors import FrontdeskError
from core.files import attachment_header
from core.models._base import N_
from core.services.audit import Actor, customer_id_of, record, record_change, snapshot
from core.services.submission_export import escape_formula

#: labels of fields many models share; a view's own ``column_labels`` win
COMMON_LABELS = {"created_at": _l("Created"), "updated_at": _l("Updated"), "notes": _l("Notes"),
                 "name": _l("Name"), "email": _l("E-mail"), "status": _l("Status")}


def _yes_no(view, value, name):
    return _("Yes") if value else _("No")


def _local_datetime(view, value, name):
    """Dates and times in the unit's time zone, in the viewer's locale (admin.forms.format_local)."""
    return format_local(value)


#: list cells: booleans keep Flask-Admin's check icon; dates and times are local, never UTC ISO strings
LIST_TYPE_FORMATTERS = {**typefmt.BASE_FORMATTERS, datetime: _local_datetime, date: _local_datetime}
#: detail pages: "Ja"/"Nein" instead of "True"/"False"
DETAIL_TYPE_FORMATTERS = {**typefmt.DETAIL_FORMATTERS, bool: _yes_no, datetime: _local_datetime,
                          date: _local_datetime}


def actor() -> Actor:
    return Actor.staff(current_user)


def flash_error(exc: FrontdeskError) -> None:
    """Show a service's refusal to staff, in their language (its message was marked for translation
    where it was raised)."""
    flash(str(exc), "error")


class Refusal:
    """What :func:`flashed_errors` caught: ``error`` is None when the block ran through."""

    error: FrontdeskError | None = None

    @property
    def status(self) -> int:
        return self.error.status if self.error is not None else 200


@contextmanager
def flashed_errors() -> Iterator[Refusal]:
    """The admin's try/flash/redirect block, once: a :class:`FrontdeskError` raised inside the ``with``
    becomes an error flash and ends the block; the view goes on after it (e.g. redirects back).

        with flashed_errors():
            service.create_project(actor(), customer, name)
            flash(_("The project was created."), "success")
        return redirect(back)
    """
    refusal = Refusal()
    try:
        yield refusal
    except FrontdeskError as exc:
        flash_error(exc)
        refusal.error = exc


class AccessMixin:
    """Login required; ``roles`` decide who may open the view; ``feature`` must be switched on."""

    roles: tuple[str, ...] = ("owner",)
    feature: str | None = None

    def is_accessible(self) -> bool:
        user = current_user
        if not (user and user.is_authenticated and user.role in self.roles):
            return False
        return not (self.feature and not user.business_unit.has_feature(self.feature))

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("staff_auth.login", next=request.full_path))
        abort(403)


class SecureView(AccessMixin, BaseView):
    """Plain (non-model) admin page."""


class ScopedAjaxLoader(QueryAjaxModelLoader):
    """AJAX reference loader limited to the current business unit, prefix search on given fields."""

    def get_one(self, pk):
        return self.model.objects.of_unit(current_user.business_unit).get_or_none(pk=pk)

    def get_list(self, term, offset=0, limit=20):
        query = self.model.objects(business_unit=current_user.business_unit)
        term = (term or "").strip()[:100]
        if term:
            pattern = re.compile("^" + re.escape(term), re.IGNORECASE)
            criteria = None
            from mongoengine import Q

            for field in self._cached_fields:
                q = Q(**{field.name: pattern})
                criteria = q if criteria is None else criteria | q
            query = query.filter(criteria)
        return query.skip(max(offset or 0, 0)).limit(min(limit or 20, 50))


def unit_country() -> str:
    """The logged-in user's unit's country: how a phone number typed without "+" is read."""
    unit = getattr(current_user, "business_unit", None)
    settings = unit.settings if unit is not None else None
    return (settings.default_country if settings else None) or "DE"


class CustomerAjaxLoader(ScopedAjaxLoader):
    """The customer picker: the unit's customers, found by the one customer search rule."""

    def get_list(self, term, offset=0, limit=20):
        from core.models.customer import matching

        query = matching(self.model.objects(business_unit=current_user.business_unit), term or "", unit_country())
        return query.skip(max(offset or 0, 0)).limit(min(limit or 20, 50))


class SecureModelView(AccessMixin, ModelView):
    """Model view with CSRF forms, unit scoping, audit events and field-level error messages."""

    form_base_class = AdminForm
    can_view_details = True
    can_export = False
    export_types = ["csv"]
    page_size = 25
    can_set_page_size = False
    #: rows belong to the logged-in user's business unit
    unit_scoped = True
    #: write audit events for create/update/delete
    audited = True
    form_excluded_columns = ("business_unit", "created_at", "updated_at")
    column_exclude_list = ("business_unit",)
    column_details_exclude_list = ("business_unit",)
    column_type_formatters = LIST_TYPE_FORMATTERS
    column_type_formatters_detail = DETAIL_TYPE_FORMATTERS
    #: field -> {stored value: label}: lists, details and filters show the labels, never the stored value
    column_value_labels: dict = {}

    def __init__(self, *args, **kwargs):
        self.column_labels = {**COMMON_LABELS, **(self.column_labels or {})}
        value_labels = self.column_value_labels
        self.column_choices = {**{name: list(labels.items()) for name, labels in value_labels.items()},
                               **(self.column_choices or {})}
        if self.column_filters:
            self.column_filters = tuple(self._labelled_filters(self.column_filters))
        super().__init__(*args, **kwargs)

    def _labelled_filters(self, filters):
        """A filter on a field with value labels is a choice of those labels ("ist gleich"/"ist nicht"),
        not a text box that wants the stored value."""
        for flt in filters:
            labels = self.column_value_labels.get(flt) if isinstance(flt, str) else None
            if labels is None:
                yield flt
                continue
            title = self.column_labels.get(flt, flt)

            # lazy labels: Flask-Admin renders them per request, in the viewer's language
            options = [(value, label) for value, label in labels.items() if value]
            yield FilterEqual(flt, title, options=options)
            yield FilterNotEqual(flt, title, options=options)

    def search_placeholder(self):
        """The searchable columns' labels ("Nachname, Vorname, E-Mail"), not Flask-Admin's "None"."""
        names = self.column_searchable_list or ()
        return ", ".join(str(self.column_labels.get(name, name)) for name in names) or None

    def scaffold_form(self):
        """Form fields get the (translated) ``column_labels`` as their labels, like the list does, and
        ``form_choices`` as their options (Flask-Admin's mongoengine backend ignores ``form_choices`` and
        would offer the stored values)."""
        form_class = super().scaffold_form()
        for name, label in (self.column_labels or {}).items():
            unbound = getattr(form_class, name, None)
            if unbound is not None and hasattr(unbound, "kwargs") and (not unbound.args or "label" in unbound.kwargs):
                unbound.kwargs["label"] = label
        for name, choices in (getattr(self, "form_choices", None) or {}).items():
            unbound = getattr(form_class, name, None)
            if unbound is not None and "choices" in getattr(unbound, "kwargs", {}):
                unbound.kwargs["choices"] = list(choices)
        return form_class

    # --- scoping -------------------------------------------------------------------------
    def get_query(self):
        query = super().get_query()
        if self.unit_scoped:
            query = query.filter(business_unit=current_user.business_unit)
        return query

    def get_one(self, id):
        """Missing, malformed and (through :meth:`get_query`) other units' ids are all "not found"."""
        return self.get_query().get_or_none(pk=id)

    def on_model_change(self, form, model, is_created):
        if self.unit_scoped:
            model.business_unit = current_user.business_unit

    # --- saving with field errors ---------------------------------------------------------
    def _save(self, form, model, is_created: bool):
        before = None if is_created else snapshot(model)
        try:
            form.populate_obj(model)
            self._on_model_change(form, model, is_created)
            model.save()
        except MEValidationError as exc:
            self._field_errors(form, exc)
            return False
        except NotUniqueError:
            field = self.unique_error_field(form)
            message = _("This value is already in use.")
            if field is not None:
                field.errors = [*list(field.errors), message]
            flash(message, "error")
            return False
        if self.audited:
            record_change(actor(), model, before)
        self.after_save(model, before, is_created)
        self.after_model_change(form, model, is_created)
        return model

    def after_save(self, model, before: dict | None, is_created: bool) -> None:
        """Called after a form saved ``model``; ``before`` is its :func:`snapshot` before the change."""

    def unique_error_field(self, form):
        return getattr(form, "email", None) or getattr(form, "name", None)

    def _field_errors(self, form, exc: MEValidationError) -> None:
        errors = exc.to_dict() if exc.errors else {}
        # Document.validate() files the errors raised by clean() under "__all__": unwrap them
        nested = errors.pop("__all__", None)
        if isinstance(nested, dict):
            errors.update(nested)
        elif nested:
            errors["__all__"] = nested
        shown = False
        for name, message in errors.items():
            field = getattr(form, name, None)
            text = message if isinstance(message, str) else "; ".join(str(v) for v in _flatten(message))
            if field is not None:
                field.errors = [*list(field.errors), _(text) if text else text]
                shown = True
            else:
                flash(f"{name}: {text}", "error")
                shown = True
        if not shown:
            flash(str(exc.message), "error")
        else:
            flash(_("Please correct the marked fields."), "error")

    def create_model(self, form):
        return self._save(form, self.model(), True)

    def update_model(self, form, model):
        return bool(self._save(form, model, False))

    def delete_model(self, model):
        object_id, unit, label = str(model.pk), getattr(model, "business_unit", None), str(model)
        customer = customer_id_of(model)
        collection = model._get_collection_name()
        ok = super().delete_model(model)
        if ok and self.audited:
            record(actor(), "delete", object_type=collection, object_id=object_id,
                   summary=N_("Deleted: %(label)s"), summary_params={"label": label[:300]}, business_unit=unit,
                   customer=customer)
        return ok

    # --- hardening -------------------------------------------------------------------------
    @action("delete", _l("Delete"), _l("Are you sure you want to delete selected records?"))
    def action_delete(self, ids):
        """Bulk delete within the scoped query only.

        Flask-Admin's version loads rows with ``get_query().in_bulk(ids)``, and mongoengine's
        ``in_bulk`` ignores the queryset's filters: any id of any business unit would be deleted.
        """
        count = sum(1 for obj in self.get_query().with_ids(ids[:1000]) if self.delete_model(obj))
        flash(ngettext("Record was successfully deleted.", "%(num)d records were successfully deleted.", count),
              "success")

    def get_export_value(self, model, name):
        return escape_formula(super().get_export_value(model, name))

    def _export_csv(self, return_url):
        """Flask-Admin's CSV export with an RFC 6266 file name (its own drops every umlaut)."""
        response = super()._export_csv(return_url)
        if "Content-Disposition" in response.headers:
            response.headers["Content-Disposition"] = attachment_header(self.get_export_name(export_type="csv"))
        return response

    def api_file_view(self):  # Flask-Admin serves GridFS files by id without access checks
        abort(404)


def _flatten(value):
    if isinstance(value, dict):
        for v in value.values():
            yield from _flatten(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _flatten(v)
    else:
        yield value
