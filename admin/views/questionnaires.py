"""Questionnaires for designers: list, builder, preview, publish, versions, import/export, archive."""

from __future__ import annotations

import json

from flask import Response, abort, flash, jsonify, redirect, request, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import FileField, SelectField, StringField
from wtforms.validators import Length

from admin.sections import FileSection, add_file_section
from admin.views.base import SecureModelView, actor
from core.errors import FrontdeskError
from core.files import attachment_headers
from core.models import Customer, Questionnaire, QuestionnaireVersion, Submission
from core.models.questionnaire import KINDS
from core.services import questionnaires as qs
from core.services import submission_export
from core.web import answers, request_lang, takes_json

KIND_LABELS = {"master_data": _l("Master data update"), "consent": _l("Privacy consent"),
               "anamnesis": _l("Anamnesis"), "survey": _l("Satisfaction survey"), "custom": _l("Custom")}


class ImportForm(FlaskForm):
    name = StringField(_l("Name"), validators=[Length(max=200)])
    kind = SelectField(_l("Kind"), choices=[("", "—"), *KIND_LABELS.items()])
    file = FileField(_l("JSON file"))


STATUS_LABELS = {"active": _l("active"), "archived": _l("archived")}

#: the places of a definition whose JavaScript the server runs (forms.js.PLACES), for the builder's list
SCRIPT_PLACES = {
    "validate.custom": _l("Custom validation"),
    "validate.row": _l("Row validation (edit grid)"),
    "calculateValue": _l("Calculated value"),
    "customConditional": _l("Custom condition (show)"),
    "customDefaultValue": _l("Custom default value"),
    "logic.trigger.javascript": _l("Logic: trigger"),
    "logic.actions.value": _l("Logic: value action"),
    "logic.actions.customAction": _l("Logic: custom action"),
    "logic.actions.schemaDefinition": _l("Logic: component change"),
}


class QuestionnaireView(SecureModelView):
    roles = ("owner", "designer")
    can_delete = False  # published versions and submissions refer to it: archive instead
    column_list = ("name", "kind", "status", "latest_version", "updated_at")
    column_labels = {"name": _l("Name"), "kind": _l("Kind"), "status": _l("Status"),
                     "latest_version": _l("Published version"), "updated_at": _l("Updated"),
                     "description": _l("Description")}
    column_formatters = {
        "kind": lambda v, c, m, n: KIND_LABELS.get(m.kind, m.kind),
        "status": lambda v, c, m, n: _("archived") if m.status == "archived" else _("active"),
        "name": lambda v, c, m, n: Markup('<a href="{}">{}</a>{}').format(
            url_for(".builder_view", id=str(m.pk)), m.name,
            Markup(' <span class="badge bg-danger" data-testid="unsafe">{}</span>').format(_("contains code"))
            if m.unsafe_reason else ""),
    }
    column_filters = ("kind", "status")
    column_value_labels = {"kind": KIND_LABELS, "status": STATUS_LABELS}
    column_searchable_list = ("name",)
    form_columns = ("name", "kind", "description")
    form_choices = {"kind": list(KIND_LABELS.items())}
    edit_template = "admin/questionnaire_edit.html"

    def get_save_return_url(self, model, is_created=False):
        return url_for(".builder_view", id=str(model.pk))

    def _get(self, raw_id: str | None) -> Questionnaire:
        q = self.get_one(raw_id or "")
        if q is None:
            abort(404)
        return q

    # --- builder ------------------------------------------------------------------------------
    @expose("/builder/", methods=("GET", "POST"))
    def builder_view(self):
        q = self._get(request.values.get("id"))
        form = FlaskForm()
        if request.method == "POST":
            if not form.validate_on_submit():
                abort(400)
            try:
                warnings = qs.save_draft(actor(), q, request.form.get("definition", ""))
            except FrontdeskError as exc:
                flash(_("The draft was not saved: %(reason)s", reason=str(exc)), "error")
            else:
                for warning in warnings:
                    flash(_("Saved. Before publishing, fix: %(reason)s", reason=warning), "warning")
                if not warnings:
                    flash(_("Draft saved."), "success")
            return redirect(url_for(".builder_view", id=str(q.pk)))
        problem = qs.draft_problem(q)
        versions = list(QuestionnaireVersion.objects(questionnaire=q).order_by("-number"))
        return self.render("admin/questionnaire_builder.html", q=q, form=form, versions=versions,
                           definition=q.draft, kind_label=KIND_LABELS.get(q.kind, q.kind),
                           lang=request_lang(),
                           problem=qs.describe_problem(problem) if problem else None,
                           # the plain editor's text (escaped by Jinja inside the <textarea>)
                           definition_text=json.dumps(q.draft, indent=2, ensure_ascii=False) if problem else "",
                           blocked={v.pk for v in versions if qs.unsafe_reason(v)},
                           scripts=qs.scripts_of(q.draft), place_labels=SCRIPT_PLACES,
                           nested=qs.nested_status(q),
                           includable_url=url_for(".includable_view", id=str(q.pk)))

    @expose("/includable/")
    def includable_view(self):
        """JSON for the builder's nested form: the unit's published questionnaires this one may include."""
        q = self._get(request.args.get("id"))
        response = jsonify(questionnaires=qs.includable(q))
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/preview/")
    def preview_view(self):
        q = self._get(request.args.get("id"))
        try:
            definition = qs.renderable_draft(q)
        except qs.UnsafeDefinition:
            raise
        except FrontdeskError as exc:
            flash(_("The preview cannot be shown: %(reason)s", reason=str(exc)), "error")
            return redirect(url_for(".builder_view", id=str(q.pk)))
        return self.render("admin/questionnaire_preview.html", q=q, definition=definition, lang=request_lang(),
                           check_url=url_for(".preview_check", id=str(q.pk)))

    @expose("/preview-check/", methods=("POST",))
    @takes_json
    def preview_check(self):
        """Validate preview answers on the server, exactly as a real submission would; store nothing."""
        q = self._get(request.args.get("id"))
        data = answers()
        try:
            form = qs.lint(q.draft, q)
        except FrontdeskError as exc:
            return jsonify(errors=[{"message": str(exc), "level": "error", "path": []}]), 422
        result = form.validate(data if isinstance(data, dict) else {}, lang=request_lang(),
                               zone=q.business_unit.timezone)
        if not result.valid:
            return jsonify(errors=form.renderer_errors(result)), 422
        return jsonify(ok=True, data=result.data)

    # --- lifecycle ----------------------------------------------------------------------------
    def _post_action(self):
        if not FlaskForm().validate_on_submit():
            abort(400)
        return self._get(request.form.get("id"))

    @expose("/publish/", methods=("POST",))
    def publish_view(self):
        q = self._post_action()
        try:
            version = qs.publish(actor(), q)
        except FrontdeskError as exc:
            flash(_("Not published: %(reason)s", reason=str(exc)), "error")
        else:
            flash(_("Version %(n)d published.", n=version.number), "success")
        return redirect(url_for(".builder_view", id=str(q.pk)))

    @expose("/archive/", methods=("POST",))
    def archive_view(self):
        q = self._post_action()
        archived = request.form.get("archived") == "1"
        qs.set_archived(actor(), q, archived)
        flash(_("Questionnaire archived.") if archived else _("Questionnaire restored."), "success")
        return redirect(url_for(".index_view"))

    @expose("/duplicate/", methods=("POST",))
    def duplicate_view(self):
        q = self._post_action()
        try:
            copy = qs.duplicate(actor(), q)
        except FrontdeskError as exc:
            flash(_("Not copied: %(reason)s", reason=str(exc)), "error")
            return redirect(url_for(".builder_view", id=str(q.pk)))
        flash(_("Copy created: %(name)s", name=copy.name), "success")
        return redirect(url_for(".builder_view", id=str(copy.pk)))

    @expose("/export/")
    def export_view(self):
        q = self._get(request.args.get("id"))
        number = request.args.get("version", "")
        target = q
        if number:
            if not number.isdigit():
                abort(404)
            target = QuestionnaireVersion.objects(questionnaire=q, number=int(number)).first()
            if target is None:
                abort(404)
        body = json.dumps(qs.export(target), ensure_ascii=False, indent=2)
        filename = f"questionnaire-{q.pk}{'-v' + number if number else '-draft'}.json"
        return Response(body, mimetype="application/json", headers=attachment_headers(filename))

    @expose("/submissions-export/", methods=("POST",))
    def submissions_export_view(self):
        """Every submission of the questionnaire as CSV or XLSX (forms.answers: labels, flattened grids)."""
        q = self._post_action()
        try:
            done = submission_export.export_submissions(actor(), q, request.form.get("format", "csv"),
                                                        request_lang())
        except FrontdeskError as exc:
            flash(_("Not exported: %(reason)s", reason=str(exc)), "error")
            return redirect(url_for(".builder_view", id=str(q.pk)))
        return Response(done.content, mimetype=done.mimetype, headers=attachment_headers(done.filename))

    @expose("/import/", methods=("GET", "POST"))
    def import_view(self):
        form = ImportForm()
        if form.validate_on_submit():
            upload = request.files.get("file")
            raw = upload.read(qs.MAX_DEFINITION_BYTES + 1) if upload else b""
            try:
                document = json.loads(raw) if raw else None
                if not isinstance(document, dict):
                    raise ValueError
            except ValueError:
                form.file.errors = [_("Please choose a JSON file exported from Frontdesk or Form.io.")]
            else:
                name = form.name.data or document.get("name") or _("Imported questionnaire")
                kind = form.kind.data or document.get("kind") or "custom"
                try:
                    q = qs.create(actor(), current_user.business_unit, name=str(name)[:200],
                                  kind=kind if kind in KINDS else "custom", definition=document)
                except FrontdeskError as exc:
                    form.file.errors = [str(exc)]
                else:
                    flash(_("Imported as a draft. Check it, then publish."), "success")
                    return redirect(url_for(".builder_view", id=str(q.pk)))
        return self.render("admin/questionnaire_import.html", form=form)


def _submissions_context(customer: Customer) -> dict:
    items = []
    lang = request_lang()
    for sub in Submission.objects(customer=customer).order_by("-completed_at").limit(20):
        items.append({"submission": sub, "answers": qs.render_submission(sub, lang=lang),
                      "name": sub.version.name if sub.version else "?"})
    return {"items": items}


add_file_section(FileSection("submissions", _l("Questionnaires"), "admin/sections/submissions.html",
                             _submissions_context, order=20))

__all__ = ["QuestionnaireView"]
