"""The embedded store (litemongo) keeps data across an app restart and enforces unique indexes."""

from __future__ import annotations

import mongoengine
import pytest

from core.app import create_app
from core.models import BusinessUnit, Customer


def test_data_survives_a_restart(tmp_path):
    config = {"INSTANCE_PATH": str(tmp_path), "MONGODB_URI": "", "TESTING": True}
    app = create_app(config)
    with app.app_context():
        unit = BusinessUnit(name="Salon", slug="salon").save()
        Customer(business_unit=unit, first_name="Jörg", last_name="Weiß", email="j@example.com").save()
    mongoengine.disconnect()
    assert (tmp_path / "db" / "frontdesk" / "customers").exists()

    app = create_app(config)
    with app.app_context():
        customer = Customer.objects.get(email="j@example.com")
        assert customer.last_name == "Weiß" and customer.business_unit.slug == "salon"
        with pytest.raises(mongoengine.NotUniqueError):
            Customer(business_unit=customer.business_unit, first_name="X", last_name="Y",
                     email="j@example.com").save()
        names = {i["name"] for i in Customer._get_collection().index_information().values()
                 if isinstance(i, dict) and "name" in i} | set(Customer._get_collection().index_information())
        assert "unique_email_per_unit" in names
    mongoengine.disconnect()


def test_embedded_store_is_served_from_one_thread(tmp_path):
    """SQLite connections of the embedded store must stay in their thread: `frontdesk run` serves
    single-threaded there (requests run in the thread that opened the store), threaded elsewhere."""
    import threading

    from core.cli import serve_threaded

    app = create_app({"INSTANCE_PATH": str(tmp_path), "MONGODB_URI": "", "TESTING": True})
    assert serve_threaded(app) is False
    with app.app_context():
        BusinessUnit(name="Salon", slug="salon").save()
    errors = []

    def other_thread():
        try:
            with app.app_context():
                BusinessUnit.objects.count()
        except Exception as exc:
            errors.append(type(exc).__name__)

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert errors == ["ProgrammingError"]  # the reason for the single thread; fails loudly if litemongo changes
    mongoengine.disconnect()
    assert serve_threaded(create_app({"INSTANCE_PATH": str(tmp_path), "MONGODB_URI": "mongomock://"})) is True
    mongoengine.disconnect()
