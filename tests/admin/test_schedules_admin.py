"""Settings > Team schedules: hours per weekday, absences, start location, opening hours, holidays and the
booking rules; the planner uses what is saved; bad input changes nothing; other units' ids are 404."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from core.errors import InvalidInput
from core.models import ActivityType, AuditEvent, BookingSettings, StaffSchedule
from core.services import planning
from core.services.schedules import format_intervals, parse_intervals
from tests.admin.test_german_pages import demo_owner  # noqa: F401 (the fixture, used by name)
from tests.conftest import csrf_token, login

MONDAY = date(2030, 1, 7)


def _week(**days):
    return {f"day{d}": days.get(f"day{d}", "") for d in range(7)}


@pytest.mark.parametrize(("text", "spans"), [
    ("09:00-13:00, 14:00-18:00", [(540, 780), (840, 1080)]), ("9-12", [(540, 720)]), ("", []),
    ("14:00–18:00; 8:30-12", [(510, 720), (840, 1080)]), ("0-24", [(0, 1440)])])
def test_parse_intervals(text, spans):
    assert parse_intervals(text) == spans
    assert parse_intervals(format_intervals(spans)) == spans


@pytest.mark.parametrize("text", ["9-25", "13-9", "nachmittags", "9:75-10", "9-12, 11-13", "9-9"])
def test_bad_intervals(text):
    with pytest.raises(InvalidInput):
        parse_intervals(text)


def test_the_team_page_shows_the_default_hours(owner_client, owner, make_user):
    member = make_user("staff", name="Bert")
    page = owner_client.get("/admin/schedules/").get_data(as_text=True)
    assert "Bert" in page and "09:00-13:00, 14:00-18:00" in page and "Montag" in page
    assert f"/admin/schedules/staff?id={member.pk}" in page


def test_save_hours_start_place_and_absences(app, owner_client, owner, unit, make_customer):
    url = f"/admin/schedules/staff?id={owner.pk}"
    data = {"csrf_token": csrf_token(owner_client, url), "id": str(owner.pk), **_week(day0="10:00-12:00"),
            "street": "Invalidenstraße 1", "postal_code": "10115", "city": "Berlin", "lat": "52,53", "lon": "13,38"}
    r = owner_client.post(url, data=data)
    assert r.status_code == 302
    with app.app_context():
        schedule = StaffSchedule.objects.get(staff=owner)
        assert [(i.weekday, i.start, i.end) for i in schedule.hours] == [(0, 600, 720)]
        assert schedule.start_coordinates.pair == (52.53, 13.38) and schedule.start_address.postal_code == "10115"
        assert AuditEvent.objects(object_type="staff_schedules").count() == 1
        kind = ActivityType(business_unit=unit, name="Schnitt", duration_minutes=60).save()
        slots = planning.suggest_slots(unit, kind, make_customer(), start=MONDAY, days=7, for_customer=False,
                                       now=datetime(2030, 1, 1))
        assert {s.start.weekday() for s in slots} == {0} and len(slots) == 5  # Mondays 10-12 only
    token = csrf_token(owner_client, url)
    r = owner_client.post("/admin/schedules/staff/absence", data={
        "csrf_token": token, "id": str(owner.pk), "start": "2030-01-07", "end": "2030-01-07", "kind": "sick"})
    assert r.status_code == 302
    page = owner_client.get(url).get_data(as_text=True)
    assert "07.01.2030" in page and "Krank" in page
    with app.app_context():
        assert not planning.suggest_slots(unit, kind, make_customer(), start=MONDAY, days=1, for_customer=False,
                                          now=datetime(2030, 1, 1))
    r = owner_client.post("/admin/schedules/staff/absence/remove", data={
        "csrf_token": csrf_token(owner_client, url), "id": str(owner.pk), "index": "0"})
    assert r.status_code == 302
    with app.app_context():
        assert StaffSchedule.objects.get(staff=owner).absences == []


@pytest.mark.parametrize("changes", [{"day0": "9-25"}, {"day2": "13-9"}, {"lat": "52.5"}, {"lat": "abc", "lon": "1"},
                                     {"lat": "95", "lon": "13"}])
def test_bad_schedules_change_nothing(app, owner_client, owner, changes):
    url = f"/admin/schedules/staff?id={owner.pk}"
    data = {"csrf_token": csrf_token(owner_client, url), "id": str(owner.pk), **_week(day0="9-12"), **changes}
    r = owner_client.post(url, data=data)
    assert r.status_code == 200 and ("is-invalid" in r.get_data(as_text=True) or "alert" in r.get_data(as_text=True))
    with app.app_context():
        assert StaffSchedule.objects.count() == 0


def _rules(**changes):
    rules = {"min_notice_hours": "2", "max_days_ahead": "30", "slot_interval_minutes": "30", "road_factor": "1,4",
             "speed_kmh": "35", "default_travel_minutes": "15", "green_max_minutes": "10",
             "orange_max_minutes": "30"}
    rules.update(changes)
    return rules


def test_booking_settings_and_holidays(app, owner_client, unit):
    url = "/admin/schedules/unit"
    data = {"csrf_token": csrf_token(owner_client, url), **_week(day0="8-20", day5="9-14"), **_rules(),
            "street": "Schloßallee 1", "postal_code": "10115", "city": "Berlin"}
    assert owner_client.post(url, data=data).status_code == 302
    with app.app_context():
        settings = BookingSettings.objects.get(business_unit=unit)
        assert settings.slot_interval_minutes == 30 and settings.road_factor == 1.4
        assert settings.coordinates.source == "postal_code"  # looked up once, stored with its source
        assert [(i.weekday, i.start, i.end) for i in settings.opening_hours] == [(0, 480, 1200), (5, 540, 840)]
    bad = {**data, "csrf_token": csrf_token(owner_client, url), **_rules(green_max_minutes="50")}
    r = owner_client.post(url, data=bad)
    assert r.status_code == 200
    with app.app_context():
        assert BookingSettings.objects.get(business_unit=unit).green_max_minutes == 10
    token = csrf_token(owner_client, url)
    assert owner_client.post("/admin/schedules/unit/holiday", data={
        "csrf_token": token, "start": "2030-12-24", "end": "2030-12-26", "note": "Weihnachten"}).status_code == 302
    assert owner_client.post("/admin/schedules/unit/holiday", data={
        "csrf_token": token, "start": "2030-12-26", "end": "2030-12-24"}).status_code == 302
    with app.app_context():
        holidays = BookingSettings.objects.get(business_unit=unit).holidays
        assert [(h.start, h.end, h.note) for h in holidays] == [(date(2030, 12, 24), date(2030, 12, 26), "Weihnachten")]
    assert "Weihnachten" in owner_client.get(url).get_data(as_text=True)
    assert owner_client.post("/admin/schedules/unit/holiday/remove", data={"csrf_token": token, "index": "5"}
                             ).status_code == 302
    assert owner_client.post("/admin/schedules/unit/holiday/remove", data={"csrf_token": token, "index": "0"}
                             ).status_code == 302
    with app.app_context():
        assert BookingSettings.objects.get(business_unit=unit).holidays == []


def test_isolation(app, client, owner_client, make_user, make_unit):
    stranger = make_user("staff", business_unit=make_unit())
    designer = make_user("designer")
    for member in (stranger, designer):
        assert owner_client.get(f"/admin/schedules/staff?id={member.pk}").status_code == 404
        token = csrf_token(owner_client, "/admin/schedules/")
        for path in ("/admin/schedules/staff", "/admin/schedules/staff/absence",
                     "/admin/schedules/staff/absence/remove"):
            assert owner_client.post(path, data={"csrf_token": token, "id": str(member.pk)}).status_code == 404
    assert owner_client.get("/admin/schedules/staff?id=nope").status_code == 404
    staff = make_user("staff")
    other = app.test_client()
    login(other, staff.email)
    assert other.get("/admin/schedules/").status_code == 403
    assert other.get("/admin/schedules/unit").status_code == 403
    with app.app_context():
        assert StaffSchedule.objects.count() == 0


def test_the_new_pages_are_german(app, demo_owner):  # noqa: F811 (the imported fixture)
    """Team schedules, booking settings and "Termin vorschlagen" over the demo data: no raw values."""
    import re

    from core.models import ActivityType, Customer, StaffUser
    from tests.admin.test_german_pages import _problems

    with app.app_context():
        member = StaffUser.objects(role="staff").first()
        customer = Customer.objects.first()
        visit = ActivityType.objects(name="Hausbesuch").get()
    urls = ["/admin/schedules/", "/admin/schedules/unit", f"/admin/schedules/staff?id={member.pk}",
            f"/admin/planning/?customer={customer.pk}&activity_type={visit.pk}",
            "/admin/planning/?q=M", "/admin/activitytype/"]
    problems = []
    for url in urls:
        r = demo_owner.get(url)
        assert r.status_code == 200, url
        page = r.get_data(as_text=True)
        problems += _problems(url, page)
        assert not re.search(r">\s*(business|customer|online|green|orange|red)\s*<", page), url
    assert not problems, "\n".join(problems)
