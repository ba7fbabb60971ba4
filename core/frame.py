"""The isolated renderer document: the one place where @formio/js renders questionnaires.

Every page that shows a questionnaire (staff fill-in, preview, tablet, portal, dialog link) embeds
this document in ``<iframe sandbox="allow-scripts">`` and talks to it by ``postMessage``
(forms/static/frontdesk/render.js outside, frame.js inside). Its own policy repeats the sandbox
(``sandbox allow-scripts``: an opaque origin even if it is opened on its own, so no cookies, storage
or DOM of ours; no modal dialogs, popups, form submission or top-level navigation) and allows nothing
to be sent anywhere (``form-action 'none'``; ``connect-src`` only the time-zone data Form.io fetches
for a datetime shown in another zone: a public static file, fetched without credentials). Only this document needs
``'unsafe-eval'`` (Form.io compiles its templates with ``new Function``); the pages around it do not.
"""

from __future__ import annotations

from flask import Blueprint, Response, make_response, render_template, request

MODES = ("portal", "kiosk", "staff", "preview", "builder")

#: the only thing the renderer may fetch (moment-timezone's zone data, our mirror; static, public)
ZONE_DATA = "static/formio/vendor/cdn/moment-timezone/data/packed/latest.json"

FRAME_CSP = "; ".join([
    "sandbox allow-scripts",
    "default-src 'none'",
    "script-src 'self' 'unsafe-eval'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src {zone_data}",
    "form-action 'none'",
    "frame-src 'none'",
    "worker-src 'none'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'self'",
])


def frame_csp() -> str:
    """:data:`FRAME_CSP` for this request (the zone data's absolute URL: 'self' cannot take a path)."""
    return FRAME_CSP.format(zone_data=request.url_root + ZONE_DATA)


def frame_view() -> Response:
    """The renderer document (no data in it: definition, answers and errors arrive by postMessage)."""
    mode = request.args.get("mode")
    lang = "en" if request.args.get("lang") == "en" else "de"
    response = make_response(render_template("forms/frame.html", mode=mode if mode in MODES else "portal",
                                             lang=lang))
    response.headers["Content-Security-Policy"] = frame_csp()
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    # the same for everyone and free of data: the browser may keep it (every questionnaire page needs it)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def register_frame(formio: Blueprint) -> None:
    """Serve :func:`frame_view` as ``formio.frame`` (``/static/formio/frame.html`` is not a file)."""
    formio.add_url_rule("/formio/frame", "frame", frame_view)
