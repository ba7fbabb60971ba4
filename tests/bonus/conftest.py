"""Fixtures for revenue, bonus cards and referrals: a unit with both features and a programme."""

from __future__ import annotations

import pytest

from core.services.audit import Actor


@pytest.fixture
def bonus_unit(app, unit):

    with app.app_context():
        unit.update(add_to_set__features=["bonus", "referral"])
        unit.reload()
    return unit


@pytest.fixture
def staff_actor(owner):
    return Actor.staff(owner)


@pytest.fixture
def programme(app, bonus_unit, staff_actor):
    from core.services import bonus

    with app.app_context():
        return bonus.save_programme(staff_actor, bonus_unit, {
            "points_per_euro": 1, "threshold": 500, "reward": "20 € Rabatt", "expiry_months": 0,
            "referral_reward": "points", "referrer_points": 100, "referred_points": 0})
