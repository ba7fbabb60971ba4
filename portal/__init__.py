"""Customer portal (``/portal/``). Accounts, login and pages arrive with the portal issue."""

from __future__ import annotations

from flask import Blueprint, Flask, render_template

bp = Blueprint("portal", __name__, url_prefix="/portal", template_folder="templates")


@bp.route("/login")
def login():
    return render_template("portal/login.html")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
