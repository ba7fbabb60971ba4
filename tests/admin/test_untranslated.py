"""No page a German reader opens shows an English message of our catalogue (a msgid whose German
text differs) or a raw enum value: admin pages over the demo data, the portal as staff see it, the
kiosk's pairing page and the login pages. The week view names its days in German."""

from __future__ import annotations

import html as _html
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from tests.admin.test_german_pages import RAW_VALUES, demo_owner  # noqa: F401 (fixture)
from tests.conftest import csrf_token

PO = Path(__file__).resolve().parents[2] / "core" / "translations" / "de" / "LC_MESSAGES" / "messages.po"


def _english_msgids() -> set[str]:
    """The catalogue's English texts that a German page never shows (not also a German text: "Tag")."""
    with PO.open("rb") as fh:
        catalog = read_po(fh, locale="de")
    out, german = set(), set()
    for msg in catalog:
        german.update(s for s in ([msg.string] if isinstance(msg.string, str) else msg.string or ()) if s)
        msgid = msg.id if isinstance(msg.id, str) else msg.id[0]
        msgstr = msg.string if isinstance(msg.string, str) else (msg.string or ("",))[0]
        if msgid and msgstr and msgstr != msgid and "%(" not in msgid and re.search(r"[A-Za-z]{2}", msgid):
            out.add(msgid)
    return out - german


ENGLISH = _english_msgids()


def text_nodes(page: str) -> list[str]:
    body = re.sub(r"<(script|style|textarea)\b.*?</\1>", " ", page, flags=re.S)
    # a part marked as English on purpose: the language switch names the other language in that language
    body = re.sub(r'<(\w+)\b[^>]*\blang="en"[^>]*>.*?</\1>', " ", body, flags=re.S)
    attrs = re.findall(r'\s(?:placeholder|title|aria-label|alt)="([^"]*)"', body)
    nodes = [" ".join(_html.unescape(t).split()) for t in re.split(r"<[^>]+>", body)]
    return [n for n in nodes + [_html.unescape(a) for a in attrs] if n]


def problems_of(url: str, page: str) -> list[str]:
    found = []
    for node in text_nodes(page):
        if node in ENGLISH:
            found.append(f"{url}: English {node!r}")
    for cell in re.findall(r"<td\b[^>]*>\s*([^<]*?)\s*</td>", page):
        if cell in RAW_VALUES:
            found.append(f"{url}: raw value {cell!r}")
    return found


def test_the_catalogue_is_read():
    assert {"Log out", "Customers", "Scoring model"} <= ENGLISH


def test_german_pages_show_no_english_message(app, demo_owner):  # noqa: F811
    from core.models import Customer, Questionnaire

    with app.app_context():
        customer = Customer.objects.first()
        q = Questionnaire.objects(name="Anamnesebogen").first()
        customer.update(set__portal_enabled=True)
        customer.business_unit.update(add_to_set__features=["portal", "kiosk", "dialogs"])
    urls = ["/admin/", "/admin/calendar/", "/admin/calendar/?view=week", f"/admin/customer/file/?id={customer.pk}",
            f"/admin/questionnaire/builder/?id={q.pk}", f"/admin/scoring/?questionnaire={q.pk}",
            f"/admin/dialogs/dashboard?customer={customer.pk}", "/admin/settings/", "/admin/audit/",
            "/admin/customer/", "/admin/appointment/", "/admin/outbox/"]
    problems: list[str] = []
    for url in urls:
        response = demo_owner.get(url)
        assert response.status_code == 200, url
        problems += problems_of(url, response.get_data(as_text=True))
    token = csrf_token(demo_owner, f"/admin/customer/file/?id={customer.pk}")
    assert demo_owner.post("/portal/view-as", data={"customer": str(customer.pk), "csrf_token": token}
                           ).status_code == 302
    for url in ("/portal/", "/portal/me"):
        problems += problems_of(url, demo_owner.get(url).get_data(as_text=True))
    stranger = app.test_client()
    with app.app_context():
        slug = customer.business_unit.slug
    for url in ("/admin/login", "/kiosk/display", f"/portal/{slug}/login", "/"):
        response = stranger.get(url, headers={"Accept-Language": "de-DE,de;q=0.9"})
        assert response.status_code == 200, url
        problems += problems_of(url, response.get_data(as_text=True))
    assert not problems, "\n".join(sorted(set(problems)))


@pytest.mark.parametrize(("lang", "monday"), [("de", "Mo."), ("en", "Mon")])
def test_the_week_view_names_days_in_the_viewers_language(app, demo_owner, lang, monday):  # noqa: F811
    from core.models import StaffUser
    from seed.demo import DEMO_LOGINS

    with app.app_context():
        StaffUser.objects(email=DEMO_LOGINS[0][0]).update_one(set__language=lang)
    page = demo_owner.get("/admin/calendar/?view=week&date=2026-12-07").get_data(as_text=True)
    assert f"{monday} 07.12." in page
    if lang == "de":
        assert "Mon 07.12." not in page
