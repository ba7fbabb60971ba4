"""Customer portal (``/portal/``): passwordless login by e-mail code, password accounts, the
customer's own data, requested questionnaires, projects with messages, documents and work times.

This module builds the blueprint; :mod:`portal.auth` decides who is looking (login, enrolment,
logout, view as customer) and :mod:`portal.views` holds the pages. Every response under /portal is
``Cache-Control: no-store``. Security numbers: ``core/services/portal.py``.
"""

from __future__ import annotations

from flask import Blueprint, Flask

from core.web import no_store_under

bp = Blueprint("portal", __name__, url_prefix="/portal", template_folder="templates", static_folder="static")

from portal import appointment_links, appointments, auth, bonus, booking, views  # noqa: E402, F401  (they add their routes to bp)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    no_store_under(app, "/portal")
