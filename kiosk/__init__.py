"""Paired tablet (``/kiosk/``). Pairing and questionnaires arrive with the kiosk issue."""

from __future__ import annotations

from flask import Blueprint, Flask, render_template

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk", template_folder="templates")


@bp.route("/display")
def display():
    return render_template("kiosk/display.html")


@bp.after_request
def no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
