"""The customer search: the indexed ``search_prefixes`` narrow it without changing what it finds.

The admin search matches ``^term`` on the casefolded surname and ``^term`` case-insensitively on first
name and e-mail. ``search_prefixes`` (folded 1–3 character prefixes) must hold, for every customer
those patterns match, the key the search asks for — whatever characters are involved — and it must be
kept on every path that writes names: save, atomic updates (field mapping), import, old data.
"""

from __future__ import annotations

import random
import re

import mongoengine
import pytest
from bson import ObjectId

from core.models import Customer
from core.models.customer import backfill_search_prefixes, search_fold, search_key, search_prefixes
from tests.conftest import csrf_token, make_app

NAMES = [  # (first name, last name, e-mail)
    ("Jürgen", "Müller", "juergen.mueller@example.com"), ("Anna", "Mueller", None), ("Ömer", "Öztürk", "oemer@x.de"),
    ("Käthe", "Möller", "KAETHE@Example.com"), ("Jörg", "Straße", None), ("Lena", "Strasse", "lena@x.de"),
    ("Paul", "STRASSER", None), ("İbrahim", "Yılmaz", "ibo@x.de"), ("ibrahim", "Işık", None),
    ("Ipek", "ıpek", None), ("Ǆemal", "Weiß", None), ("ﬁnn", "weiss", "finn@x.de"),
    ("Zoë", "Müller-Lüdenscheidt", None),
    ("Maël", "von Bülow", "mael@x.de"), ("Σοφία", "ΣΑΣ", None), ("Åsa", "Ångström", None),
]
TERMS = ["Mül", "mü", "MÜLLER", "mue", "Muel", "öz", "ÖZT", "straß", "strass", "STRAẞ", "Straße", "ibr", "İbr",
         "ı", "i", "IŞ", "weiß", "weis", "ǅ", "ǆe", "fi", "ﬁ", "oe", "ka", "(((", "Ü", "u", "M", "müller-", "von b",
         "σο", "ΣΟΦ", "ς", "å", "ang", "Å", "x", "@", "e"]


def _fold(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("\u0131", "i")


def _words(first: str, last: str, email: str | None) -> set[str]:
    """A customer's words, as the rule says: each name whole and in its parts (hyphen, space), also
    spelt with ae/oe/ue/ss for ä/ö/ü/ß, and the e-mail address whole and in its parts."""
    out = set()
    for name in (first, last):
        for spelling in (name, name.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
                         .replace("Ä", "Ae").replace("Ö", "Oe").replace("Ü", "Ue")):
            folded = _fold(spelling)
            out |= {folded, *re.split(r"[\s-]+", folded)}
    if email:
        out |= {_fold(email), *re.split(r"[._+@-]+", _fold(email))}
    return {w for w in out if w}


def reference_hits(term: str) -> set[str]:
    """Who the rule finds, evaluated in Python: every word of the term, folded, begins a word of theirs."""
    tokens = [_fold(t) for t in term.strip()[:100].split()]
    tokens = [t for t in tokens if t]
    if not tokens:
        return {last for _first, last, _email in NAMES}
    return {last for first, last, email in NAMES
            if all(any(w.startswith(t) for w in _words(first, last, email)) for t in tokens)}


# --- the fold -------------------------------------------------------------------------------
def test_fold_works_character_by_character():
    rng = random.Random(5)
    alphabet = "aAäÄßẞıİiIǅǆσςΣﬁŉK\u0301\u0308e\u0065\u0301Åå한글".replace("", " ").split()
    for _ in range(3000):
        a = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4)))
        b = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 4)))
        assert search_fold(a + b) == search_fold(a) + search_fold(b), (a, b)


def test_fold_joins_everything_case_insensitive_patterns_join():
    """Python's IGNORECASE matches a text character ``c`` to a pattern character ``p`` when their simple
    lowercase forms agree, or are listed together in ``re._casefix``; the surname pattern compares
    casefolded text. All code points: the fold must agree wherever the patterns do."""
    import _sre
    from re._casefix import _EXTRA_CASES

    groups: dict[int, list[int]] = {}
    for cp in range(0x110000):
        if not 0xD800 <= cp <= 0xDFFF:
            groups.setdefault(_sre.unicode_tolower(cp), []).append(cp)
    for members in groups.values():
        if len(members) > 1:
            assert len({search_fold(chr(cp)) for cp in members}) == 1, [chr(cp) for cp in members]
    for lower, others in _EXTRA_CASES.items():
        for other in others:
            assert search_fold(chr(lower)) == search_fold(chr(other)), (chr(lower), chr(other))
    # a character that casefolds to itself is stable by definition: only the others need the fold twice
    unstable = [c for cp in range(0x110000)
                if not 0xD800 <= cp <= 0xDFFF and (c := chr(cp)).casefold() != c
                and search_fold(c.casefold()) != search_fold(c)]
    assert unstable == []


def test_prefixes_and_keys():
    assert search_prefixes("Müller", "Jürgen", "j@x.de") == ["d", "de", "j", "j@", "j@x", "ju", "jue", "jur", "m",
                                                             "mu", "mue", "mul", "x"]
    assert search_prefixes("Straße", "", None) == ["s", "st", "str"]
    assert search_prefixes("Müßig-Öztürk", "Jo", None, "+491712345678") == [
        "4", "49", "491", "j", "jo", "m", "mu", "mue", "mus", "o", "oe", "oez", "oz", "ozt"]
    assert search_key("") == "" and search_key("Mül") == "mul" and search_key("İbrahim") == "ibr"
    assert search_key("\u0301") == ""  # nothing left to narrow by: the patterns alone decide
    assert search_prefixes(None, 12, "") == []  # odd imported values do not break the backfill


# --- the search through the admin, on both stores -------------------------------------------
@pytest.fixture(params=["mongomock", "embedded"])
def app(request, tmp_path):
    uri = "mongomock://localhost" if request.param == "mongomock" else ""
    app = make_app(tmp_path, MONGODB_URI=uri)
    yield app
    mongoengine.disconnect()


def _listed(client, url: str) -> tuple[int, list[str]]:
    html = client.get(url).get_data(as_text=True)
    shown = re.search(r"(?:List|Liste) \((\d+)\)", html)
    names = re.findall(r'href="/admin/customer/file/\?id=[0-9a-f]+">([^<]*)</a>', html)
    return (int(shown.group(1)) if shown else 0), names


def test_search_finds_what_the_patterns_match(app, owner_client, make_customer, make_unit):
    from urllib.parse import quote

    for first, last, email in NAMES:
        make_customer(first_name=first, last_name=last, email=email)
    make_customer(business_unit=make_unit(), first_name="Jürgen", last_name="Müller")  # other unit: never listed
    for term in TERMS:
        count, names = _listed(owner_client, f"/admin/customer/?search={quote(term)}")
        expected = reference_hits(term)
        assert count == len(expected), (term, names, expected)
        assert {n.replace("&#39;", "'") for n in names} == expected, term


def test_search_is_narrowed_by_the_indexed_prefixes(app):
    from admin.views.customers import CustomerView

    view = CustomerView(Customer, name="x", endpoint="x_search_test")
    with app.app_context():
        query = view._search(Customer.objects, "  Mül ")._query
        assert query["search_prefixes"] == "mul" and query["search_words"].pattern == "^mul"
        conditions = view._search(Customer.objects, "Müß Öz")._query["$and"]
        assert conditions[0] == {"search_prefixes": "mus"} and [c["search_words"].pattern for c in conditions[1:]] \
            == ["^muss", "^oz"]
        assert "search_prefixes" not in str(view._search(Customer.objects, "\u0301")._query)
    assert any(spec["fields"] == [("business_unit", 1), ("search_prefixes", 1)]
               for spec in Customer._meta["index_specs"])


# --- keeping the field ----------------------------------------------------------------------
def test_prefixes_follow_save_and_admin_edit(app, owner_client, make_customer):
    customer = make_customer(first_name="Käthe", last_name="Größer", email="k@example.com")
    with app.app_context():
        expected = search_prefixes("Größer", "Käthe", "k@example.com")
        assert Customer.objects.get(pk=customer.pk).search_prefixes == expected
    token = csrf_token(owner_client, f"/admin/customer/edit/?id={customer.pk}")
    r = owner_client.post(f"/admin/customer/edit/?id={customer.pk}", data={
        "csrf_token": token, "salutation": "", "first_name": "Ömer", "last_name": "Öztürk", "email": "",
        "phone": "", "address-country": "DE", "tags": "", "notes": ""})
    assert r.status_code == 302
    with app.app_context():
        assert Customer.objects.get(pk=customer.pk).search_prefixes == search_prefixes("Öztürk", "Ömer", None)
    assert _listed(owner_client, "/admin/customer/?search=özt")[0] == 1
    assert _listed(owner_client, "/admin/customer/?search=grö")[0] == 0
    page = owner_client.get(f"/admin/customer/details/?id={customer.pk}").get_data(as_text=True)
    assert "Search Prefixes" not in page and "ozt" not in page


def test_prefixes_follow_atomic_updates_of_the_field_mapping(app, make_customer, owner):
    from core.services.audit import Actor
    from core.services.mapping import apply_changes

    customer = make_customer(first_name="Jürgen", last_name="Müller", email="j@example.com")
    with app.app_context():
        apply_changes(Actor.staff(owner), customer, {"last_name": {"before": "Müller", "after": "Özdemir",
                                                                   "path": "lastName"}}, summary="test")
        assert Customer.objects.get(pk=customer.pk).search_prefixes == search_prefixes("Özdemir", "Jürgen",
                                                                                        "j@example.com")
        customer = Customer.objects.get(pk=customer.pk)  # callers pass the customer they compared against
        apply_changes(Actor.staff(owner), customer, {"email": {"before": "j@example.com", "after": None,
                                                               "path": "email"}}, summary="test")
        assert Customer.objects.get(pk=customer.pk).search_prefixes == search_prefixes("Özdemir", "Jürgen", None)


def _raw_customer(unit, first, last, email=None) -> dict:
    doc = {"_id": ObjectId(), "business_unit": unit.pk, "first_name": first, "last_name": last,
           "last_name_key": last.casefold(), "salutation": "", "tags": []}
    if email:
        doc["email"] = email
    return doc


def test_missing_prefixes_are_backfilled_by_db_upgrade(app, unit):
    """Documents written before the field existed (or by other tools) get it from `frontdesk db upgrade`."""
    with app.app_context():
        Customer._get_collection().insert_many([_raw_customer(unit, "Jörg", "Weiß"),
                                                _raw_customer(unit, "Anna", "Ähre", "anna@x.de")])
        assert Customer.objects(search_prefixes__exists=True).count() == 0
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0 and "customers given search prefixes: 2" in result.output, result.output
    with app.app_context():
        found = {c.last_name: c.search_prefixes for c in Customer.objects(business_unit=unit)}
        assert found == {"Weiß": search_prefixes("Weiß", "Jörg", None),
                         "Ähre": search_prefixes("Ähre", "Anna", "anna@x.de")}
        assert backfill_search_prefixes() == 0  # idempotent


def test_imported_customers_get_prefixes(app, tmp_path, unit):
    import json

    from core.services.exchange import import_all

    folder = tmp_path / "export"
    folder.mkdir()
    docs = [_raw_customer(unit, "Jörg", "Weiß"), _raw_customer(unit, "Ömer", "Öztürk", "o@x.de")]
    lines = [json.dumps({**{k: v for k, v in d.items() if k not in ("_id", "business_unit")},
                         "_id": {"$oid": str(d["_id"])}, "business_unit": {"$oid": str(unit.pk)}}) for d in docs]
    (folder / "customers.json").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with app.app_context():
        import_all(folder)
        found = {c.last_name: c.search_prefixes for c in Customer.objects(business_unit=unit)}
        assert found == {"Weiß": search_prefixes("Weiß", "Jörg", None), "Öztürk": search_prefixes("Öztürk", "Ömer",
                                                                                                  "o@x.de")}


def test_the_backfill_does_not_overwrite_a_concurrent_save(app, unit, monkeypatch):
    """A customer saved (with prefixes from new names) while the backfill runs keeps what the save wrote."""
    import core.models.customer as customer_module

    real = customer_module.search_prefixes
    with app.app_context():
        doc = _raw_customer(unit, "Jörg", "Weiß")
        collection = Customer._get_collection()
        collection.insert_one(doc)

        def save_meanwhile(*names):
            collection.update_one({"_id": doc["_id"]}, {"$set": {"last_name": "Neu", "search_prefixes": ["n"],
                                                                 "search_words": ["neu"]}})
            return real(*names)

        monkeypatch.setattr(customer_module, "search_prefixes", save_meanwhile)
        assert backfill_search_prefixes() == 1  # one update sent, and refused by its filter
        assert collection.find_one({"_id": doc["_id"]})["search_prefixes"] == ["n"]
