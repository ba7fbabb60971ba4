"""The planning assistant: working hours and breaks, absences, holidays, buffers, notice, window, DST days,
travel before and after, ratings and their order, performers, tokens."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.errors import InvalidInput
from core.models import ActivityType, Appointment, BookingSettings, StaffSchedule
from core.models.customer import Address
from core.models.geo import GeoPoint
from core.models.schedule import DateRange, TimeInterval
from core.services import geo, planning

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = date(2030, 1, 7)
#: Sunday evening before MONDAY, Berlin time (UTC+1 in winter)
NOW = datetime(2030, 1, 6, 17, 0)
BERLIN_MITTE = (52.52, 13.405)
POTSDAM = (52.3906, 13.0645)
SPANDAU = (52.5353, 13.1973)
CHARLOTTENBURG = (52.5167, 13.3041)


def local(when: datetime) -> datetime:
    return when.replace(tzinfo=ZoneInfo("UTC")).astimezone(BERLIN).replace(tzinfo=None)


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    wall = datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN)
    return wall.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


@pytest.fixture
def world(app, unit, make_user, make_customer):
    """One staff member, a customer, an hour-long activity type at the business."""
    member = make_user("staff", name="Anna")
    customer = make_customer()
    with app.app_context():
        kind = ActivityType(business_unit=unit, name="Schnitt", duration_minutes=60).save()
    return {"staff": member, "customer": customer, "kind": kind}


def starts(slots, day: date | None = None) -> list[str]:
    return sorted(f"{local(s.start):%H:%M}" for s in slots if day is None or local(s.start).date() == day)


def suggest(unit, kind, customer, **kw):
    kw.setdefault("start", MONDAY)
    kw.setdefault("days", 1)
    kw.setdefault("now", NOW)
    kw.setdefault("for_customer", False)
    return planning.suggest_slots(unit, kind, customer, **kw)


def test_working_hours_with_lunch_break(ctx, unit, world):
    slots = suggest(unit, world["kind"], world["customer"])
    expected = [f"{h:02d}:{m:02d}" for h in range(9, 13) for m in (0, 15, 30, 45) if (h, m) <= (12, 0)]
    expected += [f"{h:02d}:{m:02d}" for h in range(14, 18) for m in (0, 15, 30, 45) if (h, m) <= (17, 0)]
    assert starts(slots) == expected  # Monday 9-13 and 14-18 by default: nothing that runs into the break
    assert all(s.end - s.start == timedelta(minutes=60) and s.rating == "green" for s in slots)
    assert suggest(unit, world["kind"], world["customer"], start=date(2030, 1, 12), days=2) == []  # weekend


def test_own_hours_intersect_opening_hours(ctx, unit, world):
    StaffSchedule(business_unit=unit, staff=world["staff"],
                  hours=[TimeInterval(weekday=0, start=7 * 60, end=11 * 60)]).save()
    BookingSettings(business_unit=unit, opening_hours=[TimeInterval(weekday=0, start=8 * 60, end=20 * 60)]).save()
    assert starts(suggest(unit, world["kind"], world["customer"])) == ["08:00", "08:15", "08:30", "08:45", "09:00",
                                                                       "09:15", "09:30", "09:45", "10:00"]
    assert suggest(unit, world["kind"], world["customer"], start=MONDAY + timedelta(days=1)) == []


def test_absences_and_holidays(ctx, unit, world, make_user):
    other = make_user("staff", name="Bert")
    StaffSchedule(business_unit=unit, staff=world["staff"],
                  absences=[DateRange(start=MONDAY, end=MONDAY + timedelta(days=1), kind="sick")]).save()
    slots = suggest(unit, world["kind"], world["customer"], days=3)
    assert {s.staff_name for s in slots if local(s.start).date() <= MONDAY + timedelta(days=1)} == {"Bert"}
    assert {s.staff_name for s in slots if local(s.start).date() == MONDAY + timedelta(days=2)} == {"Anna", "Bert"}
    BookingSettings(business_unit=unit, holidays=[DateRange(start=MONDAY + timedelta(days=2),
                                                            end=MONDAY + timedelta(days=2))]).save()
    slots = suggest(unit, world["kind"], world["customer"], days=3)
    assert slots and all(local(s.start).date() < MONDAY + timedelta(days=2) for s in slots)
    assert other is not None


def test_buffers_of_both_appointments(ctx, unit, world, make_appointment):
    prepared = ActivityType(business_unit=unit, name="Färben", duration_minutes=60, buffer_after_minutes=15).save()
    make_appointment(staff=world["staff"], activity_type=prepared, start=utc(MONDAY, 10), end=utc(MONDAY, 11))
    morning = [s for s in starts(suggest(unit, world["kind"], world["customer"])) if s < "13:00"]
    assert morning == ["09:00", "11:15", "11:30", "11:45", "12:00"]  # 11:00 falls into the 15 min after
    world["kind"].buffer_before_minutes = 10
    world["kind"].save()
    slots = [s for s in suggest(unit, world["kind"], world["customer"]) if local(s.start).hour < 13]
    assert starts(slots) == ["09:00", "11:30", "11:45", "12:00"]  # 11:15's 10 min before fall into the 15 after
    assert min(slots, key=lambda s: s.start).rating == "red"  # its buffer: before work
    customers = suggest(unit, world["kind"], world["customer"], for_customer=True, now=datetime(2030, 1, 1))
    assert "09:00" not in starts(customers, MONDAY)


def test_cancelled_and_excluded_appointments_do_not_count(ctx, unit, world, make_appointment):
    appt = make_appointment(staff=world["staff"], activity_type=world["kind"], start=utc(MONDAY, 9),
                            end=utc(MONDAY, 10))
    assert "09:00" not in starts(suggest(unit, world["kind"], world["customer"]))
    assert "09:00" in starts(suggest(unit, world["kind"], world["customer"], exclude_appointment=appt))
    appt.status = "cancelled"
    appt.save()
    assert "09:00" in starts(suggest(unit, world["kind"], world["customer"]))


def test_minimum_notice_and_window_for_customers(ctx, unit, world):
    BookingSettings(business_unit=unit, min_notice_hours=20, max_days_ahead=3).save()
    now = utc(MONDAY, 0)  # 20 h notice: nothing before Monday 20:00
    mine = suggest(unit, world["kind"], world["customer"], now=now, days=7, for_customer=True)
    days = {local(s.start).date() for s in mine}
    assert days == {MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)}  # not Monday, not after 3 days
    assert all(s.start >= now + timedelta(hours=20) and s.start <= now + timedelta(days=3) for s in mine)
    staff_view = suggest(unit, world["kind"], world["customer"], now=utc(MONDAY, 11, 5), days=1)
    assert starts(staff_view)[0] == "11:15"  # staff: only never in the past


def test_limit_and_past_days(ctx, unit, world):
    assert len(suggest(unit, world["kind"], world["customer"], limit=3)) == 3
    # a start in the past begins today
    assert starts(suggest(unit, world["kind"], world["customer"], start=date(2020, 1, 1), now=utc(MONDAY, 16)),
                  MONDAY) == ["16:00", "16:15", "16:30", "16:45", "17:00"]


def _every_day(unit, member, start_minute: int, end_minute: int):
    every = [TimeInterval(weekday=d, start=start_minute, end=end_minute) for d in range(7)]
    StaffSchedule(business_unit=unit, staff=member, hours=every).save()
    BookingSettings(business_unit=unit, opening_hours=every, slot_interval_minutes=60).save()


@pytest.mark.parametrize(("day", "offsets"), [
    (date(2030, 3, 30), {1}), (date(2030, 3, 31), {2}),  # spring forward, Sunday 31 March 2030
    (date(2030, 10, 26), {2}), (date(2030, 10, 27), {1}),  # fall back, Sunday 27 October 2030
])
def test_dst_days_keep_wall_clock_hours(ctx, unit, world, day, offsets):
    _every_day(unit, world["staff"], 9 * 60, 18 * 60)
    slots = suggest(unit, world["kind"], world["customer"], start=day, now=datetime(2030, 1, 1))
    assert starts(slots) == [f"{h:02d}:00" for h in range(9, 18)]
    assert {int((local(s.start) - s.start).total_seconds() // 3600) for s in slots} == offsets


def test_dst_night_hours(ctx, unit, world):
    _every_day(unit, world["staff"], 0, 6 * 60)
    spring = suggest(unit, world["kind"], world["customer"], start=date(2030, 3, 31), now=datetime(2030, 1, 1))
    assert starts(spring) == ["00:00", "01:00", "03:00", "04:00", "05:00"]  # 02:00 does not exist that night
    assert len({s.start for s in spring}) == 5
    autumn = suggest(unit, world["kind"], world["customer"], start=date(2030, 10, 27), now=datetime(2030, 1, 1))
    assert [f"{local(s.start):%H:%M}" for s in sorted(autumn, key=lambda s: s.start)] == [
        "00:00", "01:00", "02:00", "03:00", "04:00", "05:00"]
    assert all(s.end - s.start == timedelta(hours=1) for s in autumn)


# --- travel -----------------------------------------------------------------------------------------
def _visit(unit, **kw):
    return ActivityType(business_unit=unit, name=kw.pop("name", "Hausbesuch"), duration_minutes=60,
                        location_kind="customer", **kw).save()


def minutes(a, b) -> int:
    return geo.travel_minutes(a, b, road_factor=1.3, speed_kmh=30, default_minutes=20)


def test_travel_before_and_after(ctx, unit, world, make_customer, make_appointment):
    visit = _visit(unit)
    StaffSchedule(business_unit=unit, staff=world["staff"],
                  start_coordinates=GeoPoint(lat=BERLIN_MITTE[0], lon=BERLIN_MITTE[1])).save()
    there = make_customer(coordinates=GeoPoint(lat=CHARLOTTENBURG[0], lon=CHARLOTTENBURG[1]))
    here = make_customer(coordinates=GeoPoint(lat=SPANDAU[0], lon=SPANDAU[1]))
    make_appointment(staff=world["staff"], customer=there, activity_type=visit, start=utc(MONDAY, 14),
                     end=utc(MONDAY, 15), coordinates=GeoPoint(lat=CHARLOTTENBURG[0], lon=CHARLOTTENBURG[1]))
    slots = suggest(unit, visit, here)
    between, home_to_here = minutes(SPANDAU, CHARLOTTENBURG), minutes(BERLIN_MITTE, SPANDAU)
    assert 10 < between < home_to_here
    after = min((s for s in slots if s.start >= utc(MONDAY, 15)), key=lambda s: s.start)
    assert after.travel_before == between  # from the previous stop
    assert utc(MONDAY, 15) + timedelta(minutes=between) <= after.start
    assert after.start < utc(MONDAY, 15) + timedelta(minutes=between + 15)  # the first slot the trip allows
    before = max((s for s in slots if s.end <= utc(MONDAY, 14)), key=lambda s: s.start)
    assert before.start == utc(MONDAY, 12)  # the last one before the break
    assert before.travel_before == home_to_here and before.travel_after == between  # on to the next stop
    assert before.added_travel == home_to_here + between - minutes(BERLIN_MITTE, CHARLOTTENBURG)
    assert not [s for s in slots if utc(MONDAY, 14) - timedelta(minutes=between) < s.end <= utc(MONDAY, 14)]
    # the trip from the start location runs into the time before work: overtime, red, staff only
    first = min(slots, key=lambda s: s.start)
    assert first.start == utc(MONDAY, 9) and first.rating == "red"
    assert all(s.start >= utc(MONDAY, 9) + timedelta(minutes=home_to_here) for s in slots if s.rating != "red")
    customers = suggest(unit, visit, here, for_customer=True, now=datetime(2030, 1, 1))
    assert utc(MONDAY, 9) not in {s.start for s in customers}


def test_ratings_and_order(ctx, unit, world, make_customer, make_appointment):
    visit = _visit(unit)
    BookingSettings(business_unit=unit, green_max_minutes=10, orange_max_minutes=40).save()
    StaffSchedule(business_unit=unit, staff=world["staff"],
                  start_coordinates=GeoPoint(lat=BERLIN_MITTE[0], lon=BERLIN_MITTE[1])).save()
    near = make_customer(coordinates=GeoPoint(lat=BERLIN_MITTE[0] + 0.01, lon=BERLIN_MITTE[1]))
    make_appointment(staff=world["staff"], activity_type=visit, start=utc(MONDAY, 11), end=utc(MONDAY, 12),
                     coordinates=GeoPoint(lat=BERLIN_MITTE[0] + 0.012, lon=BERLIN_MITTE[1]))
    slots = suggest(unit, visit, near)
    keys = [s.sort_key() for s in slots]
    assert keys == sorted(keys)
    assert slots[0].rating == "green"
    # gaps filled: of the slots with the least detour, the best touches the 11:00 visit
    best = slots[0]
    assert best.touching == 1 and best.idle < 15
    assert best.end + timedelta(minutes=best.travel_after) > utc(MONDAY, 11) - timedelta(minutes=15) or \
        best.start - timedelta(minutes=best.travel_before) < utc(MONDAY, 12) + timedelta(minutes=15)
    assert [s for s in slots if s.added_travel == best.added_travel][-1].touching == 0
    farther = make_customer(coordinates=GeoPoint(lat=CHARLOTTENBURG[0], lon=CHARLOTTENBURG[1]))
    farther_slots = suggest(unit, visit, farther)
    assert {s.rating for s in farther_slots} == {"orange", "red"}  # a detour; red: with overtime
    for_customer = suggest(unit, visit, farther, for_customer=True)
    assert for_customer and all(s.rating == "orange" for s in for_customer)
    assert len(for_customer) < len(farther_slots)
    far = make_customer(coordinates=GeoPoint(lat=POTSDAM[0], lon=POTSDAM[1]))
    assert {s.rating for s in suggest(unit, visit, far)} == {"red"}  # long travel: staff only
    assert suggest(unit, visit, far, for_customer=True) == []


def test_unknown_places_use_the_default_travel_time(ctx, unit, world, make_customer):
    visit = _visit(unit)
    BookingSettings(business_unit=unit, default_travel_minutes=25).save()
    nowhere = make_customer(address=Address(street="Irgendwo 1", postal_code="00000", city="Atlantis"))
    slots = suggest(unit, visit, nowhere)
    assert {s.travel_before for s in slots} == {25}


def test_customer_coordinates_from_the_offline_table(ctx, unit, make_customer):
    customer = make_customer(address=Address(street="Marienplatz 1", postal_code="80331", city="München"))
    point = geo.customer_point(customer)
    assert point.source == "postal_code" and abs(point.lat - 48.137) < 0.05 and abs(point.lon - 11.575) < 0.05
    customer.reload()
    assert customer.coordinates.source == "postal_code"  # stored with its source
    by_city = make_customer(address=Address(street="Domplatz 1", postal_code="", city="Köln"))
    assert geo.customer_point(by_city).source == "city"
    manual = make_customer(address=Address(postal_code="80331", city="München"),
                           coordinates=GeoPoint(lat=50.0, lon=8.0, source="manual"))
    assert geo.customer_point(manual).pair == (50.0, 8.0)  # set by hand: never overwritten
    assert geo.from_table("99999", "Atlantis") is None
    km = geo.km_between((52.52, 13.405), (48.137, 11.575))
    assert 500 < km < 510  # Berlin to München as the crow flies


def test_performers_and_other_units(ctx, unit, world, make_user, make_unit):
    bert = make_user("staff", name="Bert")
    make_user("designer", name="Dora")
    other_unit = make_unit()
    make_user("staff", name="Fremd", business_unit=other_unit)
    assert {s.staff_name for s in suggest(unit, world["kind"], world["customer"])} == {"Anna", "Bert"}
    world["kind"].performers = [bert]
    world["kind"].save()
    assert {s.staff_name for s in suggest(unit, world["kind"], world["customer"])} == {"Bert"}


def test_tokens(ctx, unit, world, make_unit):
    slot = suggest(unit, world["kind"], world["customer"])[0]
    member, start = planning.parse_slot(unit, world["kind"], slot.token)
    assert member.pk == world["staff"].pk and start == slot.start
    other_kind = ActivityType(business_unit=unit, name="Anderes", duration_minutes=30).save()
    tampered = slot.token[:-2] + ("AA" if not slot.token.endswith("AA") else "BB")
    for unit_, kind, token in ((unit, world["kind"], tampered), (unit, other_kind, slot.token),
                               (make_unit(), world["kind"], slot.token), (unit, world["kind"], ""),
                               (unit, world["kind"], "x" * 5000)):
        with pytest.raises(InvalidInput):
            planning.parse_slot(unit_, kind, token)


def test_ranked_list_is_quick_enough_for_a_busy_team(ctx, unit, make_user, make_customer):
    """20 staff members over 14 days answer in well under a second on mongomock (the bench measures more)."""
    import time

    kind = ActivityType(business_unit=unit, name="Schnitt", duration_minutes=45).save()
    customer = make_customer()
    for n in range(20):
        member = make_user("staff", name=f"S{n:02d}")
        Appointment.objects.insert([Appointment(business_unit=unit, customer=customer, staff=member, activity_type=kind,
                                                start=utc(MONDAY + timedelta(days=d), 10),
                                                end=utc(MONDAY + timedelta(days=d), 11)) for d in range(14)])
    began = time.perf_counter()
    slots = suggest(unit, kind, customer, days=14)
    assert slots and time.perf_counter() - began < 3


def test_the_units_address_is_where_the_day_starts(ctx, unit, world, make_customer):
    """Without a stored business location the unit's one-line address is looked up in the table."""
    assert geo.parse_address("Schloßallee 1, 10115 Berlin").postal_code == "10115"
    assert geo.parse_address("Schloßallee 1, 10115 Berlin").street == "Schloßallee 1"
    assert geo.parse_address("irgendwo") is None
    unit.settings.address = "Schloßallee 1, 10115 Berlin"
    unit.save()
    visit = _visit(unit)
    neighbour = make_customer(address=Address(street="Invalidenstraße 3", postal_code="10115", city="Berlin"))
    slots = suggest(unit, visit, neighbour)
    assert {(s.travel_before, s.travel_after, s.rating) for s in slots} == {(0, 0, "green")}
    munich = make_customer(address=Address(street="Marienplatz 1", postal_code="80331", city="München"))
    assert {s.rating for s in suggest(unit, visit, munich)} == {"red"}


def test_the_geocoder_is_asked_only_when_configured(app, ctx, unit, make_customer, monkeypatch):
    """A configured Nominatim server answers first (geopy, replaced here: tests never leave the machine);
    without one, or when it fails, the offline table does."""
    import geopy.geocoders

    asked = []

    class FakeNominatim:
        def __init__(self, **kw):
            asked.append(kw)

        def geocode(self, text, exactly_one=True):
            asked.append(text)
            return type("Found", (), {"latitude": 48.1, "longitude": 11.5})()

    monkeypatch.setattr(geopy.geocoders, "Nominatim", FakeNominatim)
    address = Address(street="Marienplatz 1", postal_code="80331", city="München")
    assert geo.locate(address).source == "postal_code" and asked == []  # off by default
    app.config["GEOCODER_URL"] = "https://nominatim.example.org/search"
    point = geo.locate(address)
    assert point.source == "geocoder" and point.pair == (48.1, 11.5)
    assert asked[0]["domain"] == "nominatim.example.org" and asked[0]["scheme"] == "https"
    assert "80331" in asked[1]
    assert geo.locate(address, geocoder=False).source == "postal_code"

    class Failing(FakeNominatim):
        def geocode(self, text, exactly_one=True):
            from geopy.exc import GeocoderUnavailable

            raise GeocoderUnavailable("down")

    monkeypatch.setattr(geopy.geocoders, "Nominatim", Failing)
    assert geo.locate(address).source == "postal_code"


# --- the ranking, pinned ----------------------------------------------------------------------------
def _ranking_world(unit, world, make_user, make_customer, make_appointment):
    """Two staff members (Anna from Mitte with a lunch break, Bert from Spandau), home visits of 45
    minutes with 5 minutes buffer before and 10 after, appointments in Charlottenburg, Mitte and at the
    business, a customer near Mitte."""
    visit = _visit(unit, buffer_before_minutes=5, buffer_after_minutes=10)
    visit.duration_minutes = 45
    visit.save()
    at_business = ActivityType(business_unit=unit, name="Beratung", duration_minutes=30, buffer_after_minutes=15).save()
    bert = make_user("staff", name="Bert")
    BookingSettings(business_unit=unit, green_max_minutes=10, orange_max_minutes=30, slot_interval_minutes=15,
                    coordinates=GeoPoint(lat=BERLIN_MITTE[0], lon=BERLIN_MITTE[1])).save()
    lunch = [TimeInterval(weekday=0, start=8 * 60, end=12 * 60), TimeInterval(weekday=0, start=13 * 60, end=18 * 60)]
    StaffSchedule(business_unit=unit, staff=world["staff"], hours=lunch,
                  start_coordinates=GeoPoint(lat=BERLIN_MITTE[0], lon=BERLIN_MITTE[1])).save()
    StaffSchedule(business_unit=unit, staff=bert, hours=[TimeInterval(weekday=0, start=8 * 60, end=18 * 60)],
                  start_coordinates=GeoPoint(lat=SPANDAU[0], lon=SPANDAU[1])).save()
    for member, kind, hour, minute, place in (
            (world["staff"], visit, 9, 0, CHARLOTTENBURG), (world["staff"], visit, 10, 30, BERLIN_MITTE),
            (world["staff"], at_business, 14, 0, None), (bert, visit, 10, 0, SPANDAU),
            (bert, visit, 12, 15, CHARLOTTENBURG), (bert, visit, 13, 45, (52.53, 13.38))):
        start = utc(MONDAY, hour, minute)
        make_appointment(staff=member, activity_type=kind, start=start,
                         end=start + timedelta(minutes=kind.duration_minutes),
                         coordinates=GeoPoint(lat=place[0], lon=place[1]) if place else None)
    near = make_customer(coordinates=GeoPoint(lat=BERLIN_MITTE[0] + 0.01, lon=BERLIN_MITTE[1] - 0.02))
    return visit, near


#: recorded from the planner before its interval arithmetic moved to integers (staff, local start, travel
#: before, travel after, added travel, rating, touching, idle)
PINNED_TOP = [
    ('Bert', '15:00', 1, 34, 2, 'green', 1, 14),
    ('Bert', '15:15', 1, 34, 2, 'green', 0, 29),
    ('Bert', '15:30', 1, 34, 2, 'green', 0, 44),
    ('Bert', '15:45', 1, 34, 2, 'green', 0, 59),
    ('Bert', '16:00', 1, 34, 2, 'green', 0, 74),
    ('Bert', '16:15', 1, 34, 2, 'green', 0, 89),
    ('Bert', '16:30', 1, 34, 2, 'green', 0, 104),
    ('Bert', '16:45', 1, 34, 2, 'red', 0, 119),
    ('Bert', '17:00', 1, 34, 2, 'red', 0, 134),
    ('Bert', '17:15', 1, 34, 2, 'red', 0, 149),
    ('Anna', '15:00', 5, 5, 10, 'green', 1, 5),
    ('Anna', '13:00', 5, 5, 10, 'green', 1, 85),
]
PINNED_COUNT = 23
PINNED_RATINGS = {'green': 17, 'orange': 0, 'red': 6}


def _rows(slots):
    return [(s.staff_name, f"{local(s.start):%H:%M}", s.travel_before, s.travel_after, s.added_travel, s.rating,
             s.touching, s.idle) for s in slots]


def test_the_ranking_is_pinned(ctx, unit, world, make_user, make_customer, make_appointment):
    """The whole ranked list of a small, busy day: order, travel, rating and gap filling (recorded from
    the planner before its interval arithmetic moved to integers; any change here changes what people see)."""
    visit, near = _ranking_world(unit, world, make_user, make_customer, make_appointment)
    slots = suggest(unit, visit, near)
    assert _rows(slots[:12]) == PINNED_TOP
    assert len(slots) == PINNED_COUNT
    assert {rating: sum(s.rating == rating for s in slots) for rating in ("green", "orange", "red")} == PINNED_RATINGS
    assert [s.sort_key() for s in slots] == sorted(s.sort_key() for s in slots)
    customers = suggest(unit, visit, near, for_customer=True)
    assert _rows(customers) == [row for row in _rows(slots) if row[5] != "red"]
    assert _rows(suggest(unit, visit, near, limit=5)) == _rows(slots[:5])
