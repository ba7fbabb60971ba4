"""What customers and designers read in the renderer is German: month names of a day field, the
signature's default footer, the default "Submit" button; the builder's edit dialog and sidebar."""

from __future__ import annotations

import pytest

from tests.browser.support import renderer_frame, staff_login
from tests.browser.test_forms_browser import browser, live, new_page, open_builder  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

DEFINITION = {"display": "form", "components": [
    {"type": "day", "key": "birthday", "label": "Geburtstag", "input": True},
    {"type": "signature", "key": "sig", "label": "Unterschrift", "input": True},
    {"type": "button", "key": "submit", "label": "Submit", "action": "submit", "input": True},
]}
ENGLISH = ("January", "December", "Sign above", ">Submit<", "Month", "Year")


def test_customer_facing_defaults_are_german(live, browser):  # noqa: F811
    app, base, unit = live
    from core.services import questionnaires as qs
    from core.services.audit import Actor

    with app.app_context():
        q = qs.create(Actor.system(), unit, name="Standardtexte", kind="custom", definition=DEFINITION)
    problems: list[str] = []
    page = new_page(browser, base, problems)
    staff_login(page, base, "designerin@example.com")
    page.goto(f"{base}/admin/questionnaire/preview/?id={q.pk}")
    frame = renderer_frame(page)
    frame.wait_for_selector(".formio-component-birthday select")
    html = frame.evaluate("document.body.innerHTML")
    for word in ("Januar", "Dezember", "Bitte oben unterschreiben", "Absenden"):
        assert word in html, word
    for word in ENGLISH:
        assert word not in html, word
    assert problems == []


def test_the_builders_edit_dialog_is_german(live, browser):  # noqa: F811
    _, _, builder, problems = open_builder(live, browser, "Baukasten", "survey")
    sidebar = builder.locator(".formcomponents").first.text_content()
    assert "Textfeld" in sidebar and "Text Field" not in sidebar
    builder.locator(".formcomponent[data-type=textfield]").first.drag_to(
        builder.locator(".formio-builder-form .drag-container, .formarea .drag-container").first)
    dialog = builder.locator(".component-edit-container").first
    dialog.wait_for()
    text = dialog.text_content()
    for english in ("This component should Display", "When the form component", "Add Another", "Label Position",
                    "Placeholder", "Custom Error Message"):
        assert english not in text, english
    for german in ("Beschriftung", "Anzeige", "Validierung", "Pflichtfeld"):
        assert german in text, german
    assert problems == []
