"""The customer file's documents (feature "documents") and call links (feature "call_link").

Documents: staff upload several files at once (the page's script sends them one request each, with a
progress bar; without the script the form posts them together), choose category, note and sharing,
preview PDFs and images inline, download, replace (the old version is kept) and delete; they ask the
customer for a document with a due date. Calls: every phone number becomes a link (``call_link`` in
the templates), and staff note a call in one step. Owners set the categories and the call template
under Settings. Every id is looked up inside the staff member's unit (another unit's: 404).
"""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app, flash, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from admin.forms import to_local, to_utc
from admin.sections import FileSection, add_file_section
from admin.views.base import SecureView, actor, flashed_errors
from core.errors import InvalidInput
from core.models import BusinessUnit, Customer, Document, DocumentRequest, StaffUser
from core.models._base import utcnow
from core.phone import display as phone_display
from core.services import calls as calls_service
from core.services import document_requests as requests_service
from core.services import documents as docs
from core.web import file_response, get_or_404


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _back(customer: Customer, section: str) -> str:
    return url_for("customer.file_view", id=str(customer.pk)) + f"#section-{section}"


def _uploads(limit: int) -> list[tuple[bytes, str]]:
    """The request's files (read one byte past the limit, so the service can tell "too large")."""
    return [(f.stream.read(limit + 1), f.filename or "") for f in request.files.getlist("file") if f]


class DocumentsAdminView(SecureView):
    """The customer file's document actions (not in the menu: the file's section posts here)."""

    roles = ("owner", "staff")
    feature = "documents"

    def is_visible(self) -> bool:
        return False

    def _customer(self) -> Customer:
        return get_or_404(Customer, unit=current_user.business_unit, pk=request.values.get("customer"))

    def _document(self) -> Document:
        return get_or_404(Document, unit=current_user.business_unit, pk=request.values.get("document"))

    @expose("/")
    def index(self):
        return redirect(url_for("customer.index_view"))

    @expose("/upload", methods=("POST",))
    def upload(self):
        """One or more files. The script asks for JSON (one file a request; a refusal is 4xx with the
        message); the plain form gets a flash and the file again."""
        customer = self._customer()
        uploads = _uploads(current_app.config["PORTAL_UPLOAD_MAX_BYTES"])
        options = {"category": request.form.get("category", ""), "note": request.form.get("note", ""),
                   "staff_only": request.form.get("share") != "portal"}
        if _wants_json():  # a refusal: the app's handler answers {"error": message} with its status
            stored = docs.upload_many(actor(), customer, uploads, **options)
            return jsonify(stored=[{"id": str(d.pk), "filename": d.filename} for d in stored])
        with flashed_errors():
            stored = docs.upload_many(actor(), customer, uploads, **options)
            flash(_("%(n)d file(s) uploaded.", n=len(stored)), "success")
        return redirect(_back(customer, "documents"))

    @expose("/file")
    def file(self):
        """Preview (``inline=1``: PDFs and images only) or download, of any version."""
        doc = self._document()
        inline = request.args.get("inline") == "1" and doc.content_type in docs.INLINE_TYPES
        return file_response(docs.read(doc), content_type=doc.content_type, length=doc.length,
                             filename=doc.filename, inline=inline)

    @expose("/update", methods=("POST",))
    def update(self):
        doc = self._document()
        with flashed_errors():
            docs.update_document(actor(), doc, category=request.form.get("category", ""),
                                 note=request.form.get("note", ""), staff_only=request.form.get("share") != "portal")
            flash(_("The document was saved."), "success")
        return redirect(_back(doc.customer, "documents"))

    @expose("/replace", methods=("POST",))
    def replace(self):
        doc = self._document()
        uploads = _uploads(current_app.config["PORTAL_UPLOAD_MAX_BYTES"])
        with flashed_errors():
            if len(uploads) != 1:
                raise docs.UploadRefused(_l("Please choose a file."))
            docs.replace_document(actor(), doc, *uploads[0])
            flash(_("The new version was stored; the old one is kept."), "success")
        return redirect(_back(doc.customer, "documents"))

    @expose("/delete", methods=("POST",))
    def delete(self):
        doc = self._document()
        with flashed_errors():
            docs.delete_document(actor(), doc)
            flash(_("The document was deleted."), "success")
        return redirect(_back(doc.customer, "documents"))

    @expose("/request", methods=("POST",))
    def request_document(self):
        customer = self._customer()
        try:
            due = date.fromisoformat(request.form.get("due", ""))
        except ValueError:
            due = None
        with flashed_errors():
            requests_service.request_document(actor(), customer, title=request.form.get("title", ""), due=due,
                                              note=request.form.get("note", ""),
                                              category=request.form.get("category", ""))
            flash(_("The request is waiting in the customer's portal."), "success")
        return redirect(_back(customer, "documents"))

    @expose("/request/cancel", methods=("POST",))
    def cancel_request(self):
        item = get_or_404(DocumentRequest, unit=current_user.business_unit, pk=request.form.get("request"))
        with flashed_errors():
            requests_service.cancel_request(actor(), item)
            flash(_("The request was withdrawn."), "success")
        return redirect(_back(item.customer, "documents"))


class DocumentSettingsView(SecureView):
    """Settings > Documents: the unit's categories (owners)."""

    roles = ("owner",)
    feature = "documents"

    @expose("/", methods=("GET", "POST"))
    def index(self):
        unit = BusinessUnit.objects.get(pk=current_user.business_unit.pk)
        if request.method == "POST":
            with flashed_errors():
                docs.set_categories(actor(), unit, request.form.get("categories", "")[:5000])
                flash(_("Settings saved."), "success")
                return redirect(url_for(".index"))
        return self.render("admin/document_settings.html", categories=docs.categories(unit),
                           own=bool(unit.settings.document_categories))


class CallsAdminView(SecureView):
    """Note a call in the customer file (not in the menu: the file posts here)."""

    roles = ("owner", "staff")
    feature = "call_link"

    def is_visible(self) -> bool:
        return False

    @expose("/")
    def index(self):
        return redirect(url_for("customer.index_view"))

    @expose("/note", methods=("POST",))
    def note(self):
        customer = get_or_404(Customer, unit=current_user.business_unit, pk=request.form.get("customer"))
        try:
            at = to_utc(datetime.fromisoformat(request.form.get("at", "")).replace(tzinfo=None, second=0))
        except ValueError:
            at = None
        who = StaffUser.objects.of_unit(current_user.business_unit).get_or_none(
            pk=request.form.get("staff") or current_user.pk, active=True, role__in=["owner", "staff"])
        with flashed_errors():
            if who is None:
                raise InvalidInput(_l("Please choose who took the call."))
            calls_service.note_call(actor(), customer, at=at, note=request.form.get("note", ""),
                                    staff_label=who.name)
            flash(_("The call was noted."), "success")
        return redirect(_back(customer, "history"))


class CallSettingsView(SecureView):
    """Settings > Call link: the URL template for a cloud telephone system (owners)."""

    roles = ("owner",)
    feature = "call_link"

    @expose("/", methods=("GET", "POST"))
    def index(self):
        unit = BusinessUnit.objects.get(pk=current_user.business_unit.pk)
        template = unit.settings.call_link_template or ""
        if request.method == "POST":
            template = request.form.get("call_link_template", "")[:2000]
            with flashed_errors():
                calls_service.set_template(actor(), unit, template)
                flash(_("Settings saved."), "success")
                return redirect(url_for(".index"))
        return self.render("admin/call_settings.html", value=template,
                           example=calls_service.call_url(unit, calls_service.SAMPLE_NUMBER))


def call_link(e164: str | None, customer: Customer | None = None) -> Markup:
    """Jinja ``call_link(phone)``: the number as a link that starts a call (feature on), else as text."""
    shown = phone_display(e164)
    unit = current_user.business_unit if current_user and current_user.is_authenticated else None
    url = calls_service.call_url(unit, e164) if unit is not None else None
    if not url:
        return Markup("{}").format(shown)
    blank = Markup(' target="_blank" rel="noopener noreferrer"') if url.startswith("https:") else Markup("")
    return Markup('<a class="fd-call-link" href="{}" data-testid="call-link" data-customer="{}"{}>{}</a>').format(
        url, str(customer.pk) if customer is not None else "", blank, shown)


def _documents_context(customer: Customer) -> dict:
    unit = customer.business_unit
    return {
        "customer": customer,
        "documents": docs.file_documents_with_versions(customer),
        "requests": requests_service.requests_for(customer),
        "categories": docs.categories(unit),
        "max_mb": current_app.config["PORTAL_UPLOAD_MAX_BYTES"] // (1024 * 1024),
        "allowed": docs.ALLOWED_LABEL,
        "inline_types": docs.INLINE_TYPES,
        "portal_on": unit.has_feature("portal") and customer.portal_enabled,
        "today": requests_service.local_today(unit).isoformat(),
    }


def _calls_context(customer: Customer) -> dict:
    staff = StaffUser.objects(business_unit=customer.business_unit, active=True, role__in=["owner", "staff"])
    return {"customer": customer, "now": to_local(utcnow()).strftime("%Y-%m-%dT%H:%M"),
            "staff": list(staff.order_by("name").only("name"))}


add_file_section(FileSection("calls", _l("Note a call"), "admin/sections/calls.html", _calls_context,
                             feature="call_link", order=85))
add_file_section(FileSection("documents", _l("Documents"), "admin/sections/documents.html", _documents_context,
                             feature="documents", order=20))
