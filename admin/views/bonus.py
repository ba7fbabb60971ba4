"""Revenue and bonus cards in the admin: the customer-file section (sales, card, ledger, rewards,
vouchers), the printable card, the programme settings and the owners' list of referrals.

Every id comes from the form or the query and is looked up inside the staff member's unit (another
unit's id: 404); every POST carries the CSRF token (global ``CSRFProtect``); a refused action is
flashed in the user's language and changes nothing.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import segno
from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.model.fields import AjaxSelectField
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from mongoengine import ValidationError as MEValidationError
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from admin.sections import AppointmentOption, FileSection, add_appointment_option, add_file_section
from admin.views.appointments import NOT_A_CHOICE
from admin.views.base import ScopedAjaxLoader, SecureModelView, SecureView, actor, flashed_errors
from core.errors import FrontdeskError
from core.extensions import limiter
from core.models import Customer, Sale
from core.money import format_cents, input_value
from core.services import bonus, referrals, revenue
from core.services.bonus import ENTRY_LABELS
from core.web import get_or_404

POINTS = re.compile(r"-?\d{1,7}")
VOUCHER_LABELS = {"open": _l("open"), "used": _l("used"), "cancelled": _l("cancelled")}
REFERRAL_LABELS = {"pending": _l("waiting for the first paid visit"), "rewarded": _l("rewarded")}


class BonusView(SecureView):
    """Not in the menu: the customer-file section posts here (bonus or referral switched on)."""

    roles = ("owner", "staff")

    def is_visible(self) -> bool:
        return False

    def is_accessible(self) -> bool:
        return super().is_accessible() and revenue.records_revenue(current_user.business_unit)

    def _customer(self) -> Customer:
        return get_or_404(Customer, unit=current_user.business_unit, pk=request.values.get("customer"))

    def _sale(self) -> Sale:
        return get_or_404(Sale, unit=current_user.business_unit, pk=request.values.get("sale"))

    def _back(self, customer) -> str:
        return url_for("customer.file_view", id=str(customer.pk)) + "#section-bonus"

    @expose("/")
    def index(self):
        return redirect(url_for("customer.index_view"))

    @expose("/sale", methods=("POST",))
    def sale_view(self):
        customer = self._customer()
        with flashed_errors():
            revenue.record_sale(actor(), customer, request.form.get("amount", ""), request.form.get("date", ""),
                                request.form.get("note", ""))
            flash(_("The sale was recorded."), "success")
        return redirect(self._back(customer), 303)

    @expose("/sale/confirm", methods=("POST",))
    def confirm_view(self):
        sale = self._sale()
        with flashed_errors():
            revenue.confirm(actor(), sale, request.form.get("amount", ""))
            flash(_("The amount paid was confirmed."), "success")
        return redirect(self._back(sale.customer), 303)

    @expose("/sale/correct", methods=("POST",))
    def correct_view(self):
        sale = self._sale()
        with flashed_errors():
            revenue.correct(actor(), sale, request.form.get("amount", ""), request.form.get("reason", ""))
            flash(_("The sale was corrected; the original amount is kept."), "success")
        return redirect(self._back(sale.customer), 303)

    @expose("/redeem", methods=("POST",))
    def redeem_view(self):
        customer = self._customer()
        with flashed_errors():
            voucher = bonus.redeem(actor(), customer)
            flash(_("Reward redeemed. Voucher code: %(code)s", code=voucher.code), "success")
        return redirect(self._back(customer), 303)

    @expose("/adjust", methods=("POST",))
    def adjust_view(self):
        if current_user.role != "owner":
            abort(403)
        customer = self._customer()
        raw = (request.form.get("points") or "").strip()
        with flashed_errors():
            points = int(raw) if POINTS.fullmatch(raw) else 0  # 0 is refused by the service with its message
            bonus.adjust(actor(), customer, points, request.form.get("reason", ""))
            flash(_("The points were corrected."), "success")
        return redirect(self._back(customer), 303)

    @expose("/voucher", methods=("POST",))
    @limiter.limit("100 per hour", methods=["POST"])
    def voucher_view(self):
        customer = self._customer()
        with flashed_errors():
            voucher = bonus.apply_voucher(actor(), current_user.business_unit, request.form.get("code", ""))
            flash(_("Voucher %(code)s applied: %(reward)s", code=voucher.code, reward=voucher.reward), "success")
        return redirect(self._back(customer), 303)

    @expose("/card")
    def card_view(self):
        """The printable card: unit, customer, card number and its QR code."""
        customer = self._customer()
        if not current_user.business_unit.has_feature("bonus"):
            abort(404)
        card = bonus.card_for(customer)
        return self.render("admin/bonus_card.html", customer=customer, card=card, number=spaced(card.number),
                           referral=current_user.business_unit.has_feature("referral"),
                           qr=segno.make(card.number, error="m").svg_data_uri(scale=5),
                           back=self._back(customer))


def spaced(number: str) -> str:
    """``123456789012`` → ``1234 5678 9012`` (easier to read out and type)."""
    return " ".join(number[i:i + 4] for i in range(0, len(number), 4))


class ProgrammeForm(FlaskForm):
    points_per_euro = IntegerField(_l("Points per euro"), validators=[InputRequired(), NumberRange(0, 100)],
                                   description=_l("Points = amount × points per euro, rounded down to whole points "
                                                  "(34,90 € at 1 point per euro gives 34 points)."))
    threshold = IntegerField(_l("Points needed for the reward"),
                             validators=[InputRequired(), NumberRange(1, 1_000_000)])
    reward = StringField(_l("Reward (shown to the customer)"), validators=[Optional(), Length(max=300)],
                         description=_l("e.g. 10 % off or 20 € off your next visit"))
    expiry_months = IntegerField(_l("Points expire after (months, 0 = never)"),
                                 validators=[InputRequired(), NumberRange(0, 120)])
    voucher_valid_months = IntegerField(_l("Vouchers are valid for (months)"),
                                        validators=[InputRequired(), NumberRange(1, 60)])
    referral_reward = SelectField(_l("Reward for a referral"), choices=[("points", _l("Points")),
                                                                        ("voucher", _l("A voucher"))])
    referrer_points = IntegerField(_l("Points for the referring customer"),
                                   validators=[InputRequired(), NumberRange(0, 100_000)])
    referrer_voucher = StringField(_l("Voucher for the referring customer"), validators=[Optional(), Length(max=300)])
    referred_points = IntegerField(_l("Points for the new customer (0 = none)"),
                                   validators=[InputRequired(), NumberRange(0, 100_000)])

    BONUS_FIELDS = ("points_per_euro", "threshold", "reward", "expiry_months", "voucher_valid_months")
    REFERRAL_FIELDS = ("referral_reward", "referrer_points", "referrer_voucher", "referred_points")


class BonusSettingsView(SecureView):
    """Settings > Bonus programme (owners): the bonus part where "bonus" is on, the referral part
    where "referral" is on."""

    roles = ("owner",)

    def is_accessible(self) -> bool:
        return super().is_accessible() and revenue.records_revenue(current_user.business_unit)

    @expose("/", methods=("GET", "POST"))
    def index(self):
        unit = current_user.business_unit
        names = (ProgrammeForm.BONUS_FIELDS if unit.has_feature("bonus") else ()) + \
                (ProgrammeForm.REFERRAL_FIELDS if unit.has_feature("referral") else ())
        programme = bonus.programme_for(unit)
        form = ProgrammeForm(obj=programme if request.method == "GET" else None)
        for name in [f.name for f in form if f.name not in (*names, "csrf_token")]:
            delattr(form, name)
        status = 200
        if request.method == "POST":
            if form.validate():
                values = {name: getattr(form, name).data for name in names}
                values = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
                try:
                    bonus.save_programme(actor(), unit, values)
                except MEValidationError as exc:
                    for key, message in (exc.to_dict() or {}).items():
                        target = getattr(form, key, None)
                        if target is not None:
                            target.errors = [*list(target.errors), _(str(message))]
                else:
                    flash(_("Settings saved."), "success")
                    return redirect(url_for(".index"), 303)
            flash(_("Please correct the marked fields."), "error")
            status = 422
        return self.render("admin/bonus_settings.html", form=form), status


class ReferralListView(SecureModelView):
    """Owners see every referral of the unit, read-only."""

    roles = ("owner",)
    feature = "referral"
    can_create = can_edit = can_delete = False
    can_view_details = False
    audited = False
    column_list = ("created_at", "referrer", "referred", "created_by", "status", "rewarded_at", "reward")
    column_labels = {"created_at": _l("Recorded"), "referrer": _l("Referred by"), "referred": _l("New customer"),
                     "created_by": _l("Recorded by"), "status": _l("Status"), "rewarded_at": _l("Rewarded"),
                     "reward": _l("Reward")}
    column_value_labels = {"status": REFERRAL_LABELS}
    column_default_sort = ("created_at", True)
    column_sortable_list = ("created_at", "status")
    column_filters = ("status",)
    column_formatters = {
        "referrer": lambda v, c, m, n: _file_link(m.referrer),
        "referred": lambda v, c, m, n: _file_link(m.referred),
        "status": lambda v, c, m, n: REFERRAL_LABELS.get(m.status, m.status),
    }


def _file_link(customer) -> Markup | str:
    if customer is None:
        return ""
    return Markup('<a href="{}">{}</a>').format(url_for("customer.file_view", id=str(customer.pk)),
                                                customer.full_name)


def _revenue_context(customer: Customer) -> dict:
    unit = customer.business_unit
    return {"customer_id": str(customer.pk), "bonus": unit.has_feature("bonus"),
            "open_sales": revenue.open_sales(customer), "sales": revenue.sales_of(customer, limit=20),
            "revenue": format_cents(revenue.revenue_cents(customer)), "money": format_cents,
            "input_value": input_value, "today_iso": datetime.now(ZoneInfo(unit.timezone)).date().isoformat()}


def _bonus_context(customer: Customer) -> dict:
    """Revenue and the card (section "bonus")."""
    card = bonus.state(customer, history=20)
    return {**_revenue_context(customer), "card": card, "number": spaced(card.card.number),
            "vouchers": bonus.vouchers_of(customer, limit=20), "entry_labels": ENTRY_LABELS,
            "voucher_labels": VOUCHER_LABELS, "is_owner": current_user.role == "owner"}


def _referral_context(customer: Customer) -> dict:
    """Who referred the customer and whom they referred, their code; revenue here where "bonus" is off."""
    ctx = _revenue_context(customer) if not customer.business_unit.has_feature("bonus") else {"bonus": True}
    return {**ctx, "referral_code": bonus.card_for(customer).referral_code,
            "referral_of": referrals.referral_of(customer), "referred": referrals.referred_by(customer),
            "referral_labels": REFERRAL_LABELS}


add_file_section(FileSection("bonus", _l("Revenue and bonus card"), "admin/bonus/section.html", _bonus_context,
                             feature="bonus", order=40))
add_file_section(FileSection("referral", _l("Referral bonus"), "admin/bonus/referral_section.html",
                             _referral_context, feature="referral", order=41))


class ReferrerLoader(ScopedAjaxLoader):
    """The "referred by" search: the unit's customers by surname, first name or e-mail prefix, and the
    customer whose personal referral code was typed."""

    def get_list(self, term, offset=0, limit=20):
        found = list(super().get_list(term, offset, limit))
        by_code = referrals.referrer_by_code(current_user.business_unit, term) if not offset else None
        if by_code is not None and all(c.pk != by_code.pk for c in found):
            found.insert(0, by_code)
        return found


REFERRER_LOADER = ReferrerLoader("referred_by", Customer, fields=["last_name_key", "first_name", "email"],
                                 page_size=20)


class ReferredByField(AjaxSelectField):
    """The customer form's "referred by" ("empfohlen von"): saved by the view as a referral, not as a
    field of the customer; an id outside the unit's customers is refused, never taken as "nobody"."""

    def populate_obj(self, obj, name):
        """The referral is stored by :meth:`ReferredByMixin.after_model_change`."""

    def pre_validate(self, form):
        raw = (self.raw_data or [""])[0]
        if raw not in ("", "__None") and self.data is None:
            raise ValidationError(str(NOT_A_CHOICE))


class ReferredByMixin:
    """For the customer view: the "referred by" search field where the referral bonus is switched on;
    the guards run before the customer is saved, the referral is recorded right after."""

    form_extra_fields = {"referred_by": ReferredByField(
        REFERRER_LOADER, _l("Referred by"), allow_blank=True,
        description=_l("Search by name or e-mail, or type the customer's referral code."))}

    def __init__(self, *args, **kwargs):
        self.form_ajax_refs = {**(getattr(self, "form_ajax_refs", None) or {}), "referred_by": REFERRER_LOADER}
        super().__init__(*args, **kwargs)

    def _with_referral_field(self, form, obj):
        if not current_user.business_unit.has_feature("referral"):
            del form.referred_by
        elif obj is not None and obj.pk is not None and request.method == "GET":
            current = referrals.referral_of(obj)
            form.referred_by.data = current.referrer if current is not None else None
        return form

    def create_form(self, obj=None):
        return self._with_referral_field(super().create_form(obj), obj)

    def edit_form(self, obj=None):
        return self._with_referral_field(super().edit_form(obj), obj)

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        if (field := getattr(form, "referred_by", None)) is not None:
            try:
                referrals.validate_change(model, field.data)
            except FrontdeskError as exc:
                raise MEValidationError("Invalid referral", errors={"referred_by": MEValidationError(str(exc))}) \
                    from None

    def after_model_change(self, form, model, is_created):
        super().after_model_change(form, model, is_created)
        if (field := getattr(form, "referred_by", None)) is not None:
            with flashed_errors():
                referrals.set_referrer(actor(), model, field.data)


def _payment_url(appointment) -> str:
    return url_for("customer.file_view", id=str(appointment.customer.pk)) + "#section-bonus"


add_appointment_option(AppointmentOption("bonus_payment", _l("Amount paid and bonus card"), url=_payment_url,
                                         feature="bonus"))
