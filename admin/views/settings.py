"""Settings per business unit and "Settings > Add function" (the feature catalogue). Owners only."""

from __future__ import annotations

from zoneinfo import available_timezones

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from mongoengine import ValidationError as MEValidationError
from wtforms import EmailField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, Regexp

from admin.views.base import SecureView, actor, flashed_errors
from core.features import CATALOGUE
from core.i18n import LANGUAGE_NAMES
from core.models import BusinessUnit
from core.models._base import N_
from core.services.audit import record_change, snapshot
from core.services.settings import set_feature


class SettingsForm(FlaskForm):
    name = StringField(_l("Name of the business"), validators=[DataRequired(), Length(max=200)])
    timezone = SelectField(_l("Time zone"), choices=[])
    language = SelectField(_l("Default language"), choices=list(LANGUAGE_NAMES.items()))
    email = EmailField(_l("E-mail"), validators=[Optional(), Email(), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])
    address = TextAreaField(_l("Address"), validators=[Optional(), Length(max=500)])
    default_country = StringField(_l("Default country for phone numbers"),
                                  validators=[DataRequired(), Regexp(r"^[A-Z]{2}$"), Length(max=2)])
    reminder_hours_before = IntegerField(_l("Send reminders this many hours before"),
                                         validators=[DataRequired(), NumberRange(1, 24 * 14)])
    kiosk_timeout_minutes = IntegerField(_l("Tablet questionnaire times out after (minutes)"),
                                         validators=[DataRequired(), NumberRange(1, 240)])
    imprint = TextAreaField(_l("Imprint / privacy note"), validators=[Optional(), Length(max=5000)])
    waitlist_offer_hours = IntegerField(_l("A freed slot offered from the waitlist can be accepted for (hours)"),
                                        validators=[Optional(), NumberRange(1, 24 * 7)],
                                        description=_l("Then it is offered to the next customer. Empty: 12."))

    UNIT_FIELDS = ("name", "timezone", "language")


class SettingsView(SecureView):
    roles = ("owner",)

    @expose("/", methods=("GET", "POST"))
    def index(self):
        unit = BusinessUnit.objects.get(pk=current_user.business_unit.pk)
        form = SettingsForm()
        form.timezone.choices = [(z, z) for z in sorted(available_timezones()) if "/" in z]
        if request.method == "GET":
            for name in SettingsForm.UNIT_FIELDS:
                getattr(form, name).data = getattr(unit, name)
            for name in ("email", "phone", "address", "default_country", "reminder_hours_before",
                         "kiosk_timeout_minutes", "imprint", "waitlist_offer_hours"):
                getattr(form, name).data = getattr(unit.settings, name)
        elif form.validate_on_submit():
            before = snapshot(unit)
            for name in SettingsForm.UNIT_FIELDS:
                setattr(unit, name, getattr(form, name).data)
            for name in ("email", "phone", "address", "default_country", "reminder_hours_before",
                         "kiosk_timeout_minutes", "imprint", "waitlist_offer_hours"):
                setattr(unit.settings, name, getattr(form, name).data or None)
            try:
                unit.save()
            except MEValidationError as exc:
                for key, message in exc.to_dict().items():
                    target = getattr(form, key, None)
                    if target is not None:
                        target.errors = [*list(target.errors), str(message)]
                flash(_("Please correct the marked fields."), "error")
            else:
                record_change(actor(), unit, before, summary=N_("Settings changed"), summary_params={})
                flash(_("Settings saved."), "success")
                return redirect(url_for(".index"))
        else:
            flash(_("Please correct the marked fields."), "error")
        return self.render("admin/settings.html", form=form, unit=unit)


class FeaturesView(SecureView):
    """Settings > Add function: switch features on and off."""

    roles = ("owner",)

    @expose("/", methods=("GET",))
    def index(self):
        unit = BusinessUnit.objects.get(pk=current_user.business_unit.pk)
        return self.render("admin/features.html", unit=unit, catalogue=CATALOGUE, form=FlaskForm())

    @expose("/toggle", methods=("POST",))
    def toggle(self):
        form = FlaskForm()
        if not form.validate_on_submit():
            abort(400)
        key = request.form.get("feature", "")
        enabled = request.form.get("enabled") == "1"
        unit = BusinessUnit.objects.get(pk=current_user.business_unit.pk)
        with flashed_errors():
            set_feature(actor(), unit, key, enabled)
            flash(_("Function switched on.") if enabled else _("Function switched off."), "success")
            return redirect(url_for(".index"))
        return redirect(url_for(".index")), 303
