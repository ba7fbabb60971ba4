"""Staff accounts (owners only): create with a policy-checked password, roles, deactivate."""

from __future__ import annotations

from flask import flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import PasswordField
from wtforms.validators import Length, Optional

from admin.views.base import SecureModelView
from core.i18n import LANGUAGE_NAMES
from core.passwords import hash_password, password_problems

ROLE_LABELS = {"owner": _l("Owner"), "staff": _l("Staff"), "designer": _l("Form designer")}


class StaffUserView(SecureModelView):
    roles = ("owner",)
    can_delete = False  # accounts are deactivated, so the audit trail keeps its actors
    column_list = ("name", "email", "role", "active", "language", "last_login_at")
    column_labels = {"name": _l("Name"), "email": _l("E-mail"), "role": _l("Role"), "active": _l("Active"),
                     "language": _l("Language"), "last_login_at": _l("Last login"),
                     "new_password": _l("Password"), "last_seen_at": _l("Last seen")}
    column_formatters = {"role": lambda v, c, m, n: ROLE_LABELS.get(m.role, m.role)}
    column_details_exclude_list = ("business_unit", "password_hash", "session_version")
    form_columns = ("name", "email", "role", "active", "language", "new_password")
    form_choices = {"role": list(ROLE_LABELS.items()), "language": list(LANGUAGE_NAMES.items())}
    form_extra_fields = {"new_password": PasswordField(
        _l("Password"), validators=[Optional(), Length(max=1024)],
        description=_l("At least 12 characters. Leave empty to keep the current password."))}
    column_searchable_list = ("name", "email")
    column_value_labels = {"role": ROLE_LABELS, "language": LANGUAGE_NAMES}

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        password = form.new_password.data or ""
        if is_created and not password:
            raise_field(form.new_password, _("A password is required for a new account."))
        if password:
            problems = password_problems(password, email=form.email.data or "", name=form.name.data or "")
            if problems:
                raise_field(form.new_password, " ".join(problems))
            model.password_hash = hash_password(password)
            model.session_version = (model.session_version or 0) + 1
        if not is_created and model.pk == current_user.pk and (not model.active or model.role != "owner"):
            raise_field(form.role, _("You cannot demote or deactivate your own account."))
        if not model.active:
            model.session_version = (model.session_version or 0) + 1

    def _save(self, form, model, is_created):
        try:
            return super()._save(form, model, is_created)
        except FieldError:
            flash(_("Please correct the marked fields."), "error")
            return False


class FieldError(Exception):
    pass


def raise_field(field, message: str):
    field.errors = [*list(field.errors), message]
    raise FieldError(message)
