"""Real headless Chromium: staff drop two documents on a customer file (one request each, progress bars),
share one, preview it; the customer logs in to the portal and sees the shared one and not the other.
Every page runs under the production CSP; a violation, console error or outside request fails the test."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import mongoengine
import pytest
from werkzeug.serving import make_server

from tests.browser.support import csp_violations, require_chromium, staff_login, watched_page
from tests.conftest import DEFAULT_PASSWORD, make_app

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG_1PX = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c63f8cfc0f01f0005000201a5d5f5b50000000049454e44ae426082")

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]


@pytest.fixture
def live(tmp_path):
    require_chromium()
    app = make_app(tmp_path, SERVER_NAME=None, PORTAL_CODE_MIN_RESPONSE_SECONDS=0.0)
    from datetime import datetime

    from core.models import Appointment, BusinessUnit, Customer, StaffUser
    from core.passwords import hash_password

    with app.app_context():
        unit = BusinessUnit(name="Praxis Sonnenschein", slug="praxis",
                            features=["portal", "documents", "call_link"]).save()
        owner = StaffUser(email="inhaberin@example.com", name="Olivia Sommer", role="owner", business_unit=unit,
                          password_hash=hash_password(DEFAULT_PASSWORD)).save()
        customer = Customer(business_unit=unit, first_name="Bärbel", last_name="Größmann", phone="+4915123456789",
                            email="baerbel@example.com", portal_enabled=True).save()
        Appointment(business_unit=unit, customer=customer, staff=owner, start=datetime(2030, 1, 7, 9, 0),
                    end=datetime(2030, 1, 7, 9, 45)).save()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}", customer
    server.shutdown()
    thread.join(5)
    mongoengine.disconnect()


DROP = """([zone, files]) => {
  const transfer = new DataTransfer();
  for (const [name, type, bytes] of files) {
    transfer.items.add(new File([new Uint8Array(bytes)], name, {type}));
  }
  for (const kind of ["dragenter", "dragover", "drop"]) {
    zone.dispatchEvent(new DragEvent(kind, {bubbles: true, cancelable: true, dataTransfer: transfer}));
  }
}"""


def _staff_page(chromium, base, problems):
    context, page = watched_page(chromium, base, problems, "staff")
    staff_login(page, base)
    return context, page


def test_calendar_popup_has_the_call_link(live, chromium, tmp_path):
    from playwright.sync_api import expect

    _, base, _ = live
    problems: list[str] = []
    context, page = _staff_page(chromium, base, problems)
    page.goto(base + "/admin/calendar/?view=week&date=2030-01-07")
    popup = page.locator("[data-testid=appointment-popup]")
    expect(popup).to_be_hidden()
    page.click("[data-testid=appointment]")
    expect(popup).to_be_visible()
    expect(popup.locator("a.fd-call-link")).to_have_attribute("href", "tel:+4915123456789")
    page.locator("[data-testid=calendar]").screenshot(path=str(tmp_path / "calendar-popup.png"))
    page.keyboard.press("Escape")
    expect(popup).to_be_hidden()
    assert csp_violations(page) == [] and problems == []
    context.close()


def test_upload_two_share_one_portal_sees_only_it(live, chromium, tmp_path):
    from playwright.sync_api import expect

    app, base, customer = live
    problems: list[str] = []
    context, page = _staff_page(chromium, base, problems)
    page.goto(base + f"/admin/customer/file/?id={customer.pk}")
    expect(page.locator("[data-testid=customer-phone] a.fd-call-link")).to_have_attribute("href", "tel:+4915123456789")

    # drop two files on the zone, then upload: one request per file, both bars reach 100 %, the page reloads
    zone = page.locator("[data-fd-dropzone]").element_handle()
    page.evaluate(DROP, [zone, [["Befund Größmann.pdf", "application/pdf", list(PDF)],
                                ["Röntgen.png", "image/png", list(PNG_1PX)]]])
    assert page.evaluate("document.getElementById('doc-files').files.length") == 2
    page.select_option("#doc-category", "Befund")
    with page.expect_navigation():
        page.click("[data-testid=document-upload-button]")
    rows = page.locator("[data-testid=document-row]")
    expect(rows).to_have_count(2)
    expect(page.locator("[data-testid=document-visibility]").first).to_have_text("nur Mitarbeitende")

    # share the PDF in the portal
    pdf_row = page.locator("[data-testid=document-row][data-filename='Befund Größmann.pdf']")
    pdf_row.locator("summary").click()
    pdf_row.locator("[data-testid=document-update-share]").select_option("portal")
    with page.expect_navigation():
        pdf_row.locator("[data-testid=document-save]").click()
    expect(page.locator("[data-testid=document-row][data-filename='Befund Größmann.pdf'] "
                        "[data-testid=document-visibility]")).to_have_text("im Portal freigegeben")
    page.locator("#section-documents").screenshot(path=str(tmp_path / "customer-documents.png"))
    page.screenshot(path=str(tmp_path / "customer-file.png"), full_page=True)
    # the preview is served inline with its own type and nosniff
    href = pdf_row.locator("[data-testid=document-preview]").get_attribute("href")
    answer = page.request.get(base + href)
    assert answer.headers["content-type"] == "application/pdf" and answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-disposition"].startswith("inline;") and answer.body() == PDF
    assert csp_violations(page) == []
    # an image preview is drawn by the browser under the file's own policy
    png_href = page.locator("[data-testid=document-row][data-filename='Röntgen.png'] "
                            "[data-testid=document-preview]").get_attribute("href")
    preview = context.new_page()
    preview.goto(base + png_href)
    assert preview.evaluate("document.images.length === 1 && document.images[0].naturalWidth === 1")
    preview.close()

    # the customer logs in by code and sees the shared document only
    from core.models import OutboxMessage

    portal_context, portal = watched_page(chromium, base, problems, "customer")
    portal.goto(base + "/portal/praxis/login")
    portal.fill("#email", "baerbel@example.com")
    portal.click("[data-testid=request-code]")
    expect(portal.locator("[data-testid=code-sent]")).to_be_visible()
    with app.app_context():
        code = re.search(r"\b(\d{6})\b", OutboxMessage.objects.get(to="baerbel@example.com").body).group(1)
    portal.fill("#code", code)
    portal.click("[data-testid=verify-code]")
    portal.wait_for_url(base + "/portal/")
    shared = portal.locator("[data-testid=shared-documents]")
    expect(shared).to_contain_text("Befund Größmann.pdf")
    expect(shared).not_to_contain_text("Röntgen.png")
    portal.screenshot(path=str(tmp_path / "portal-documents.png"), full_page=True)
    with portal.expect_download() as download:
        shared.locator("a").first.click()
    assert Path(download.value.path()).read_bytes() == PDF
    assert csp_violations(portal) == []
    portal_context.close()
    context.close()
    assert problems == []
