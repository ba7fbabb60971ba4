"""One customer search rule in the list and the appointment form's customer picker: umlauts and ß,
each part of a double surname, phone numbers as people type them; lists in German order (DIN 5007)."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from core.models import Customer
from core.models.customer import collation_key

PEOPLE = [  # first, last, e-mail, phone
    ("Jürgen", "Müßig-Öztürk", "jm@example.com", "0171 2345678"),
    ("Anna", "Mueller", None, "+49 30 1234567"),
    ("Käthe", "Müller", "kaethe.mueller@example.com", None),
    ("Ömer", "Braun", None, "030 7654321"),
    ("Lena", "Bäcker", "lena@example.com", None),
    ("Paul", "Straße", None, None),
    ("Ida", "Adler", None, "(0171) 999 88 77"),
]
CASES = {
    "Müß": {"Müßig-Öztürk"},
    "müss": {"Müßig-Öztürk"},
    "Öz": {"Müßig-Öztürk"},
    "oez": {"Müßig-Öztürk"},
    "Müßig-Öz": {"Müßig-Öztürk"},
    "Jürgen Öz": {"Müßig-Öztürk"},
    "Mueller": {"Mueller", "Müller"},
    "Müller": {"Müller"},
    "strasse": {"Straße"},
    "Straß": {"Straße"},
    "bäck": {"Bäcker"},
    "backer": {"Bäcker"},
    "0171 2345678": {"Müßig-Öztürk"},
    "0171 234": {"Müßig-Öztürk"},
    "0171": {"Müßig-Öztürk", "Adler"},
    "+49 171 2345678": {"Müßig-Öztürk"},
    "0049 171 2345678": {"Müßig-Öztürk"},
    "01712345678": {"Müßig-Öztürk"},
    "0171/2345678": {"Müßig-Öztürk"},
    "(0171) 999 88": {"Adler"},
    "030 123 45 67": {"Mueller"},
    "kaethe": {"Müller"},
    "Ömer": {"Braun"},
    "xyz": set(),
}


@pytest.fixture
def people(make_customer):
    return [make_customer(first_name=f, last_name=last, email=e, phone=p) for f, last, e, p in PEOPLE]


def _listed(client, term: str) -> list[str]:
    html = client.get(f"/admin/customer/?search={quote(term)}").get_data(as_text=True)
    links = re.findall(r'href="/admin/customer/file/\?id=[0-9a-f]+">([^<]*)</a>', html)
    return [n.replace("&#39;", "'") for n in links]


def _picked(client, term: str) -> set[str]:
    response = client.get(f"/admin/appointment/ajax/lookup/?name=customer&query={quote(term)}")
    assert response.status_code == 200
    ids = [row[0] for row in response.get_json()]
    return {c.last_name for c in Customer.objects(pk__in=ids)}


@pytest.mark.parametrize("term", list(CASES))
def test_the_list_and_the_picker_find_the_same(app, owner_client, people, term):
    assert set(_listed(owner_client, term)) == CASES[term], term
    with app.app_context():
        assert _picked(owner_client, term) == CASES[term], term


def test_lists_sort_in_german_order(app, owner_client, people):
    assert _listed(owner_client, "") == ["Adler", "Bäcker", "Braun", "Mueller", "Müller", "Müßig-Öztürk", "Straße"]
    assert collation_key("Bäcker") < collation_key("Braun") < collation_key("Öztürk") < collation_key("Zander")


def test_the_picker_sees_only_the_units_customers(app, owner_client, people, make_customer, make_unit):
    make_customer(business_unit=make_unit(), first_name="Fremd", last_name="Müßig")
    with app.app_context():
        assert _picked(owner_client, "Müß") == {"Müßig-Öztürk"}
