"""The vendored Form.io renderer and builder run entirely from our own server, under the production CSP.

(a) a form with every supported component (form and wizard) renders, lazy-loads flatpickr from our
    mirror, and makes no request to any other host, no 404, no console error, no CSP violation;
(b) the builder offers exactly our components, its settings dialogs have no "Logic" tab and no
    JavaScript fields, and also stay on our server (it runs in the isolated renderer too);
(c) server-side validation errors returned by the submit endpoint appear next to their fields;
    a successful submission posts {data} with the CSRF header and follows the redirect.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.browser.support import renderer_frame

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

SUPPORTED = [
    "textfield", "textarea", "number", "email", "phoneNumber", "checkbox", "radio", "select",
    "selectboxes", "day", "datetime", "signature", "file", "survey", "hidden", "content",
    "htmlelement", "button", "panel", "columns", "fieldset", "well", "container", "datagrid",
]

#: types the sidebar offers beyond the full test form above (their own tests: tests/forms/test_extra_components.py;
#: "form" is "Fragebogen einbinden", another questionnaire of the unit: tests/browser/test_nested_browser.py)
SIDEBAR_ONLY = ["editgrid", "tabs", "table", "address", "currency", "tags", "time", "url", "password", "form"]

VALUES = [{"label": "Ja", "value": "ja"}, {"label": "Nein", "value": "nein"}]


def every_component() -> list[dict]:
    return [
        {"type": "textfield", "key": "name", "label": "Name", "input": True},
        {"type": "textarea", "key": "notes", "label": "Notizen", "input": True},
        {"type": "number", "key": "age", "label": "Alter", "input": True},
        {"type": "email", "key": "email", "label": "E-Mail", "input": True},
        {"type": "phoneNumber", "key": "phone", "label": "Telefon", "input": True},
        {"type": "checkbox", "key": "consent", "label": "Einverstanden", "input": True},
        {"type": "radio", "key": "allergy", "label": "Allergie", "input": True, "values": VALUES},
        {"type": "select", "key": "services", "label": "Leistungen", "input": True, "multiple": True,
         "dataSrc": "values", "data": {"values": [{"label": "Schnitt", "value": "cut"},
                                                   {"label": "Farbe", "value": "color"}]}},
        {"type": "selectboxes", "key": "channels", "label": "Kanäle", "input": True,
         "values": [{"label": "SMS", "value": "sms"}, {"label": "E-Mail", "value": "mail"}]},
        {"type": "day", "key": "birthday", "label": "Geburtstag", "input": True,
         "fields": {"day": {"hide": False}, "month": {"hide": False}, "year": {"hide": False}}},
        {"type": "datetime", "key": "appointment", "label": "Termin", "input": True, "enableTime": True,
         "format": "dd.MM.yyyy HH:mm", "widget": {"type": "calendar"}},
        {"type": "datetime", "key": "zoned", "label": "Termin (Berlin)", "input": True,
         "displayInTimezone": "location", "timezone": "America/New_York", "enableTime": True},
        {"type": "signature", "key": "signature", "label": "Unterschrift", "input": True},
        {"type": "file", "key": "attachment", "label": "Anhang", "input": True, "storage": "base64",
         "multiple": True},
        {"type": "survey", "key": "satisfaction", "label": "Zufriedenheit", "input": True,
         "questions": [{"label": "Beratung", "value": "advice"}], "values": VALUES},
        {"type": "hidden", "key": "source", "label": "Quelle", "input": True, "defaultValue": "kiosk"},
        {"type": "content", "key": "intro", "label": "Intro", "input": False,
         "html": "<p><strong>Willkommen</strong></p>"},
        {"type": "htmlelement", "key": "hint", "label": "Hinweis", "input": False, "tag": "p",
         "content": "Bitte ausfüllen."},
        {"type": "panel", "key": "panel1", "title": "Abschnitt", "input": False, "components": [
            {"type": "columns", "key": "cols", "input": False, "columns": [
                {"width": 6, "components": [{"type": "textfield", "key": "street", "label": "Straße", "input": True}]},
                {"width": 6, "components": [{"type": "textfield", "key": "city", "label": "Ort", "input": True}]},
            ]},
            {"type": "fieldset", "key": "fs", "legend": "Gruppe", "input": False, "components": [
                {"type": "well", "key": "well1", "input": False, "components": [
                    {"type": "container", "key": "extra", "label": "Extra", "input": True, "components": [
                        {"type": "textfield", "key": "code", "label": "Code", "input": True}]},
                ]},
            ]},
        ]},
        {"type": "datagrid", "key": "contacts", "label": "Kontakte", "input": True, "components": [
            {"type": "textfield", "key": "name", "label": "Name", "input": True},
            {"type": "phoneNumber", "key": "phone", "label": "Telefon", "input": True},
        ]},
        {"type": "button", "key": "submit", "label": "Absenden", "input": True, "action": "submit"},
    ]


def used_types(components: list[dict]) -> set[str]:
    found: set[str] = set()
    for comp in components:
        found.add(comp["type"])
        found |= used_types(comp.get("components", []))
        for col in comp.get("columns", []):
            found |= used_types(col.get("components", []))
    return found


FULL_FORM = {"display": "form", "components": every_component()}


def wizard_form() -> dict:
    comps = every_component()
    button = comps.pop()
    assert button["type"] == "button"
    half = len(comps) // 2
    return {"display": "wizard", "components": [
        {"type": "panel", "key": "page1", "title": "Seite 1", "input": False, "components": comps[:half]},
        {"type": "panel", "key": "page2", "title": "Seite 2", "input": False, "components": comps[half:]},
    ]}


def open_form(page, app, name, **query):
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    page.goto(f"{app.base}/form/{name}" + (f"?{qs}" if qs else ""))
    page.wait_for_selector("[data-frontdesk-form][data-frontdesk-ready=true]", timeout=20000)


def test_full_form_has_every_supported_component():
    assert used_types(FULL_FORM["components"]) == set(SUPPORTED)


@pytest.mark.parametrize("mode", ["portal", "kiosk"])
def test_every_component_renders_from_our_server_only(watched_page, renderer_app, mode):
    page, app = watched_page, renderer_app
    app.forms["full"] = FULL_FORM
    open_form(page, app, "full", mode=mode)
    form = renderer_frame(page)  # the form is drawn inside the isolated renderer
    # datetime: flatpickr (+ German locale) comes from our CDN mirror and initialises
    form.wait_for_function("() => window.flatpickr && window['flatpickr-de']", timeout=15000)
    form.wait_for_selector(".formio-component-appointment .flatpickr-input", state="attached")
    form.click(".formio-component-appointment input.form-control:visible")
    form.wait_for_selector(".flatpickr-calendar.open")
    assert "Januar" in form.inner_text(".flatpickr-calendar.open .flatpickr-monthDropdown-months") or \
        form.locator(".flatpickr-calendar.open .flatpickr-weekday", has_text="Mo").count() > 0
    form.locator("body").click(position={"x": 3, "y": 3})  # close the calendar
    form.wait_for_selector(".flatpickr-calendar.open", state="detached")
    # select (Choices.js, bundled): open the dropdown and pick a value
    form.click(".formio-component-services .choices")
    form.click(".formio-component-services .choices__item--choice >> text=Farbe")
    # signature pad (bundled) is drawn on a canvas
    assert form.locator(".formio-component-signature canvas").count() == 1
    # bootstrap icons come from our own font files
    page.wait_for_load_state("networkidle")
    fonts = [u for u in page.requests if "bootstrap-icons.woff" in u]
    assert fonts, "bootstrap-icons font was not loaded"
    mirrored = [u for u in page.requests if "/static/formio/vendor/cdn/" in u]
    assert any(u.endswith("/flatpickr-formio/flatpickr.min.js") for u in mirrored), mirrored
    assert any(u.endswith("/flatpickr-formio/l10n/flatpickr-de.js") for u in mirrored), mirrored
    assert any(u.endswith("/moment-timezone/data/packed/latest.json") for u in mirrored), mirrored
    if mode == "kiosk":
        assert any(u.endswith("/frontdesk/kiosk.css") for u in page.requests)
        assert form.locator(".frontdesk-mode-kiosk").count() == 1
    else:
        assert not any(u.endswith("/frontdesk/kiosk.css") for u in page.requests)
    # German UI strings
    assert "Weitere hinzufügen" in form.inner_text(".formio-component-contacts")
    # the page itself runs no Form.io (and needs no 'unsafe-eval'): only the frame does
    assert page.evaluate("() => typeof window.Formio") == "undefined"
    assert form.evaluate("() => typeof window.Formio") == "function"
    assert form.evaluate("() => window.__cspViolations || []") == []  # the frame's own policy
    assert page.problems() == []


def test_wizard_renders_from_our_server_only(watched_page, renderer_app):
    page, app = watched_page, renderer_app
    app.forms["wiz"] = wizard_form()
    open_form(page, app, "wiz")
    form = renderer_frame(page)
    assert form.locator(".formio-form .pagination .page-item").count() == 2
    form.click("button.btn-wizard-nav-next")
    form.wait_for_selector(".formio-component-contacts")
    page.wait_for_load_state("networkidle")
    assert form.locator("button.btn-wizard-nav-submit").count() == 1
    assert page.problems() == []


def _open_settings(frame, component_key):
    comp = frame.locator(f".builder-component:has(.formio-component-{component_key})").last
    comp.hover()
    comp.locator("[ref=editComponent]").first.click()
    frame.wait_for_selector(".component-edit-container [ref=editForm] .nav-tabs, .component-edit-container .nav-tabs")


def _visit_tabs(frame) -> list[str]:
    tabs = frame.locator(".component-edit-container .nav-tabs .nav-link")
    labels = [t.strip() for t in tabs.all_inner_texts()]
    for i in range(tabs.count()):
        tabs.nth(i).click()
        frame.wait_for_timeout(150)
    return labels


def test_builder_is_restricted_and_stays_on_our_server(watched_page, renderer_app):
    page, app = watched_page, renderer_app
    app.forms["b"] = {"display": "form", "components": [
        {"type": "textarea", "key": "notes", "label": "Notizen", "input": True},
        {"type": "content", "key": "intro", "label": "Intro", "input": False, "html": "<p>Hallo</p>"},
    ]}
    page.goto(f"{app.base}/builder/b")
    page.wait_for_selector("[data-frontdesk-builder][data-frontdesk-ready=true]", timeout=20000)
    frame = renderer_frame(page)  # the builder runs in the isolated renderer, like every form
    assert page.evaluate("() => typeof window.Formio") == "undefined"

    # exactly one sidebar group with exactly our components
    groups = frame.locator(".formcomponents .builder-group-button")
    assert groups.count() == 1 and groups.first.inner_text().strip() == "Frontdesk"
    offered = frame.eval_on_selector_all(".formcomponents [data-type]", "els => els.map(e => e.dataset.type)")
    # every supported type once, plus the consent choice (a checkbox with our consent property)
    assert sorted(offered) == sorted([*SUPPORTED, *SIDEBAR_ONLY, "checkbox"])

    # drag a datetime from the sidebar onto the form: its settings dialog opens
    source = frame.locator(".formcomponents [data-type=datetime]").first
    target = frame.locator(".formio-builder-form .drag-container, [ref=form] .drag-container").first
    source.hover()
    page.mouse.down()
    box = target.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] - 5, steps=15)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] - 3, steps=5)
    page.mouse.up()
    frame.wait_for_selector(".component-edit-container .nav-tabs", timeout=10000)
    labels = _visit_tabs(frame)
    assert "Logik" not in labels and "Logic" not in labels
    assert {"Anzeige", "Daten", "Validierung", "API", "Bedingungen"} <= set(labels), labels
    dialog = frame.locator(".component-edit-container")
    for js_field in ("customDefaultValue", "calculateValue", "customConditional", "validate.custom"):
        assert dialog.locator(f"[name='data[{js_field}]']").count() == 0, js_field
    frame.click(".component-edit-container [ref=saveButton]")
    frame.wait_for_selector(".component-edit-container", state="detached")
    schema = json.loads(page.input_value("#schema"))
    assert [c["type"] for c in schema["components"]].count("datetime") == 1

    # the textarea's settings: no rich-text editor choice, no Logic tab
    _open_settings(frame, "notes")
    labels = _visit_tabs(frame)
    assert "Logik" not in labels and "Logic" not in labels
    assert frame.locator(".component-edit-container [name='data[editor]']").count() == 0
    assert frame.locator(".component-edit-container [name='data[wysiwyg]']").count() == 0
    frame.click(".component-edit-container [ref=cancelButton]")
    frame.wait_for_selector(".component-edit-container", state="detached")

    # content: its HTML editor is ACE from our mirror, not CKEditor from anywhere
    _open_settings(frame, "intro")
    frame.wait_for_function("() => window.ace", timeout=15000)
    frame.wait_for_selector(".component-edit-container .ace_editor")
    _visit_tabs(frame)
    frame.click(".component-edit-container [ref=cancelButton]")
    page.wait_for_load_state("networkidle")
    assert any(u.endswith("/vendor/cdn/ace/ace.js") for u in page.requests)
    assert not [u for u in page.requests if re.search(r"ckeditor|quill", u, re.I)]
    problems = page.problems()
    assert problems == [], "\n".join(problems)


def test_server_errors_appear_next_to_their_fields(watched_page, renderer_app):
    page, app = watched_page, renderer_app
    app.forms["err"] = {"display": "form", "components": [
        {"type": "textfield", "key": "name", "label": "Name", "input": True},
        {"type": "columns", "key": "cols", "input": False, "columns": [
            {"width": 6, "components": [{"type": "textfield", "key": "street", "label": "Straße", "input": True}]},
            {"width": 6, "components": [{"type": "textfield", "key": "city", "label": "Ort", "input": True}]},
        ]},
        {"type": "datagrid", "key": "contacts", "label": "Kontakte", "input": True, "components": [
            {"type": "textfield", "key": "name", "label": "Name", "input": True},
            {"type": "textfield", "key": "phone", "label": "Telefon", "input": True},
        ]},
        {"type": "button", "key": "submit", "label": "Absenden", "input": True, "action": "submit"},
    ]}
    app.forms["err:prefill"] = {"name": "Jürgen", "contacts": [{"name": "Mama", "phone": "123"}]}
    message = "Telefon ist keine gültige Telefonnummer."
    app.responses["err"] = (422, {"errors": [
        {"message": message, "path": ["contacts", 0, "phone"],
         "context": {"key": "phone", "label": "Telefon", "path": "contacts[0].phone"}, "level": "error"},
        {"message": "Straße ist erforderlich", "path": ["street"],
         "context": {"key": "street", "label": "Straße", "path": "street"}, "level": "error"},
    ]})
    open_form(page, app, "err")
    form = renderer_frame(page)
    assert form.input_value(".formio-component-name input") == "Jürgen"
    form.click(".formio-component-submit button")
    phone_row0 = form.locator(".formio-component-contacts .formio-component-phone").first
    error = phone_row0.locator(".formio-errors")
    error.get_by_text(message).wait_for(timeout=10000)
    assert message in error.inner_text()
    assert "Straße ist erforderlich" in form.locator(".formio-component-street .formio-errors").inner_text()
    assert "has-error" in (phone_row0.get_attribute("class") or "") or \
        phone_row0.locator(".is-invalid").count() > 0

    name, headers, body = app.submissions[-1]
    assert name == "err"
    assert headers["X-Csrftoken"] == "test-csrf-token-1234"
    assert headers["Content-Type"].startswith("application/json")
    assert set(body) == {"data"}
    assert body["data"]["name"] == "Jürgen"
    assert body["data"]["contacts"][0]["phone"] == "123"

    # the intended 422 is logged by Chromium as a failed resource; anything else is a problem
    problems = [p for p in page.problems() if not ("/submit/err" in p and "422" in p)]
    assert problems == []

    # now the server accepts: the renderer follows the redirect
    app.responses["err"] = (200, {"redirect": "/done"})
    form.click(".formio-component-submit button")
    page.wait_for_url(f"{app.base}/done")


def test_submitted_event_without_redirect(watched_page, renderer_app):
    page, app = watched_page, renderer_app
    app.forms["ok"] = {"display": "form", "components": [
        {"type": "textfield", "key": "name", "label": "Name", "input": True, "validate": {"required": True}},
        {"type": "button", "key": "submit", "label": "Absenden", "input": True, "action": "submit"},
    ]}
    app.responses["ok"] = (200, {"ok": True})
    open_form(page, app, "ok", lang="en")
    page.evaluate("""() => { window.__submitted = null;
        document.addEventListener('frontdesk:submitted', e => { window.__submitted = e.detail; }); }""")
    form = renderer_frame(page)
    # client-side validation (English) blocks an empty submission without a request
    form.click(".formio-component-submit button")
    form.locator(".formio-component-name .formio-errors", has_text="Name is required").wait_for()
    assert app.submissions == []
    form.fill(".formio-component-name input", "Ada")
    form.click(".formio-component-submit button")
    page.wait_for_function("() => window.__submitted !== null")
    detail = page.evaluate("window.__submitted")
    assert detail["data"]["name"] == "Ada" and detail["response"] == {"ok": True}
    assert page.problems() == []
