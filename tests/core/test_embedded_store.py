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
