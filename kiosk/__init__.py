"""Paired tablet (``/kiosk/``): pairing, the idle screen, the questionnaire of the current run.

The tablet has no staff login. What it may see is decided by one thing: the device cookie
(``frontdesk_device``, HttpOnly, SameSite=Strict, path ``/kiosk``). It gives access to that
device's current run only; the run URL's token additionally dies when the run ends. Every
response here is ``Cache-Control: no-store``. Security numbers: ``kiosk/SECURITY.md``.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Flask, abort, current_app, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from core.extensions import limiter
from core.services import kiosk as service
from core.services import questionnaires as qs
from core.web import no_store_under, read_json, request_lang, submit_answers, takes_json

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk", template_folder="templates", static_folder="static")

COOKIE = "frontdesk_device"
COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest lifetime browsers accept
#: how often the idle screen asks for a run (ms); the questionnaire then appears within ~1 s
POLL_INTERVAL_MS = 1000
#: how often the questionnaire page reports activity and checks it is still open (ms)
HEARTBEAT_MS = 5000


def _pairing_limit() -> str:
    return current_app.config["KIOSK_PAIRING_LIMIT"]


def _pairing_global_limit() -> str:
    return current_app.config["KIOSK_PAIRING_GLOBAL_LIMIT"]


def _installation() -> str:
    """One rate-limit bucket for every address: failed pairings of the whole installation."""
    return "kiosk-pairing-all"


def _pairing_failed(response) -> bool:
    return bool(g.get("kiosk_pairing_failed"))


@bp.before_request
def load_device():
    g.kiosk_device = None
    g.kiosk_forget_cookie = False
    if request.endpoint == "kiosk.static":
        return None
    token = request.cookies.get(COOKIE)
    if token:
        device = service.device_for_token(token)
        if device is None:
            g.kiosk_forget_cookie = True  # revoked or unknown: back to the pairing screen
        else:
            g.kiosk_device = device
            g.force_language = device.business_unit.language or current_app.config["DEFAULT_LANGUAGE"]
            service.touch_device(device)
    return None


def forget_device_cookie(response):
    """A revoked or unknown device's cookie goes: the tablet shows the pairing screen again."""
    if g.get("kiosk_forget_cookie"):
        response.delete_cookie(COOKIE, path="/kiosk", httponly=True, samesite="Strict", secure=request.is_secure)
    return response


def _device():
    """The paired device of this request; 404 when its unit switched the function off."""
    device = g.kiosk_device
    if device is not None and not device.business_unit.has_feature(service.FEATURE):
        abort(404)
    return device


def _pairing_page(error: str | None = None, status: int = 200, reason: str = ""):
    return render_template("kiosk/pair.html", lang=request_lang(), error=error, reason=reason), status


@bp.route("/display")
def display():
    device = _device()
    if device is None:
        return _pairing_page()
    return render_template("kiosk/display.html", lang=request_lang(), unit_name=device.business_unit.name,
                           poll_url=url_for(".poll"), interval=POLL_INTERVAL_MS)


@bp.route("/pair", methods=["POST"])
@limiter.limit(_pairing_limit, methods=["POST"], deduct_when=_pairing_failed, per_method=True)
@limiter.limit(_pairing_global_limit, key_func=_installation, methods=["POST"], deduct_when=_pairing_failed,
               per_method=True)
def pair():
    if _device() is not None:
        return redirect(url_for(".display"))
    try:
        _device_doc, token = service.pair(request.form.get("code", ""))
    except service.CodeExpired:
        g.kiosk_pairing_failed = True
        return _pairing_page(_("This code has expired. Please ask the staff for a new one."), 400, "expired")
    except service.WrongCode:
        g.kiosk_pairing_failed = True
        return _pairing_page(_("This code is not valid. Please check it and try again."), 400, "wrong")
    response = redirect(url_for(".display"))
    response.set_cookie(COOKIE, token, max_age=COOKIE_MAX_AGE, path="/kiosk", httponly=True, samesite="Strict",
                        secure=request.is_secure)
    g.kiosk_forget_cookie = False
    return response


@bp.route("/poll")
def poll():
    device = _device()
    if device is None:
        return jsonify(state="unpaired"), 401
    claimed = service.claim(device)
    if claimed is None:
        return jsonify(state="idle")
    _run, token = claimed
    return jsonify(state="run", url=url_for(".run", token=token))


def _closed():
    """What an ended, foreign or unknown run URL gets: nothing but the way back to the idle screen."""
    if request.method == "POST" or request.accept_mimetypes.best == "application/json":
        return jsonify(state="closed", redirect=url_for(".display")), 410
    return render_template("kiosk/closed.html", lang=request_lang()), 410


@bp.route("/run/<token>", methods=["GET", "POST"])
@takes_json
def run(token: str):
    device = _device()
    current = service.run_for(device, token) if device is not None else None
    if current is None:
        return _closed()
    lang = request_lang()
    if qs.unsafe_reason(current.version) is not None:  # holds code: shown to nobody
        message = str(qs.UNSAFE_MESSAGE)
        if request.method == "POST":
            return jsonify(state="refused", error=message), 409
        return render_template("kiosk/closed.html", lang=lang, message=message), 409
    if request.method == "POST":  # the run ended meanwhile: closed (410)
        return submit_answers(lambda data: service.submit_run(device, current, data, lang=lang),
                              done=url_for(".thanks"), on_stale=lambda exc: _closed())
    service.touch_run(current)
    return render_template("kiosk/questionnaire.html", lang=lang, title=current.version.name,
                           definition=current.version.schema, prefill=current.prefill,
                           submit_url=url_for(".run", token=token),
                           heartbeat_url=url_for(".heartbeat", token=token), heartbeat=HEARTBEAT_MS)


@bp.route("/run/<token>/heartbeat", methods=["POST"])
@takes_json
def heartbeat(token: str):
    """The questionnaire page: "still open?" and, after user input, "the customer is active"."""
    device = _device()
    current = service.run_for(device, token) if device is not None else None
    if current is None:
        return jsonify(state="closed", redirect=url_for(".display")), 410
    payload = read_json()
    if isinstance(payload, dict) and payload.get("active") is True:
        service.touch_run(current, min_interval=timedelta(seconds=15))
    return jsonify(state="running")


@bp.route("/thanks")
def thanks():
    if _device() is None:
        return redirect(url_for(".display"))
    return render_template("kiosk/thanks.html", lang=request_lang())


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    no_store_under(app, "/kiosk")  # every response, 404s and static files included
    app.after_request(forget_device_cookie)
