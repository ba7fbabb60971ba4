"""Settings > Kundenportal-Aktionen: per activity type, what customers may do in the portal (book,
reschedule, cancel, fill a questionnaire, upload a document, satisfaction survey) and under which
conditions (owners). And the waitlist customers joined there (owners and staff). Feature "portal"; the
rules live in core.services.portal_actions and core.services.waitlist."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from admin.views.appointments import STATUS_LABELS
from admin.views.base import SecureView, actor, flashed_errors
from core.models import ActivityType, PortalAction, Questionnaire, WaitlistEntry
from core.services import portal_actions as service
from core.services.questionnaires import published_for_unit
from core.web import get_or_404

KIND_LABELS = {"book": _l("Book an appointment"), "reschedule": _l("Reschedule"),
               "cancel": _l("Cancel the appointment"), "questionnaire": _l("Fill in a questionnaire"),
               "upload": _l("Upload a document"), "survey": _l("Satisfaction survey")}
HOURS = NumberRange(-24 * 365, 24 * 365)


class CheckboxList(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class PortalActionForm(FlaskForm):
    kind = SelectField(_l("What the customer can do"), choices=list(KIND_LABELS.items()))
    label = StringField(_l("Label in the portal"), validators=[DataRequired(), Length(max=100)])
    questionnaire = SelectField(_l("Questionnaire (questionnaire and survey)"), choices=[], validate_choice=False)
    statuses = CheckboxList(_l("Only when the appointment is"), choices=list(STATUS_LABELS.items()),
                            description=_l("None ticked: planned, running or done."))
    earliest_hours_before = IntegerField(_l("At the earliest this many hours before the start"),
                                         validators=[Optional(), HOURS],
                                         description=_l("Negative: after the start. Empty: no limit."))
    latest_hours_before = IntegerField(_l("At the latest this many hours before the start"),
                                       validators=[Optional(), HOURS],
                                       description=_l("E.g. 24: cancelling only up to 24 hours before."))
    days_after_done = IntegerField(_l("Only within this many days after the appointment was done"),
                                   validators=[Optional(), NumberRange(0, 365)])
    once = BooleanField(_l("At most once per appointment"))
    required_tag = StringField(_l("Only for customers with the tag"), validators=[Optional(), Length(max=50)])
    position = IntegerField(_l("Order"), default=0, validators=[Optional(), NumberRange(0, 1000)])
    active = BooleanField(_l("Active"), default=True)

    FIELDS = ("kind", "label", "statuses", "earliest_hours_before", "latest_hours_before", "days_after_done",
              "once", "required_tag", "position", "active")


class PortalActionsView(SecureView):
    roles = ("owner",)
    feature = "portal"

    def _activity(self) -> ActivityType:
        return get_or_404(ActivityType, unit=current_user.business_unit, pk=request.values.get("type"))

    @expose("/")
    def index(self):
        unit = current_user.business_unit
        activity = ActivityType.objects(business_unit=unit).get_or_none(pk=request.args.get("type")) \
            if request.args.get("type") else None
        types = list(ActivityType.objects(business_unit=unit))
        counts = {str(t.pk): PortalAction.objects(business_unit=unit, activity_type=t).count() for t in types}
        actions = service.actions_of(activity) if activity is not None else []
        return self.render("admin/portal_actions.html", types=types, counts=counts, activity=activity,
                           actions=actions, kind_labels=KIND_LABELS, status_labels=STATUS_LABELS)

    @expose("/edit", methods=("GET", "POST"))
    def edit(self):
        activity = self._activity()
        action = get_or_404(PortalAction.objects(activity_type=activity), unit=activity.business_unit,
                            pk=request.values.get("id")) if request.values.get("id") else None
        form = PortalActionForm(obj=action if request.method == "GET" else None)  # a POST carries every field
        published = published_for_unit(current_user.business_unit)
        form.questionnaire.choices = [("", _("none"))] + [(str(q.pk), q.name) for q, _v in published]
        if request.method == "GET" and action is not None and action.questionnaire is not None:
            form.questionnaire.data = str(action.questionnaire.pk)
        back = url_for(".index", type=str(activity.pk))
        if request.method == "POST" and form.validate_on_submit():
            values = {name: getattr(form, name).data for name in PortalActionForm.FIELDS}
            values["position"] = values["position"] or 0
            values["questionnaire"] = Questionnaire.objects(business_unit=current_user.business_unit).get_or_none(
                pk=form.questionnaire.data) if form.questionnaire.data else None
            with flashed_errors() as refusal:
                service.save_action(actor(), activity, values, action)
                flash(_("The portal action was saved."), "success")
            if refusal.error is None:
                return redirect(back)
            for name, message in refusal.error.field_errors.items():
                if hasattr(form, name):
                    getattr(form, name).errors = [*getattr(form, name).errors, message]
        elif request.method == "POST":
            flash(_("Please correct the marked fields."), "error")
        return self.render("admin/portal_action_edit.html", form=form, activity=activity, action=action, back=back)

    @expose("/delete", methods=("POST",))
    def delete(self):
        activity = self._activity()
        action = get_or_404(PortalAction.objects(activity_type=activity), unit=activity.business_unit,
                            pk=request.form.get("id"))
        service.delete_action(actor(), action)
        flash(_("The portal action was deleted."), "success")
        return redirect(url_for(".index", type=str(activity.pk)))


WAITLIST_LABELS = {"waiting": _l("waiting"), "offered": _l("offered"), "booked": _l("booked"), "left": _l("left")}


class WaitlistView(SecureView):
    """Who waits for which activity type, and the offers they hold (read-only: customers answer in the portal)."""

    roles = ("owner", "staff")
    feature = "portal"

    @expose("/")
    def index(self):
        show_all = request.args.get("all") == "1"
        query = WaitlistEntry.objects(business_unit=current_user.business_unit)
        if not show_all:
            query = query.filter(status__in=["waiting", "offered"])
        entries = list(query.order_by("created_at", "id").limit(500))
        return self.render("admin/waitlist.html", entries=entries, labels=WAITLIST_LABELS, show_all=show_all)
