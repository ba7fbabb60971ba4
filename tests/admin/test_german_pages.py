"""Every admin list and detail page, rendered as the owner in German over the demo data, shows no raw
values: no enum value in a cell, no "None", "True" or "False", no UTC ISO timestamp with
microseconds, no English column header from a fixed list of words seen in the stock Flask-Admin pages."""

from __future__ import annotations

import html as _html
import json
import re

import pytest

from tests.conftest import login

#: list endpoints of every model view an owner sees (with its details page for the first rows)
LIST_PAGES = ("customer", "appointment", "questionnaire", "reminders", "outbox", "audit", "activitytype",
              "staffuser")
#: raw stored values that must never show in a cell: roles, Anrede, kinds, statuses, channels
RAW_VALUES = ("owner", "staff", "designer", "ms", "mr", "mx", "anamnesis", "survey", "master_data", "custom",
              "planned", "running", "done", "cancelled", "queued", "sending", "sent", "stored", "failed", "email",
              "sms", "create", "update", "delete", "login", "system", "customer")
#: English words that showed in headers, filters, buttons and cells of the stock pages
ENGLISH = ("Last Name Key", "Reminder Sent At", "Attempts", "Created At", "Updated At", "First Name",
           "Last Name", "Business Unit", "Search", "Add Filter", "Apply", "Reset", "Actions", "List", "Create",
           "Edit", "Delete", "Role", "Kind", "Channel", "Subject", "Body", "Actor", "Action", "Object",
           "Summary", "Email", "Phone", "Salutation", "Active", "Duration", "Colour", "Language", "End",
           "Customer", "Staff", "Location", "Notes", "With selected", "Yes", "No", "Idempotency Key",
           "Customer Id", "Sequence", "Questionnaire", "Version", "Description", "Address", "Birthday")
#: ("Name", "Status", "Start", "Details", "Export" are German words too and not in the list)
ISO_MICROSECONDS = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}\.\d+")


def _cells(page: str) -> list[str]:
    """The visible text of every table cell, table header and definition term/description."""
    out = []
    for tag in ("td", "th", "dt", "dd"):
        for inner in re.findall(rf"<{tag}\b[^>]*>(.*?)</{tag}>", page, re.S):
            text = re.sub(r"<[^>]+>", " ", inner)
            out.append(" ".join(_html.unescape(text).split()))
    return out


def _visible_words(page: str) -> str:
    """The page's text without scripts, styles and tags (attributes such as placeholder kept apart)."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(_html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _problems(url: str, page: str) -> list[str]:
    found = []
    cells = _cells(page)
    for cell in cells:
        if cell in RAW_VALUES or cell in ("None", "True", "False"):
            found.append(f"{url}: raw value {cell!r} in a cell")
        if ISO_MICROSECONDS.search(cell):
            found.append(f"{url}: UTC timestamp {cell!r}")
        if cell in ENGLISH:
            found.append(f"{url}: English header/cell {cell!r}")
    for attr in re.findall(r'(?:placeholder|title|data-placeholder)="([^"]*)"', page):
        if attr.strip() in ("None", "True", "False") or attr.strip() in ENGLISH or "None" in attr.split(", "):
            found.append(f"{url}: attribute {attr!r}")
    text = _visible_words(page)
    for word in ("None", "True", "False"):
        if re.search(rf"(?<![\w-]){word}(?![\w-])", text):
            found.append(f"{url}: {word!r} in the page text")
    if ISO_MICROSECONDS.search(text):
        found.append(f"{url}: UTC timestamp in the page text")
    data = re.search(r'id="filter-groups-data"[^>]*>(.*?)</div>', page, re.S)
    for group, filters in (json.loads(_html.unescape(data.group(1))) if data else {}).items():
        if group in ENGLISH or group in RAW_VALUES:
            found.append(f"{url}: English filter {group!r}")
        for flt in filters:
            for _value, label in flt.get("options") or ():
                if label in RAW_VALUES or label in ENGLISH or label in ("None", "True", "False"):
                    found.append(f"{url}: filter {group!r} offers the raw value {label!r}")
    for label in re.findall(r"<label\b[^>]*>(.*?)</label>", page, re.S):
        text = " ".join(_html.unescape(re.sub(r"<[^>]+>", " ", label)).split()).rstrip(" *")
        if text in ENGLISH or text in RAW_VALUES:
            found.append(f"{url}: English form label {text!r}")
    for option in re.findall(r"<option\b[^>]*>(.*?)</option>", page, re.S):
        label = " ".join(_html.unescape(re.sub(r"<[^>]+>", "", option)).split())
        if label in RAW_VALUES or label in ENGLISH or label in ("None", "True", "False"):
            found.append(f"{url}: raw option {label!r}")
    return found


@pytest.fixture
def demo_owner(app):
    from core.models import StaffUser
    from core.services import dialogs  # noqa: F401 (the mail service below needs the app's config)
    from core.services.mail import queue_email
    from seed.demo import DEMO_LOGINS, load_demo

    with app.app_context():
        load_demo()
        owner = StaffUser.objects.get(email=DEMO_LOGINS[0][0])
        owner.update(set__language="de")
        customer_id = None
        from core.models import Customer

        customer = Customer.objects(business_unit=owner.business_unit).first()
        customer_id = str(customer.pk)
        queue_email(to="kunde@example.com", subject="Ihr Termin", body="Hallo", business_unit=owner.business_unit,
                    customer_id=customer_id)
    client = app.test_client()
    assert login(client, DEMO_LOGINS[0][0], DEMO_LOGINS[0][3]).status_code == 302
    return client


def test_every_admin_list_and_detail_page_is_german(app, demo_owner):
    problems: list[str] = []
    for endpoint in LIST_PAGES:
        url = f"/admin/{endpoint}/"
        r = demo_owner.get(url)
        assert r.status_code == 200, url
        page = r.get_data(as_text=True)
        assert "<table" in page, url
        problems += _problems(url, page)
        ids = list(dict.fromkeys(re.findall(rf'/admin/{endpoint}/details/\?id=([0-9a-f]{{24}})', page)))[:3]
        if endpoint not in ("reminders",):  # every list with rows links its details
            assert ids, f"{url}: no rows to look at"
        for pk in ids:
            detail = f"/admin/{endpoint}/details/?id={pk}"
            d = demo_owner.get(detail)
            assert d.status_code == 200, detail
            problems += _problems(detail, d.get_data(as_text=True))
    assert not problems, "\n".join(sorted(set(problems)))


#: the create and edit forms an owner reaches from those lists
FORM_PAGES = ("customer", "appointment", "questionnaire", "activitytype", "staffuser")


def test_every_admin_form_is_german(app, demo_owner):
    problems: list[str] = []
    for endpoint in FORM_PAGES:
        listing = demo_owner.get(f"/admin/{endpoint}/").get_data(as_text=True)
        pk = re.findall(rf'/admin/{endpoint}/details/\?id=([0-9a-f]{{24}})', listing)[0]
        for url in (f"/admin/{endpoint}/new/", f"/admin/{endpoint}/edit/?id={pk}"):
            r = demo_owner.get(url)
            assert r.status_code == 200, url
            page = r.get_data(as_text=True)
            assert "<form" in page and ("<option" in page or endpoint == "activitytype"), url
            problems += _problems(url, page)
    assert not problems, "\n".join(sorted(set(problems)))
