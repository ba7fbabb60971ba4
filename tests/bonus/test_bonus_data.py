"""The new collections in the delete cascade, in export/import, and in the portal."""

from __future__ import annotations

from datetime import date

from bson import ObjectId

from core.db import get_db
from core.models import BonusCard, PointsEntry, Referral, Sale, Voucher
from core.services import bonus, referrals, revenue
from core.services.deletion import customer_data_counts, delete_customer, uncounted
from core.services.exchange import export_all, import_all
from tests.conftest import csrf_token

TODAY = date(2026, 12, 7)
COLLECTIONS = ("sales", "bonus_cards", "points_entries", "vouchers", "referrals", "bonus_programmes")


def _history(app, actor, anna, ben):
    with app.app_context():
        referrals.set_referrer(actor, ben, anna)
        revenue.record_sale(actor, ben, "700", "2026-12-01", "Färbung", today=TODAY)
        bonus.redeem(actor, ben)


def test_delete_cascade_removes_the_bonus_data(app, programme, make_customer, staff_actor):
    anna, ben = make_customer(), make_customer(last_name="Weg")
    _history(app, staff_actor, anna, ben)
    with app.app_context():
        counts = customer_data_counts(ben)
        assert counts["sales"] == 1 and counts["vouchers"] == 1 and counts["referrals"] == 1
        assert counts["bonus points entries"] == 2
        assert uncounted() == []
        delete_customer(staff_actor, ben)
        for model in (Sale, BonusCard, PointsEntry, Voucher, Referral):
            assert model.objects(**{"referred" if model is Referral else "customer": ben.pk}).count() == 0
        db = get_db()
        for name in (*COLLECTIONS, "audit_events"):
            for doc in db[name].find():
                assert ObjectId(str(ben.pk)) not in doc.values() and "Weg" not in repr(doc), (name, doc)
        assert bonus.balance(bonus.card_for(anna)) == 100  # the referrer keeps the reward they earned
        # deleting the referrer leaves nothing of them either (the referral and its audit events go)
        delete_customer(staff_actor, anna)
        for name in db.list_collection_names():
            for doc in db[name].find():
                if name == "audit_events" and doc.get("action") == "delete" and doc.get("object_type") == "customers":
                    continue
                assert str(anna.pk) not in repr(doc) and ObjectId(str(anna.pk)) not in doc.values(), (name, doc)


def test_export_import_round_trip_covers_the_new_collections(app, tmp_path, programme, make_customer, staff_actor):
    # with e-mail addresses: mongomock checks a partial unique index against every document on re-creation
    anna, ben = make_customer(email="anna@example.com"), make_customer(email="ben@example.com")
    _history(app, staff_actor, anna, ben)
    with app.app_context():
        db = get_db()
        before = {name: sorted(db[name].find(), key=lambda d: str(d["_id"])) for name in COLLECTIONS}
        assert all(before.values())
        counts = export_all(tmp_path / "out")
        assert all(counts[name] for name in COLLECTIONS)
        import_all(tmp_path / "out", drop=True)
        after = {name: sorted(db[name].find(), key=lambda d: str(d["_id"])) for name in COLLECTIONS}
        assert after == before
        assert "card_seq" in db["points_entries"].index_information()
        # the ledger still refuses a double booking after the restore
        card = bonus.card_for(ben)
        assert bonus.balance(card) == 200 and bonus.append(card, "earned", 1, by="t").seq == 3


def test_portal_shows_balance_rewards_and_the_referral_code(app, programme, make_customer, staff_actor):
    from tests.portal.conftest import code_login

    with app.app_context():
        programme.business_unit.update(add_to_set__features="portal")
    customer = make_customer(email="kundin@example.com", portal_enabled=True)
    with app.app_context():
        revenue.record_sale(staff_actor, customer, "620", "2026-12-01", today=TODAY)
        voucher = bonus.redeem(staff_actor, customer)
        code = bonus.card_for(customer).referral_code
    client = app.test_client()
    code_login(app, client, customer)
    home = client.get("/portal/").get_data(as_text=True)
    assert 'data-testid="portal-bonus-link"' in home
    page = client.get("/portal/bonus").get_data(as_text=True)
    assert "120 Punkte" in page and voucher.code in page and "20 € Rabatt" in page
    assert "gesammelt" in page and "eingelöst" in page
    assert code in page and f"/portal/{customer.business_unit.slug}/empfehlung/{code}" in page
    landing = app.test_client().get(f"/portal/{customer.business_unit.slug}/empfehlung/{code}")
    assert landing.status_code == 200 and code in landing.get_data(as_text=True)
    assert app.test_client().get(f"/portal/{customer.business_unit.slug}/empfehlung/XXXXXXXX").status_code == 404


def test_portal_without_the_features_shows_no_card(app, unit, make_customer):
    from tests.portal.conftest import code_login

    with app.app_context():
        unit.update(add_to_set__features="portal")
    customer = make_customer(email="kundin@example.com", portal_enabled=True)
    client = app.test_client()
    code_login(app, client, customer)
    assert "portal-bonus-link" not in client.get("/portal/").get_data(as_text=True)
    assert client.get("/portal/bonus").status_code == 404


def test_the_admin_feature_catalogue_offers_both(app, owner_client, unit):
    page = owner_client.get("/admin/settings/features/").get_data(as_text=True)
    assert "Umsatzbonus" in page and "Empfehlungsbonus" in page
    token = csrf_token(owner_client, "/admin/settings/features/")
    assert owner_client.post("/admin/settings/features/toggle", data={"feature": "referral", "enabled": "1",
                                                                      "csrf_token": token}).status_code == 302
    with app.app_context():
        unit.reload()
        assert unit.has_feature("referral")

