"""Dialogs on the customer file: start, remind, delete; the customer dashboard; reports; scoring models."""

from __future__ import annotations

import json

from flask import Response, flash, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from admin.sections import FileSection, add_file_section
from admin.views.base import SecureView, actor, flashed_errors
from core.files import attachment_headers
from core.models import Customer, Dialog, Questionnaire, QuestionnaireVersion, Report
from core.services import dialogs as service
from core.services import reports
from core.services import scoring as scoring_service
from core.services.questionnaires import published_for_unit
from core.web import get_or_404, no_store

STATUS_LABELS = {"not_opened": _l("Not yet opened"), "running": _l("Running"), "done": _l("Done")}
REPORT_LABELS = {"customer": _l("Customer report"), "tips": _l("Consulting tips")}
SECTIONS = (("overview", _l("Overview")), ("categories", _l("Categories")), ("tips", _l("Consulting tips")),
            ("history", _l("History")))




class DialogView(SecureView):
    """Not in the menu: reached from the customer file."""

    roles = ("owner", "staff")

    def is_visible(self) -> bool:
        return False

    def _customer(self, raw) -> Customer:
        return get_or_404(Customer, unit=current_user.business_unit, pk=raw)

    def _dialog(self, raw) -> Dialog:
        return get_or_404(Dialog, unit=current_user.business_unit, pk=raw)

    @expose("/")
    def index(self):
        return redirect(url_for("customer.index_view"))

    @expose("/start", methods=("GET", "POST"))
    def start_view(self):
        customer = self._customer(request.values.get("customer"))
        published = published_for_unit(current_user.business_unit)
        status = 200
        if request.method == "POST":
            version = QuestionnaireVersion.objects.of_unit(current_user.business_unit).get_or_none(
                pk=request.form.get("version"))
            with flashed_errors() as refusal:
                service.start(actor(), customer, version, base_url=request.host_url)
                flash(_("The dialog was started and the invitation is on its way."), "success")
                return redirect(url_for(".dashboard_view", customer=str(customer.pk)))
            status = refusal.status
        return self.render("admin/dialog_start.html", customer=customer, published=published), status

    @expose("/remind", methods=("POST",))
    def remind_view(self):
        dialog = self._dialog(request.form.get("id"))
        with flashed_errors():
            service.send_reminder(actor(), dialog)
            flash(_("The reminder is on its way."), "success")
        return redirect(url_for(".dashboard_view", customer=str(dialog.customer.pk)))

    @expose("/delete", methods=("POST",))
    def delete_view(self):
        dialog = self._dialog(request.form.get("id"))
        customer_id = str(dialog.customer.pk)
        service.delete(actor(), dialog)
        flash(_("The dialog was deleted."), "success")
        return redirect(url_for(".dashboard_view", customer=customer_id))

    @expose("/dashboard")
    def dashboard_view(self):
        """The customer dashboard: exactly one of four states (see ``service.dashboard_state``)."""
        customer = self._customer(request.args.get("customer"))
        state, ctx = service.dashboard_state(customer)
        # state 4 shows the results; state 3 only when staff ask for the previous results
        shown = ctx["latest"] if state == 4 or (state == 3 and request.args.get("previous")) else None
        charts, report_state = {}, {}
        if shown is not None:
            earlier = [d for d in ctx["history"] if d.completed_at < shown.completed_at]
            prev_cats = (earlier[0].results or {}).get("categories") if earlier else None
            charts["overview"] = Markup(reports.chart_svg(shown.results.get("categories", []),  # noqa: S704 (reportlab SVG, text XML-escaped)
                                                          previous=prev_cats))
            report_state = reports.latest_reports(shown)
        return self.render("admin/dashboard_customer.html", customer=customer, state=state, ctx=ctx, shown=shown,
                           charts=charts, sections=SECTIONS, labels=STATUS_LABELS, report_labels=REPORT_LABELS,
                           reports_by_kind=report_state)

    @expose("/report", methods=("POST",))
    def report_view(self):
        dialog = self._dialog(request.form.get("dialog"))
        with flashed_errors():
            reports.request_report(actor(), dialog, request.form.get("kind", ""))
            flash(_("The report is being prepared."), "info")
        return redirect(url_for(".dashboard_view", customer=str(dialog.customer.pk)))

    @expose("/report/status")
    def report_status_view(self):
        report = get_or_404(Report, unit=current_user.business_unit, pk=request.args.get("id"))
        return jsonify(status=report.status,
                       download=url_for(".report_download_view", id=str(report.pk)) if report.status == "ready"
                       else None)

    @expose("/report/download")
    def report_download_view(self):
        report = get_or_404(Report, unit=current_user.business_unit, pk=request.args.get("id"), status="ready")
        data = reports.report_bytes(report)  # gone or damaged: NotFound, the app's error page
        return no_store(Response(data, mimetype="application/pdf", headers=attachment_headers(report.filename)))


class ScoringView(SecureView):
    """Designers edit a questionnaire's scoring model (JSON, next to a table of the fields it can score);
    only a valid model is saved, and it is frozen into the next published version."""

    roles = ("owner", "designer")

    def is_visible(self) -> bool:
        return False

    @expose("/", methods=("GET", "POST"))
    def index(self):
        q = get_or_404(Questionnaire, unit=current_user.business_unit, pk=request.args.get("questionnaire"))
        text = scoring_service.as_text(q)
        problems: list[str] = []
        status = 200
        if request.method == "POST" and request.form.get("action") == "starter":
            text = json.dumps(scoring_service.starter_model(q), ensure_ascii=False, indent=2)
        elif request.method == "POST":
            text = request.form.get("scoring", "")
            with flashed_errors() as refusal:
                scoring_service.save(actor(), q, text)
                flash(_("The scoring model was saved. It is frozen into the next published version."), "success")
                return redirect(url_for(".index", questionnaire=str(q.pk)), 303)
            problems = getattr(refusal.error, "problems", [])
            status = refusal.status
        return self.render("admin/dialog_scoring.html", questionnaire=q, text=text, problems=problems,
                           fields=scoring_service.scorable_fields(q), ranges=scoring_service.ranges(q)), status


def _file_context(customer: Customer) -> dict:
    return {"dialogs": service.dialogs_of(customer)[:10], "labels": STATUS_LABELS,
            "dashboard_url": url_for("dialogs_admin.dashboard_view", customer=str(customer.pk)),
            "start_url": url_for("dialogs_admin.start_view", customer=str(customer.pk))}


add_file_section(FileSection("dialogs", _l("Dialogs and results"), "admin/dialog_section.html", _file_context,
                             order=27))
