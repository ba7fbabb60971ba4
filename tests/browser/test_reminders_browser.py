"""Real headless Chromium: the reminder overview (two pie charts with numbers), the link to the list of
appointments without a reminder, "select all", switching the reminder on, and the customer's confirm link."""

from __future__ import annotations

import threading
from datetime import timedelta

import mongoengine
import pytest
from werkzeug.serving import make_server

from tests.browser.support import csp_violations, staff_login, watched_page
from tests.conftest import DEFAULT_PASSWORD, make_app

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def live(tmp_path):
    app = make_app(tmp_path, SERVER_NAME=None)
    from core.models import Appointment, BusinessUnit, Customer, ReminderDelivery, StaffUser
    from core.models._base import utcnow
    from core.passwords import hash_password

    with app.app_context():
        unit = BusinessUnit(name="Salon Sonnenschein", slug="salon", features=["reminders"]).save()
        owner = StaffUser(email="inhaberin@example.com", name="Olivia Sommer", role="owner", business_unit=unit,
                          password_hash=hash_password(DEFAULT_PASSWORD)).save()
        now = utcnow()
        appointments = []
        for n, (hours, wanted) in enumerate(((-30, True), (-20, False), (26, False), (50, False), (75, False))):
            customer = Customer(business_unit=unit, first_name="Jürgen", last_name=f"Weiß{n}",
                                email=f"k{n}@example.com").save()
            appointments.append(Appointment(business_unit=unit, customer=customer, staff=owner,
                                            start=now + timedelta(hours=hours),
                                            end=now + timedelta(hours=hours + 1), reminder_wanted=wanted).save())
        first = appointments[0]
        ReminderDelivery(business_unit=unit, appointment=first, customer=first.customer, kind="reminder",
                         for_start=first.start, due_at=first.start, status="sent", key="sent-1").save()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield app, f"http://127.0.0.1:{server.server_port}", appointments
    server.shutdown()
    mongoengine.disconnect()


def test_overview_tick_and_save(live, chromium, tmp_path):
    app, base, appointments = live
    problems: list[str] = []
    context, page = watched_page(chromium, base, problems)
    staff_login(page, base)
    page.goto(base + "/admin/reminders/overview/")
    assert page.locator("[data-testid=chart-next] svg[role=img]").count() == 1
    assert page.locator("[data-testid=chart-past] svg[role=img]").count() == 1
    assert "ohne Erinnerung: 3" in page.locator("[data-testid=chart-next-3]").inner_text()
    assert "Erinnerung gesendet: 1" in page.locator("[data-testid=chart-past-0]").inner_text()
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)
    page.click("[data-testid=without-next]")
    page.wait_for_url("**/admin/reminders/overview/missing*")
    assert page.locator("[data-testid=future-row]").count() == 3
    assert page.locator("[data-testid=past-row]").count() == 1
    page.check("[data-testid=select-all]")
    assert page.locator(".fd-tick:checked").count() == 3
    page.uncheck(f"#tick-{appointments[4].pk}")
    page.screenshot(path=str(tmp_path / "missing.png"), full_page=True)
    page.click("[data-testid=switch-on]")
    page.wait_for_load_state()
    assert "für 2 Termine eingeschaltet" in page.content()
    assert page.locator("[data-testid=future-row]").count() == 1
    with app.app_context():
        from core.models import Appointment

        wanted = [Appointment.objects.get(pk=a.pk).reminder_wanted for a in appointments[2:]]
        assert wanted == [True, True, False]
    page.goto(base + "/admin/reminders/overview/")
    assert "Erinnerung geplant: 2" in page.locator("[data-testid=chart-next-1]").inner_text()
    page.screenshot(path=str(tmp_path / "after.png"), full_page=True)
    assert csp_violations(page) == [] and problems == []
    context.close()


def test_the_customer_confirms_through_the_link(live, chromium):
    app, base, appointments = live
    with app.app_context():
        from core.models import Appointment
        from core.services import reminders

        token = reminders.link_token(Appointment.objects.get(pk=appointments[3].pk), "confirm")
    problems: list[str] = []
    context, page = watched_page(chromium, base, problems)
    page.goto(f"{base}/portal/appointment/{token}")
    assert "Ihr Termin" in page.content()
    page.click("[data-testid=link-confirm]")
    page.wait_for_selector("[data-testid=link-done]")
    assert "bestätigt" in page.locator("[data-testid=link-done]").inner_text()
    page.goto(f"{base}/portal/appointment/{token}")
    assert "bereits bestätigt" in page.locator("[data-testid=link-done]").inner_text()
    with app.app_context():
        assert Appointment.objects.get(pk=appointments[3].pk).confirmed_at is not None
    assert csp_violations(page) == [] and problems == []
    context.close()


def test_an_activity_type_gets_its_own_text_with_a_preview(live, chromium, tmp_path):
    app, base, _appointments = live
    from core.models import ActivityType, BusinessUnit, ReminderPolicy
    from core.services import reminders as service

    with app.app_context():
        unit = BusinessUnit.objects.get(slug="salon")
        cut = ActivityType(business_unit=unit, name="Schnitt").save()
    problems: list[str] = []
    context, page = watched_page(chromium, base, problems)
    staff_login(page, base)
    page.goto(base + "/admin/reminders/settings/")
    block = page.locator(f'[data-texts="{cut.pk}-reminder-de"]')
    assert not block.is_visible()  # inside the closed "Texts for this activity type"
    page.check(f"#at-{cut.pk}-own")
    page.locator(f'fieldset[data-activity="{cut.pk}"] > details > summary').click()
    assert block.is_visible() and "eigener" not in block.inner_text() and "eingebaut" in block.inner_text()
    page.fill(f"#at-{cut.pk}-reminder-de-body", "{{ appointment.activity }} für {{ customer.full_name }}")
    page.click("[data-testid=save]")
    page.wait_for_load_state()
    assert "Erinnerungseinstellungen gespeichert" in page.content()
    block = page.locator(f'[data-texts="{cut.pk}-reminder-de"]')
    assert block.is_visible()  # an own rule: its texts are open
    assert block.locator("[data-source=type]").inner_text() == "eigener"
    block.locator("summary").click()
    assert "Schnitt für Erika Mustermann" in block.locator("[data-testid=preview]").inner_text()
    page.screenshot(path=str(tmp_path / "settings.png"), full_page=True)
    with app.app_context():
        policy = ReminderPolicy.objects.get(business_unit=unit)
        assert service.texts_for(policy, cut, "reminder", "de").sources["body"] == "type"
    assert csp_violations(page) == [] and problems == []
    context.close()
