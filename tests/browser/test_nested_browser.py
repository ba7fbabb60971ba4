"""A designer includes another published questionnaire in the builder (the nested form's list offers only the
unit's published ones), publishes, and the preview draws the included fields; no request leaves the server."""

from __future__ import annotations

import json

import pytest

from tests.browser.support import renderer_frame
from tests.browser.test_forms_browser import browser, live, open_builder  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

INNER = {"components": [{"type": "textfield", "key": "allergie", "label": "Welche Allergien?", "input": True}]}


def test_designer_includes_a_published_questionnaire(live, browser, tmp_path):  # noqa: F811
    app, base, unit = live
    from core.models import BusinessUnit, QuestionnaireVersion
    from core.services import questionnaires as qs
    from core.services.audit import Actor

    with app.app_context():
        inner = qs.create(Actor.system(), unit, name="Anamnese kurz", kind="anamnesis", definition=INNER)
        qs.publish(Actor.system(), inner)
        qs.create(Actor.system(), unit, name="Entwurf ohne Version", kind="custom", definition=INNER)
        other = BusinessUnit(name="Fremder Salon", slug="fremd").save()
        qs.publish(Actor.system(), qs.create(Actor.system(), other, name="Fremder Bogen", kind="custom",
                                             definition=INNER))
    q, page, builder, problems = open_builder(live, browser, "Erstbesuch", "custom")
    target = builder.locator(".formio-builder-form .drag-container, .formarea .drag-container").first
    builder.locator(".formcomponent[data-type=form]").first.drag_to(target)
    dialog = builder.locator(".component-edit-container").first
    dialog.wait_for()
    dialog.locator(".nav-link", has_text="Form").first.click()
    assert "Beim Veröffentlichen" in dialog.text_content()  # says what a new inner version does
    field = dialog.locator(".fd-nested-form .choices").first
    field.click()
    dialog.locator(".fd-nested-form .choices__item--choice", has_text="Anamnese").first.wait_for()
    choices = [t.strip() for t in dialog.locator(".fd-nested-form .choices__list--dropdown "
                                                 ".choices__item--choice").all_text_contents()]
    assert choices == ["Anamnese kurz (v1)"], choices
    dialog.locator(".fd-nested-form .choices__item--choice", has_text="Anamnese kurz").first.click()
    page.screenshot(path=str(tmp_path / "builder-nested.png"), full_page=True)
    dialog.locator("[ref=saveButton]").first.click()
    page.wait_for_function(f"() => document.getElementById('fd-definition').value.indexOf('{inner.pk}') >= 0")
    schema = json.loads(page.eval_on_selector("#fd-definition", "e => e.value"))
    nested = next(c for c in schema["components"] if c.get("type") == "form")
    assert nested["form"] == str(inner.pk) and not nested.get("components")
    page.click("[data-testid=save-draft]")
    page.wait_for_selector("[data-testid=nested-row]")
    page.wait_for_function("() => window.__fdBuilder === true")
    page.screenshot(path=str(tmp_path / "builder-nested-saved.png"), full_page=True)
    page.on("dialog", lambda d: d.accept())
    page.click("[data-testid=publish]")
    page.wait_for_selector("[data-testid=version]")
    with app.app_context():
        version = QuestionnaireVersion.objects.get(questionnaire=q.pk)
        included = next(c for c in version.schema["components"] if c.get("type") == "form")
        assert included["revision"] == 1 and included["components"][0]["key"] == "allergie"
    page.goto(f"{base}/admin/questionnaire/preview/?id={q.pk}")
    frame = renderer_frame(page)
    frame.wait_for_selector("text=Welche Allergien?")
    frame.fill("input[name='data[allergie]']", "Nüsse")
    # the answers come back as Form.io stores a nested form's: data.<key>.data.<inner key>
    key = nested["key"]
    page.wait_for_function("k => { const d = document.querySelector('[data-frontdesk-form]').frontdeskForm"
                           ".submission.data; return d[k] && d[k].data && d[k].data.allergie === 'Nüsse'; }", arg=key)
    assert problems == []
