"""The isolated renderer document (core/frame.py) and the pages that embed it."""

from __future__ import annotations

import re

from core.frame import FRAME_CSP


def _directives(csp: str) -> dict[str, str]:
    return {name: value for name, _sep, value in (part.partition(" ") for part in csp.split("; "))}


def test_the_frame_document_is_sandboxed_and_can_send_nothing(client):
    r = client.get("/formio/frame?mode=kiosk&lang=de")
    assert r.status_code == 200
    csp = _directives(r.headers["Content-Security-Policy"])
    assert csp["sandbox"] == "allow-scripts"  # opaque origin even when opened on its own; no modals/popups/top
    assert csp["script-src"] == "'self' 'unsafe-eval'" and csp["default-src"] == "'none'"
    assert csp["connect-src"] == "http://localhost/static/formio/vendor/cdn/moment-timezone/data/packed/latest.json"
    assert csp["form-action"] == "'none'" and csp["frame-src"] == "'none'" and csp["worker-src"] == "'none'"
    assert csp["frame-ancestors"] == "'self'" and r.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert r.headers["Cache-Control"] == "public, max-age=300"  # holds no data
    html = r.get_data(as_text=True)
    # no data in it, no inline script; the first script makes cookies/storage harmless in the sandbox
    assert "<script>" not in html and re.findall(r'src="([^"]+)"', html)[0].endswith("frontdesk/frame-shim.js")
    assert "frontdesk/frame.js" in html and "frontdesk-mode-kiosk" in html and "kiosk.css" in html
    assert "frontdesk-mode-<" not in client.get("/formio/frame?mode=<script>").get_data(as_text=True)
    assert "sandbox allow-scripts" in FRAME_CSP


def test_fonts_and_zone_data_may_be_read_by_the_opaque_frame(client):
    font = client.get("/static/formio/vendor/@formio/js/fonts/bootstrap-icons.woff2")
    assert font.status_code == 200 and font.headers["Access-Control-Allow-Origin"] == "*"
    script = client.get("/static/formio/frontdesk/render.js")
    assert "Access-Control-Allow-Origin" not in script.headers


def test_no_page_allows_eval_not_even_the_builder(app, owner_client, unit):
    from core.services import questionnaires as qs
    from core.services.audit import Actor

    with app.app_context():
        q = qs.create(Actor.system(), unit, name="Q", kind="custom",
                      definition={"components": [{"type": "textfield", "key": "a", "label": "A"}]})
    builder = owner_client.get(f"/admin/questionnaire/builder/?id={q.pk}")
    assert "'unsafe-eval'" not in builder.headers["Content-Security-Policy"]
    html = builder.get_data(as_text=True)
    assert "formio.full.min.js" not in html and "frontdesk/render.js" in html
    assert '<iframe sandbox="allow-scripts" data-frontdesk-frame' in html and "mode=builder" in html
    frame = owner_client.get("/formio/frame?mode=builder&lang=de").get_data(as_text=True)
    assert "frontdesk/builder.js" in frame and "frontdesk-builder" in frame
    preview = owner_client.get(f"/admin/questionnaire/preview/?id={q.pk}")
    assert "'unsafe-eval'" not in preview.headers["Content-Security-Policy"]
    page = preview.get_data(as_text=True)
    assert "formio.full.min.js" not in page and "frontdesk/render.js" in page and "data-frame-url" in page
    # two previews, each in a frame with scripts only (no same origin, modals, popups, top navigation)
    assert page.count('<iframe sandbox="allow-scripts" data-frontdesk-frame') == 2
