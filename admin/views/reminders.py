"""Reminders (feature "reminders"): the overview ("Erinnerungsübersicht") with its pie charts, no-show
rates and undeliverable messages; the list of appointments without a reminder, with the bulk switch; the
settings (owners); the tracked messages."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup

from admin.charts import Segment, bars, pie
from admin.forms import format_local
from admin.views.base import SecureModelView, SecureView, actor, flashed_errors
from core.errors import InvalidInput
from core.extensions import limiter
from core.i18n import LANGUAGE_NAMES
from core.models import ActivityType, BusinessUnit, StaffUser
from core.models.reminder import CHANNELS, KINDS, LANGUAGES, SMS_MAX_LENGTH
from core.services import reminders as service

CLASS_LABELS = {"sent": _l("reminder sent"), "scheduled": _l("reminder scheduled"), "failed": _l("reminder failed"),
                "without": _l("without reminder")}
KIND_LABELS = {"confirmation": _l("confirmation"), "reminder": _l("reminder"), "cancellation": _l("cancellation")}
CHANNEL_LABELS = {"email": _l("e-mail"), "sms": _l("SMS")}
STATE_LABELS = {"scheduled": _l("scheduled"), "claimed": _l("being sent"), "queued": _l("in the outbox"),
                "sent": _l("sent"), "failed": _l("failed"), "skipped": _l("not needed")}
LANGUAGE_LABELS = LANGUAGE_NAMES
_LEAD = re.compile(r"^\s*(\d{1,5})\s*([a-zäA-Z]*)\s*$")
_UNITS = {"": 1, "m": 1, "min": 1, "minute": 1, "minutes": 1, "minuten": 1, "h": 60, "std": 60, "hour": 60,
          "hours": 60, "stunde": 60, "stunden": 60, "d": 24 * 60, "t": 24 * 60, "day": 24 * 60, "days": 24 * 60,
          "tag": 24 * 60, "tage": 24 * 60}


def _unit() -> BusinessUnit:
    return BusinessUnit.objects.get(pk=current_user.business_unit.pk)


def parse_leads(raw: str) -> list[int]:
    """ "1 d, 2 h, 30 min" → minutes; InvalidInput naming the part that is not a lead time."""
    leads = []
    for part in [p for p in re.split(r"[,;]", raw or "") if p.strip()]:
        match = _LEAD.match(part)
        factor = _UNITS.get(match.group(2).lower()) if match else None
        if factor is None:
            raise InvalidInput(_l("Not a lead time: %(part)s (e.g. 1 d, 2 h, 30 min).", part=part.strip()[:40]))
        leads.append(int(match.group(1)) * factor)
    return leads


def format_leads(minutes: list[int]) -> str:
    out = []
    for m in minutes or []:
        if m % (24 * 60) == 0:
            out.append(f"{m // (24 * 60)} d")
        elif m % 60 == 0:
            out.append(f"{m // 60} h")
        else:
            out.append(f"{m} min")
    return ", ".join(out)


def _clock(raw: str, field: str) -> int:
    match = re.match(r"^\s*(\d{1,2}):(\d{2})\s*$", raw or "")
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise InvalidInput(_l("Quiet hours need a time of day."), {field: "time"})
    return int(match.group(1)) * 60 + int(match.group(2))


def _minutes_text(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class ReminderOverviewView(SecureView):
    roles = ("owner", "staff")
    feature = "reminders"

    @expose("/")
    def index(self):
        unit = _unit()
        counts = service.overview(unit)
        missing_url = url_for(".missing")
        charts = []
        for name, title in (("past", _("Last 7 days")), ("next", _("Next 7 days"))):
            segments = [Segment(str(CLASS_LABELS[c]), counts[name][c],
                                href=(missing_url + ("#past" if name == "past" else "")) if c == "without" else None)
                        for c in service.CLASSES]
            charts.append({"name": name, "without": counts[name]["without"],
                           "svg": pie(f"chart-{name}", title, segments, empty=_("No appointments."))})
        rates = service.no_show_rates(unit)
        rows = [(str(_("with reminder")), *rates["with"]), (str(_("without reminder")), *rates["without"])]
        return self.render("admin/reminders_overview.html", charts=charts, missing_url=missing_url, rates=rows,
                           rate_chart=bars("noshow", _("No-show rate, last 90 days"), rows),
                           failed=service.failed_deliveries(unit), kind_labels=KIND_LABELS,
                           channel_labels=CHANNEL_LABELS, reason=_reason)

    @expose("/missing", methods=("GET",))
    def missing(self):
        unit = _unit()
        staff = list(StaffUser.objects(business_unit=unit, role__in=["owner", "staff"]).order_by("name"))
        activities = list(ActivityType.objects(business_unit=unit).order_by("name"))
        chosen_staff = next((s for s in staff if str(s.pk) == request.args.get("staff")), None)
        chosen_activity = next((a for a in activities if str(a.pk) == request.args.get("activity")), None)
        try:
            day = date.fromisoformat(request.args["day"]) if request.args.get("day") else None
        except ValueError:
            flash(_("Please enter a valid date."), "error")
            day = None
        future, past = service.without_reminder(unit, staff=chosen_staff, activity_type=chosen_activity, day=day)
        return self.render("admin/reminders_missing.html", future=future, past=past, staff=staff,
                           activities=activities, chosen_staff=chosen_staff, chosen_activity=chosen_activity,
                           day=day, form=FlaskForm(), when=format_local,
                           min_day=(date.today() - timedelta(days=8)).isoformat())

    @expose("/missing", methods=("POST",))
    @limiter.limit("60 per minute", methods=["POST"])
    def switch_on(self):
        form = FlaskForm()
        if not form.validate_on_submit():
            abort(400)
        back = url_for(".missing", **{k: v for k, v in request.args.items() if k in ("staff", "activity", "day")})
        with flashed_errors():
            switched, refused = service.switch_on(actor(), _unit(), request.form.getlist("ids")[:500])
            if switched:
                flash(ngettext("The reminder was switched on for %(num)d appointment.",
                               "The reminder was switched on for %(num)d appointments.", switched), "success")
            for line in refused:
                flash(_("Not switched on: %(reason)s", reason=line), "error")
            if not switched and not refused:
                flash(_("None of the ticked appointments can get a reminder any more."), "error")
        return redirect(back, 303)


def _reason(delivery) -> str:
    return _(delivery.error) if delivery.error else ""


class ReminderSettingsView(SecureView):
    roles = ("owner",)
    feature = "reminders"

    @expose("/", methods=("GET", "POST"))
    def index(self):
        unit = _unit()
        activities = list(ActivityType.objects(business_unit=unit, active=True).order_by("name"))
        form = FlaskForm()
        policy = service.policy_of(unit)
        values = self._values(policy, activities)
        status = 200
        if request.method == "POST":
            if not form.validate_on_submit():
                abort(400)
            _refuse_foreign_activity_types(activities)
            values = {k: request.form.get(k, "") for k in values}
            with flashed_errors() as refusal:
                self._save(unit, activities, policy)
                flash(_("Reminder settings saved."), "success")
                return redirect(url_for(".index"), 303)
            status = refusal.status
        defaults = {}
        for kind in KINDS:
            for lang in LANGUAGES:
                with force_locale(lang):
                    defaults[(kind, lang)] = (*service.default_texts(kind), service.default_sms(kind))
        return self.render("admin/reminders_settings.html", form=form, values=values, activities=activities,
                           kinds=KINDS, languages=LANGUAGES, kind_labels=KIND_LABELS, language_labels=LANGUAGE_LABELS,
                           channel_labels=CHANNEL_LABELS, channels=CHANNELS, defaults=defaults,
                           previews=_previews(policy, activities), source_labels=SOURCE_LABELS,
                           text_labels=TEXT_LABELS, placeholder_names=service.PLACEHOLDERS), status

    @staticmethod
    def _values(policy, activities) -> dict[str, str]:
        def rule_values(prefix: str, rule, own: bool) -> dict[str, str]:
            return {f"{prefix}own": "1" if own else "", f"{prefix}confirmation": "1" if rule.confirmation else "",
                    f"{prefix}cancellation": "1" if rule.cancellation_notice else "",
                    f"{prefix}wanted": "1" if rule.reminder_default else "",
                    f"{prefix}leads": format_leads(rule.lead_minutes), f"{prefix}channel": rule.channel}

        def text_values(prefix: str, templates) -> dict[str, str]:
            out = {}
            for kind in KINDS:
                for lang in LANGUAGES:
                    template = next((t for t in templates or [] if t.kind == kind and t.language == lang), None)
                    for name, suffix in service.FORM_FIELDS.items():
                        out[f"{prefix}{kind}-{lang}-{suffix}"] = (getattr(template, name) or "") if template else ""
            return out

        values = rule_values("default-", policy.default, True)
        for activity in activities:
            rule = service.rule_for(policy, activity)
            own = rule is not policy.default
            values.update(rule_values(f"at-{activity.pk}-", rule, own))
            values.update(text_values(f"at-{activity.pk}-", rule.templates if own else []))
        values.update(text_values("", policy.templates))
        values["quiet_start"] = _minutes_text(policy.quiet_start)
        values["quiet_end"] = _minutes_text(policy.quiet_end)
        return values

    @staticmethod
    def _save(unit, activities, policy) -> None:
        form = request.form

        def texts(prefix: str) -> dict[tuple[str, str], tuple[str, str, str]]:
            def text(name: str, limit: int) -> str:
                return form.get(f"{prefix}{name}", "").replace("\r\n", "\n").strip()[:limit]

            return {(kind, lang): (text(f"{kind}-{lang}-subject", 200), text(f"{kind}-{lang}-body", 5000),
                                   text(f"{kind}-{lang}-sms", SMS_MAX_LENGTH + 1))
                    for kind in KINDS for lang in LANGUAGES}

        def rule(prefix: str, activity=None) -> service.RuleInput:
            return service.RuleInput(confirmation=form.get(f"{prefix}confirmation") == "1",
                                     cancellation_notice=form.get(f"{prefix}cancellation") == "1",
                                     lead_minutes=parse_leads(form.get(f"{prefix}leads", "")[:200]),
                                     channel=form.get(f"{prefix}channel", ""),
                                     reminder_default=form.get(f"{prefix}wanted") == "1", activity_type=activity,
                                     templates=texts(prefix) if activity is not None else {})

        overrides = []
        for activity in activities:
            prefix = f"at-{activity.pk}-"
            if form.get(f"{prefix}own") == "1":
                overrides.append(rule(prefix, activity))
            elif any(any(t) for t in texts(prefix).values()):
                raise InvalidInput(_l("%(activity)s: own texts need an own rule: tick \"Own rule for this activity "
                                      "type\" or empty its texts.", activity=activity.name), {prefix + "own": "texts"})
        shown = {a.pk for a in activities}
        overrides += [_kept(r) for r in policy.overrides or []  # inactive types keep their rules and texts
                      if isinstance(r.activity_type, ActivityType) and r.activity_type.pk not in shown]
        service.save_policy(actor(), unit, default=rule("default-"), overrides=overrides, templates=texts(""),
                            quiet_start=_clock(form.get("quiet_start", ""), "quiet_start"),
                            quiet_end=_clock(form.get("quiet_end", ""), "quiet_end"))


SOURCE_LABELS = {"type": _l("own"), "unit": _l("from the unit"), "default": _l("built-in")}
TEXT_LABELS = {"subject": _l("E-mail subject"), "body": _l("E-mail text"), "sms_body": _l("SMS text")}
_AT_FIELD = re.compile(r"^at-([^-]*)-")


def _refuse_foreign_activity_types(activities) -> None:
    """A form field naming an activity type that is not one of the unit's (tampered, another unit's): 404."""
    known = {str(a.pk) for a in activities}
    if any((m := _AT_FIELD.match(key)) and m.group(1) not in known for key in request.form):
        abort(404)


def _kept(rule) -> service.RuleInput:
    """A stored rule as input again (an inactive activity type's, which the page does not show)."""
    return service.RuleInput(confirmation=rule.confirmation, cancellation_notice=rule.cancellation_notice,
                             lead_minutes=list(rule.lead_minutes or []), channel=rule.channel,
                             reminder_default=rule.reminder_default, activity_type=rule.activity_type,
                             templates={(t.kind, t.language): (t.subject, t.body, t.sms_body)
                                        for t in rule.templates or []})


def _previews(policy, activities) -> dict:
    """(activity type id or "", kind, language) → (texts with their sources, rendered with sample values), and
    (id, kind, language, "inherited") → what the activity type would use without texts of its own."""
    out = {}
    for activity in [None, *activities]:
        key = str(activity.pk) if activity is not None else ""
        for kind in KINDS:
            for lang in LANGUAGES:
                out[(key, kind, lang)] = service.preview(policy, activity, kind, lang)
                if activity is not None:
                    out[(key, kind, lang, "inherited")] = service.texts_for(policy, None, kind, lang)
    return out


def _appointment(view, context, model, name):
    appointment = model.appointment
    if appointment is None or not hasattr(appointment, "start"):
        return ""
    return Markup('<a href="{}">{}</a>').format(url_for("appointment.details_view", id=str(appointment.pk)),
                                                f"{format_local(model.for_start)} · {appointment.customer}")


class ReminderMessagesView(SecureModelView):
    """Every confirmation, reminder and cancellation notice with its state; failed ones say why."""

    roles = ("owner", "staff")
    feature = "reminders"
    can_create = can_edit = can_delete = False
    audited = False
    column_list = ("due_at", "appointment", "kind", "channel", "status", "error", "sent_at")
    column_labels = {"due_at": _l("Due"), "appointment": _l("Appointment"), "kind": _l("Kind"),
                     "channel": _l("Channel"), "status": _l("State"), "error": _l("Reason"), "sent_at": _l("Sent"),
                     "lead_minutes": _l("Lead time (minutes)"), "for_start": _l("For the start"),
                     "customer": _l("Customer"), "claimed_at": _l("Claimed"),
                     "created_at": _l("Created")}
    column_value_labels = {"kind": KIND_LABELS, "channel": CHANNEL_LABELS, "status": STATE_LABELS}
    column_formatters = {
        "appointment": _appointment,
        "kind": lambda v, c, m, n: KIND_LABELS.get(m.kind, m.kind),
        "channel": lambda v, c, m, n: CHANNEL_LABELS.get(m.channel, m.channel),
        "status": lambda v, c, m, n: STATE_LABELS.get(m.status, m.status),
        "error": lambda v, c, m, n: _reason(m),
    }
    column_formatters_detail = column_formatters
    column_details_list = ("due_at", "appointment", "customer", "kind", "lead_minutes", "for_start", "channel",
                           "status", "error", "sent_at", "created_at")
    column_default_sort = ("due_at", True)
    column_sortable_list = ("due_at", "status", "sent_at")
    column_filters = ("status", "kind", "channel", "due_at")
