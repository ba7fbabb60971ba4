"""Playwright fixtures for the browser tests: headless system Chromium and a tiny live Flask app that
serves the Frontdesk form renderer/builder (forms/static, forms/templates) under the production CSP.

Fixtures: ``chromium`` (session browser), ``renderer_app`` (live server + recorded submissions),
``watched_page`` (a page that records every request, failed/4xx response, console error and CSP
violation; ``page.problems()`` lists what went wrong).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Blueprint, Flask, abort, jsonify, render_template_string, request
from werkzeug.serving import make_server

from core.frame import register_frame
from tests.browser.support import CSP_WATCH

FORMS_DIR = Path(__file__).resolve().parents[2] / "forms"

# The production CSP for pages that show forms or the builder: no 'unsafe-eval' (both are drawn in the
# isolated renderer document, core/frame.py, which has its own policy). 'unsafe-inline' styles:
# Form.io/ACE/flatpickr set style attributes.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'")

CSRF_TOKEN = "test-csrf-token-1234"

PAGE = """<!doctype html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Frontdesk test</title>
<link rel="icon" href="data:,">
{% import "forms/_assets.html" as fd_assets %}
{{ fd_assets.styles(kiosk=(mode == "kiosk"), builder=builder) }}
{{ fd_assets.scripts(builder=builder) }}
</head>
<body class="p-3">
{% from "forms/_renderer.html" import render_form, render_builder %}
{% if builder %}
<form method="post" action="/save">
  <input type="hidden" name="csrf_token" value="{{ csrf }}">
  <textarea id="schema" name="schema" hidden></textarea>
  {{ render_builder(definition, "schema", lang) }}
</form>
{% else %}
{{ render_form(definition, submit_url, lang, csrf, prefill=prefill, mode=mode) }}
{% endif %}
</body>
</html>"""


@dataclass
class RendererApp:
    base: str
    forms: dict = field(default_factory=dict)        # name -> definition
    responses: dict = field(default_factory=dict)    # name -> (status, json body)
    submissions: list = field(default_factory=list)  # (name, headers, json)


def build_app(state: RendererApp) -> Flask:
    app = Flask(__name__)
    app.config.update(TESTING=True)
    formio = Blueprint("formio", "forms", static_folder=str(FORMS_DIR / "static"),
                       static_url_path="/static/formio", template_folder=str(FORMS_DIR / "templates"))
    register_frame(formio)
    app.register_blueprint(formio)

    @app.after_request
    def security_headers(resp):
        if request.endpoint != "formio.frame":  # it brings its own (core.frame.FRAME_CSP)
            resp.headers["Content-Security-Policy"] = CSP
        if request.path.endswith((".woff", ".woff2", ".json")):  # fetched in CORS mode by the opaque frame
            resp.headers["Access-Control-Allow-Origin"] = "*"
        resp.headers["X-Content-Type-Options"] = "nosniff"
        return resp

    @app.get("/form/<name>")
    def form_page(name):
        if name not in state.forms:
            abort(404)
        return render_template_string(
            PAGE, builder=False, definition=state.forms[name], submit_url=f"/submit/{name}",
            lang=request.args.get("lang", "de"), csrf=CSRF_TOKEN, mode=request.args.get("mode", "portal"),
            prefill=state.forms.get(f"{name}:prefill"))

    @app.get("/builder/<name>")
    def builder_page(name):
        return render_template_string(PAGE, builder=True, definition=state.forms.get(name),
                                      lang=request.args.get("lang", "de"), csrf=CSRF_TOKEN, mode="builder")

    @app.post("/submit/<name>")
    def submit(name):
        state.submissions.append((name, dict(request.headers), request.get_json(silent=True)))
        if request.headers.get("X-CSRFToken") != CSRF_TOKEN:
            return jsonify({"errors": [{"message": "CSRF token missing", "level": "error"}]}), 400
        status, body = state.responses.get(name, (200, {}))
        return jsonify(body), status

    @app.get("/done")
    def done():
        return "<!doctype html><title>done</title><p id=done>danke</p>"

    return app


@pytest.fixture
def renderer_app():
    state = RendererApp(base="")
    server = make_server("127.0.0.1", 0, build_app(state), threaded=True)
    state.base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    thread.join(5)


@pytest.fixture
def watched_page(chromium, renderer_app):
    context = chromium.new_context(locale="de-DE", viewport={"width": 1400, "height": 1000})
    context.add_init_script(CSP_WATCH)
    page = context.new_page()
    base = renderer_app.base
    requests: list[str] = []
    problems: list[str] = []

    def on_request(req):
        requests.append(req.url)
        if not (req.url.startswith(base + "/") or req.url.startswith("data:")):
            problems.append(f"outside request {req.url}")

    page.on("request", on_request)
    page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}")
            if r.status >= 400 and "/submit/" not in r.url else None)
    page.on("requestfailed", lambda r: None if "ERR_ABORTED" in (r.failure or "")
            else problems.append(f"failed {r.url} {r.failure}"))
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text} @ {m.location}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error {e}"))

    def all_problems():
        csp = page.evaluate("window.__cspViolations || []")
        return problems + [f"CSP violation {v}" for v in csp]

    page.requests = requests
    page.problems = all_problems
    yield page
    context.close()
