"""The admin forms in Chromium: the appointment's end follows the start and the activity's duration
(until staff type their own), opened from the customer file it has the customer; the builder offers
a consent checkbox as a choice of its own."""

from __future__ import annotations

import json

import pytest

from tests.browser.support import staff_login
from tests.browser.test_forms_browser import browser, live, new_page, open_builder  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


def test_the_end_follows_the_activity_duration(live, browser):  # noqa: F811
    app, base, unit = live
    from core.models import ActivityType, Customer

    with app.app_context():
        activity = ActivityType(business_unit=unit, name="Färben", duration_minutes=75).save()
        customer = Customer.objects.get(business_unit=unit, last_name="Kühn")
    problems: list[str] = []
    page = new_page(browser, base, problems)
    staff_login(page, base)
    page.goto(f"{base}/admin/customer/file/?id={customer.pk}")
    page.click("[data-testid=new-appointment]")
    page.wait_for_selector("#start")
    assert page.input_value("#customer") == str(customer.pk)
    assert "Käthe Kühn" in page.locator("#s2id_customer").inner_text()
    page.fill("#start", "2026-12-08T10:00")
    page.evaluate("id => window.jQuery('#activity_type').val(id).trigger('change')", str(activity.pk))
    assert page.input_value("#end") == "2026-12-08T11:15"
    page.fill("#start", "2026-12-08T23:30")  # moves the end along, over midnight
    assert page.input_value("#end") == "2026-12-09T00:45"
    page.fill("#end", "2026-12-09T01:00")  # typed by staff: kept
    page.fill("#start", "2026-12-08T22:00")
    assert page.input_value("#end") == "2026-12-09T01:00"
    assert problems == []


def test_the_builder_offers_a_consent_checkbox(live, browser):  # noqa: F811
    from core.services import questionnaires as qs

    app = live[0]
    q, page, builder, problems = open_builder(live, browser, "Einwilligung", "custom")
    choice = builder.locator(".formcomponent[data-key=consent]").first
    assert "Einwilligung" in choice.inner_text()
    choice.drag_to(builder.locator(".formio-builder-form .drag-container, .formarea .drag-container").first)
    builder.locator(".component-edit-container [ref=saveButton]").first.click()
    page.wait_for_function("() => document.getElementById('fd-definition').value.indexOf('consent') >= 0")
    schema = json.loads(page.input_value("#fd-definition"))
    consent = [c for c in schema["components"] if c.get("properties", {}).get("consent")]
    assert consent and consent[0]["type"] == "checkbox" and consent[0]["validate"]["required"] is True
    page.click("[data-testid=save-draft]")
    page.wait_for_load_state("load")
    with app.app_context():
        from core.models import Questionnaire

        draft = Questionnaire.objects.get(pk=q.pk).draft
        assert qs.lint(draft).consent_components()  # the server stores the consent with every answer
    assert problems == []
