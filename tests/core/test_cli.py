"""``frontdesk create-user`` and ``frontdesk seed``."""

from __future__ import annotations

from core.models import AuditEvent, BusinessUnit, Customer, StaffUser


def test_create_user(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "chefin@example.com", "--role", "owner", "--name", "Chefin"],
                           input="Sonnenblumen-im-Mai-7\nSonnenblumen-im-Mai-7\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = StaffUser.objects.get(email="chefin@example.com")
        assert user.role == "owner" and user.password_hash.startswith("$argon2id$")
        assert AuditEvent.objects(object_type="staff_users", action="create").count() == 1
    result = runner.invoke(args=["create-user", "chefin@example.com", "--role", "owner",
                                 "--password", "Sonnenblumen-im-Mai-7"])
    assert result.exit_code != 0 and "exists" in result.output


def test_create_user_bad_input(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-user", "x@example.com", "--password", "kurz"])
    assert result.exit_code != 0 and "12" in result.output
    result = runner.invoke(args=["create-user", "kein-email", "--password", "Sonnenblumen-im-Mai-7"])
    assert result.exit_code != 0
    result = runner.invoke(args=["create-user", "x@example.com", "--role", "king", "--password", "x"])
    assert result.exit_code == 2
    result = runner.invoke(args=["create-user", "x@example.com", "--unit", "nope", "--password",
                                 "Sonnenblumen-im-Mai-7"])
    assert result.exit_code != 0 and "nope" in result.output
    with app.app_context():
        assert StaffUser.objects.count() == 0 and BusinessUnit.objects.count() == 0


def test_seed_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0 and "inhaberin@example.com" in first.output
    with app.app_context():
        counts = (BusinessUnit.objects.count(), StaffUser.objects.count(), Customer.objects.count())
        assert counts == (1, 3, 60)
        assert any(c for c in Customer.objects if any(ch in c.last_name for ch in "äöüß"))
        from core.models import Appointment

        appointments = Appointment.objects.count()
        assert appointments > 20
    second = runner.invoke(args=["seed"])
    assert second.exit_code == 0
    with app.app_context():
        assert (BusinessUnit.objects.count(), StaffUser.objects.count(), Customer.objects.count()) == counts
        assert Appointment.objects.count() == appointments
