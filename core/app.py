"""The application factory. The only module that imports the surfaces (admin, portal, kiosk, tasks)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from core import web
from core.auth import init_auth
from core.celery_app import celery_init_app
from core.config import load_config, warn_unset_public_base_url
from core.db import connect_db
from core.errors import FrontdeskError
from core.extensions import babel, csrf, limiter
from core.i18n import select_locale, select_timezone
from core.security import csp_nonce, init_security
from core.services import sms

HERE = Path(__file__).resolve().parent
FORMS_DIR = HERE.parent / "forms"


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build a Frontdesk application. ``overrides`` win over the environment (tests use them).

    Writes nothing to the database: indexes and data migrations are ``frontdesk db upgrade``
    (:func:`core.db.upgrade_database`), run once per deployment, not in every process."""
    overrides = dict(overrides or {})
    instance = overrides.pop("INSTANCE_PATH", None) or os.environ.get("FRONTDESK_INSTANCE_PATH") \
        or str(Path.cwd() / "instance")
    app = Flask("frontdesk", instance_path=str(Path(instance).resolve()), instance_relative_config=True,
                root_path=str(HERE))
    load_config(app, overrides)
    warn_unset_public_base_url(app)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(HERE / "translations"))
    if not app.config["RATELIMIT_STORAGE_URI"]:
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"] or "memory://"
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "frontdesk")

    connect_db(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    csrf.init_app(app)
    limiter.init_app(app)
    init_security(app)
    init_auth(app)
    celery_init_app(app)
    sms.init_app(app)  # a wrong SMS_PROVIDER fails at start, not at the first message
    app.jinja_env.globals.update(csp_nonce=csp_nonce, get_locale=get_locale)
    app.jinja_env.add_extension("jinja2.ext.i18n")

    _register_surfaces(app)
    web.init_app(app)
    _register_errors(app)
    _register_cli(app)
    return app


def _register_surfaces(app: Flask) -> None:
    import admin
    import dialogs
    import kiosk
    import portal
    import tasks  # noqa: F401 (registers the Celery tasks)

    site = Blueprint("site", __name__)

    @site.route("/")
    def landing():
        return render_template("landing.html")

    @site.route("/favicon.ico")
    def favicon():
        return app.send_static_file("favicon.svg")

    @site.route("/healthz")
    def healthz():
        from core.db import get_db

        get_db().command("ping")
        return jsonify(status="ok")

    @site.route("/lang/<code>", methods=["POST"])
    def set_language(code: str):
        from flask import redirect, session, url_for
        from flask_login import current_user

        from core.models import StaffUser

        if code not in app.config["LANGUAGES"]:
            return render_template("error.html", code=400, message=_("Unknown language.")), 400
        session["lang"] = code
        if current_user.is_authenticated:
            StaffUser.objects(pk=current_user.pk).update_one(set__language=code)
        return redirect(request.referrer if _same_origin(request.referrer) else url_for("site.landing"))

    app.register_blueprint(site)
    # The shared Form.io renderer (vendored assets, its templates and the isolated renderer document).
    from core.frame import register_frame

    formio = Blueprint("formio", "forms", static_folder=str(FORMS_DIR / "static"), static_url_path="/static/formio",
                       template_folder=str(FORMS_DIR / "templates"))
    register_frame(formio)
    app.register_blueprint(formio)
    admin.init_app(app)
    portal.init_app(app)
    kiosk.init_app(app)
    dialogs.init_app(app)


def _same_origin(url: str | None) -> bool:
    from urllib.parse import urlparse

    if not url:
        return False
    target = urlparse(url)
    return target.scheme in ("http", "https") and target.netloc == request.host


def _register_errors(app: Flask) -> None:
    def wants_json() -> bool:
        return request.is_json or request.accept_mimetypes.best == "application/json"

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        message = _("The form has expired or was not sent from this site. Please reload the page and try again.")
        if wants_json():
            return jsonify(error=message), 400
        return render_template("error.html", code=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        messages = {
            400: _("The request was not understood."),
            403: _("You are not allowed to do this."),
            404: _("This page does not exist."),
            405: _("This action is not allowed here."),
            410: _("This page is no longer available."),
            413: _("The upload is too large."),
            429: _("Too many attempts. Please wait a few minutes and try again."),
        }
        message = messages.get(exc.code or 500, exc.description)
        if wants_json():
            return jsonify(error=message), exc.code
        response = render_template("error.html", code=exc.code, message=message), exc.code
        return response

    @app.errorhandler(FrontdeskError)
    def domain_error(exc: FrontdeskError):
        """A service refused something a view did not handle itself: its status and (safe) message."""
        message = str(exc)  # translated where it was raised (lazy_gettext)
        if wants_json():
            return jsonify(error=message), exc.status
        return render_template("error.html", code=exc.status, message=message), exc.status

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if app.config.get("PROPAGATE_EXCEPTIONS") or app.testing:
            raise exc
        app.logger.exception("Unhandled error")
        return render_template("error.html", code=500, message=_("Something went wrong.")), 500


def _register_cli(app: Flask) -> None:
    from core.cli import register_app_commands

    register_app_commands(app)
