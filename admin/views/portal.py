"""Customer portal in the admin (feature "portal", issue 5): accounts, projects, work times,
requested questionnaires, documents, messages with unread counts, the welcome text, the login
link with its QR code, and "view as customer" (a customer-file section posts to the portal).
"""

from __future__ import annotations

from datetime import date

import segno
from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from admin.sections import FileSection, add_file_section
from admin.views.base import SecureView, actor, flashed_errors
from core.models import Customer, Document, Message, PortalAccount, PortalTask, Project, QuestionnaireVersion
from core.models._base import utcnow
from core.models.portal_account import PERMISSIONS
from core.services import documents as docs
from core.services import messages as msgs
from core.services import portal as service
from core.services import projects as projects_service
from core.services.questionnaires import published_for_unit
from core.web import get_or_404

PERMISSION_LABELS = {"documents": _l("Documents"), "work_times": _l("Work times"), "planning": _l("Planning"),
                     "messages": _l("Messages"), "master_data": _l("Master data"),
                     "questionnaires": _l("Questionnaires")}



def login_url(unit) -> str:
    return url_for("portal.unit_login", slug=unit.slug, _external=True)


class PortalAdminView(SecureView):
    """Customer portal (owners and staff): messages overview, welcome text, and the actions the
    customer-file section posts to. Every id is looked up inside the staff member's unit."""

    roles = ("owner", "staff")
    feature = "portal"

    def _unit(self):
        return current_user.business_unit

    def _customer(self) -> Customer:
        return get_or_404(Customer, unit=self._unit(), pk=request.values.get("customer"))

    def _project(self) -> Project:
        return get_or_404(Project, unit=self._unit(), pk=request.values.get("project"))

    def _back(self, customer) -> str:
        return url_for("customer.file_view", id=str(customer.pk)) + "#section-portal"

    @expose("/")
    def index(self):
        unit = self._unit()
        unread = {}
        for ref in Message.objects(business_unit=unit, sender="customer", read_at=None).scalar("project"):
            unread[ref.pk] = unread.get(ref.pk, 0) + 1
        projects = list(Project.objects(pk__in=list(unread))) if unread else []
        url = login_url(unit)
        return self.render("admin/portal_index.html", unread=unread, projects=projects, login_url=url,
                           qr=segno.make(url, error="m").svg_data_uri(scale=4),
                           welcome=service.welcome_text(unit), total=msgs.unread_for_staff(unit))

    @expose("/welcome", methods=("POST",))
    def welcome(self):
        if current_user.role != "owner":
            abort(403)
        with flashed_errors():
            service.set_welcome_text(actor(), self._unit(), request.form.get("welcome_text", ""))
            flash(_("The welcome text was saved."), "success")
        return redirect(url_for(".index"))

    @expose("/account", methods=("POST",))
    def create_account(self):
        customer = self._customer()
        project = get_or_404(Project.objects(customer=customer), unit=self._unit(), pk=request.form.get("project")) \
            if request.form.get("project") else None
        permissions = [p for p in request.form.getlist("permissions") if p in PERMISSIONS]
        with flashed_errors():
            account, handover = service.create_account(
                actor(), customer, name=request.form.get("name", ""), username=request.form.get("username", ""),
                password=request.form.get("password") or None, permissions=permissions, project=project,
                initial=request.form.get("initial") or None)
            return self._sheet(account, handover)
        return redirect(self._back(customer))

    def _sheet(self, account: PortalAccount, handover: service.Handover):
        """The printable hand-over sheet: username plus either the initial password or the enrolment
        link. Both exist only in this response (we store hashes). The QR code carries the portal address
        or the enrolment link, never a password."""
        url = login_url(account.business_unit)
        link = service.enrolment_url(handover.enrolment_token, base_url=request.host_url) \
            if handover.enrolment_token else None
        return self.render("admin/portal_account_sheet.html", account=account, login_url=url, enrolment_url=link,
                           password=handover.password,
                           qr=segno.make(link or url, error="m").svg_data_uri(scale=4), labels=PERMISSION_LABELS,
                           back=self._back(account.customer))

    def _account(self) -> PortalAccount:
        return get_or_404(PortalAccount, unit=self._unit(), pk=request.form.get("account"))

    @expose("/account/enrolment", methods=("POST",))
    def account_enrolment(self):
        """A new enrolment link (the earlier one stops working), e.g. when the first one expired."""
        account = self._account()
        with flashed_errors():
            token = service.issue_enrolment(actor(), account)
            return self._sheet(account, service.Handover(enrolment_token=token))
        return redirect(self._back(account.customer))

    @expose("/account/enrolment/revoke", methods=("POST",))
    def account_enrolment_revoke(self):
        account = self._account()
        if service.revoke_enrolment(actor(), account):
            flash(_("The link was withdrawn; it no longer works."), "success")
        else:
            flash(_("This account has no open link."), "info")
        return redirect(self._back(account.customer))

    @expose("/account/active", methods=("POST",))
    def account_active(self):
        account = self._account()
        active = request.form.get("active") == "1"
        service.set_account_active(actor(), account, active)
        flash(_("The account was activated.") if active else _("The account was deactivated."), "success")
        return redirect(self._back(account.customer))

    @expose("/project", methods=("POST",))
    def create_project(self):
        customer = self._customer()
        with flashed_errors():
            projects_service.create_project(actor(), customer, request.form.get("name", ""))
            flash(_("The project was created."), "success")
        return redirect(self._back(customer))

    @expose("/request", methods=("POST",))
    def request_questionnaire(self):
        customer = self._customer()
        version = get_or_404(QuestionnaireVersion, unit=self._unit(), pk=request.form.get("version"))
        service.request_questionnaire(actor(), customer, version)
        flash(_("The questionnaire is waiting in the customer's portal."), "success")
        return redirect(self._back(customer))

    @expose("/time", methods=("POST",))
    def book_time(self):
        project = self._project()
        try:
            day = date.fromisoformat(request.form.get("day", ""))
            minutes = int(request.form.get("minutes", ""))
        except ValueError:
            flash(_("Please check the date and the minutes."), "error")
            return redirect(url_for(".project_view", project=str(project.pk)))
        with flashed_errors():
            projects_service.book_time(actor(), project, day=day, minutes=minutes,
                                       description=request.form.get("description", "")[:1000],
                                       staff_name=current_user.name)
            flash(_("The work time was booked."), "success")
        return redirect(url_for(".project_view", project=str(project.pk)))

    @expose("/document", methods=("POST",))
    def upload(self):
        project = self._project()
        file = request.files.get("file")
        from flask import current_app

        data = file.stream.read(current_app.config["PORTAL_UPLOAD_MAX_BYTES"] + 1) if file else b""
        with flashed_errors():
            docs.store(actor(), project.customer, data, file.filename if file else "", project=project,
                       uploaded_by="staff")
            flash(_("The file was uploaded."), "success")
        return redirect(url_for(".project_view", project=str(project.pk)))

    @expose("/project/view")
    def project_view(self):
        project = self._project()
        thread = msgs.thread(project)
        msgs.mark_read(project, reader="staff")
        return self.render("admin/portal_project.html", project=project, thread=thread,
                           entries=projects_service.time_entries(project),
                           files=docs.documents_for(project.customer, project), allowed=docs.ALLOWED_LABEL)

    @expose("/message", methods=("POST",))
    def reply(self):
        project = self._project()
        with flashed_errors():
            msgs.post(actor(), project, request.form.get("body", ""), sender="staff")
            flash(_("Your message was sent."), "success")
        return redirect(url_for(".project_view", project=str(project.pk)))


def _section_context(customer: Customer) -> dict:
    unit = customer.business_unit
    return {
        "customer": customer,
        "accounts": list(PortalAccount.objects(customer=customer).order_by("username")),
        "projects": list(Project.objects(customer=customer).order_by("-created_at")),
        "tasks": list(PortalTask.objects(customer=customer).order_by("-created_at").limit(10)),
        "documents": Document.objects(customer=customer).count(),
        "published": published_for_unit(unit),
        "permissions": PERMISSION_LABELS,
        "login_url": login_url(unit),
        "now": utcnow(),
    }


add_file_section(FileSection("portal", _l("Customer portal"), "admin/portal_section.html", _section_context,
                             feature="portal", order=30))
