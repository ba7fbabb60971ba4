"""Demo data: one business unit, three staff accounts, 60 customers, this week's appointments.

``load_demo()`` is idempotent: running it again adds nothing that is already there.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.models import ActivityType, Address, Appointment, BusinessUnit, Customer, StaffUser, UnitSettings
from core.passwords import hash_password
from core.services.audit import Actor, record

UNIT_SLUG = "demo"
#: printed by ``make run``; demo only — change or remove these accounts in production
DEMO_LOGINS = (
    ("inhaberin@example.com", "Olivia Sommer", "owner", "Sonnenschein-Inhaberin-2026"),
    ("mitarbeiter@example.com", "Jörg Weiß", "staff", "Sonnenschein-Team-2026!"),
    ("designerin@example.com", "Bärbel Groß", "designer", "Sonnenschein-Formulare-2026"),
)

FIRST_NAMES = ["Jürgen", "Björn", "Jörg", "Günther", "Sören", "Ömer", "Lukas", "Maximilian", "Felix", "Paul",
               "Jonas", "Leon", "Moritz", "Tobias", "Stefan", "Andreas", "Käthe", "Bärbel", "Jülide", "Sophie",
               "Marie", "Lena", "Anna", "Hannah", "Lea", "Mia", "Emma", "Charlotte", "Luise", "Frieda"]
LAST_NAMES = ["Müller", "Schäfer", "Weiß", "Groß", "Köhler", "Möller", "Schröder", "Krüger", "Bäcker", "Jäger",
              "Hoffmann", "Schmitz", "Wagner", "Becker", "Schulz", "Zimmermann", "Braun", "Krause", "Lehmann",
              "Fuß", "Strauß", "Böhm", "Günther", "Meißner", "Schütz", "Vogt", "Lorenz", "Kühn", "Sauer", "Pöhl"]
STREETS = ["Hauptstraße", "Bahnhofstraße", "Gartenweg", "Schloßallee", "Mühlenweg", "Kirchplatz",
           "Lindenstraße", "Rosenstraße", "Am Bürgerpark", "Königstraße"]
CITIES = [("10115", "Berlin"), ("80331", "München"), ("50667", "Köln"), ("20095", "Hamburg"),
          ("04109", "Leipzig"), ("90402", "Nürnberg"), ("01067", "Dresden"), ("79098", "Freiburg im Breisgau")]
ACTIVITIES = [("Haarschnitt", 45, "#3c78d8"), ("Färben", 90, "#a64d79"), ("Beratung", 30, "#6aa84f"),
              ("Hausbesuch", 60, "#e69138")]
#: price and where it happens (the planning assistant counts travel for visits at the customer's)
ACTIVITY_DETAILS = {"Haarschnitt": ("39.00", "business"), "Färben": ("79.00", "business"),
                    "Beratung": ("0.00", "business"), "Hausbesuch": ("59.00", "customer")}

TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def _email(first: str, last: str, n: int) -> str:
    return f"{first}.{last}.{n}".translate(TRANSLIT).lower().replace(" ", "") + "@example.com"


def load_demo(today: date | None = None) -> dict[str, int]:
    """Create the demo data where it is missing; returns counts of what was created."""
    created = {"business_units": 0, "staff_users": 0, "customers": 0, "activity_types": 0, "appointments": 0,
               "questionnaires": 0, "portal_actions": 0}
    actor = Actor.system("seed")
    unit = BusinessUnit.objects(slug=UNIT_SLUG).first()
    if unit is None:
        unit = BusinessUnit(name="Salon Sonnenschein", slug=UNIT_SLUG, timezone="Europe/Berlin", language="de",
                            features=["reminders"],
                            settings=UnitSettings(email="kontakt@example.com", phone="+49 30 1234567",
                                                  address="Schloßallee 1, 10115 Berlin",
                                                  imprint="Salon Sonnenschein GmbH · Schloßallee 1 · 10115 Berlin"))
        unit.save()
        record(actor, "create", object_type="business_units", object_id=unit.pk, summary="Demo unit",
               business_unit=unit)
        created["business_units"] += 1

    staff = []
    for email, name, role, password in DEMO_LOGINS:
        user = StaffUser.objects(email=email).first()
        if user is None:
            user = StaffUser(email=email, name=name, role=role, business_unit=unit,
                             password_hash=hash_password(password)).save()
            created["staff_users"] += 1
        staff.append(user)

    types = []
    for name, minutes, colour in ACTIVITIES:
        activity = ActivityType.objects(business_unit=unit, name=name).first()
        if activity is None:
            price, where = ACTIVITY_DETAILS[name]
            activity = ActivityType(business_unit=unit, name=name, duration_minutes=minutes, colour=colour,
                                    price=price, location_kind=where).save()
            created["activity_types"] += 1
        types.append(activity)

    rng = random.Random(2026)
    customers = []
    for n in range(60):
        # draw every random value first, so a second run sees the same sequence
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        postal, city = rng.choice(CITIES)
        fields = {
            "salutation": rng.choice(["ms", "mr", ""]), "first_name": first, "last_name": last,
            "email": _email(first, last, n), "phone": f"+49151{rng.randint(10_000_000, 99_999_999)}",
            "birthday": date(rng.randint(1940, 2005), rng.randint(1, 12), rng.randint(1, 28)),
            "address": Address(street=f"{rng.choice(STREETS)} {rng.randint(1, 120)}", postal_code=postal,
                               city=city, country="DE"),
            "tags": rng.sample(["Stammkunde", "Neukunde", "VIP", "Allergie"], k=rng.randint(0, 2)),
        }
        customer = Customer.objects(business_unit=unit, email=fields["email"]).first()
        if customer is None:
            customer = Customer(business_unit=unit, **fields).save()
            created["customers"] += 1
        customers.append(customer)

    from seed.questionnaires import load_samples

    created["questionnaires"] = load_samples(unit)
    created["portal_actions"] = _portal_actions(unit, types)

    today = today or datetime.now(ZoneInfo(unit.timezone)).date()
    monday = today - timedelta(days=today.weekday())
    week_start = datetime.combine(monday, time()).replace(tzinfo=ZoneInfo(unit.timezone)).astimezone(
        ZoneInfo("UTC")).replace(tzinfo=None)
    if not Appointment.objects(business_unit=unit, start__gte=week_start,
                               start__lt=week_start + timedelta(days=7)).count():
        working = [s for s in staff if s.role in ("owner", "staff")]
        for offset in range(6):
            day = monday + timedelta(days=offset)
            for member in working:
                minute = 9 * 60  # local minutes; each appointment starts after the previous one ended
                while minute < 17 * 60:
                    activity = rng.choice(types)
                    minute += rng.choice([0, 15, 30])
                    local = (datetime.combine(day, time()) + timedelta(minutes=minute)).replace(
                        tzinfo=ZoneInfo(unit.timezone))
                    start = local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
                    Appointment(business_unit=unit, customer=rng.choice(customers), staff=member,
                                activity_type=activity, start=start,
                                end=start + timedelta(minutes=activity.duration_minutes), timezone=unit.timezone,
                                status="done" if day < today else "planned",
                                location="Salon" if activity.name != "Hausbesuch" else "beim Kunden",
                                reminder_wanted=rng.random() < 0.5).save()
                    created["appointments"] += 1
                    minute += activity.duration_minutes + rng.choice([0, 15, 45, 60])
    from core.services.booking import claim_existing

    claim_existing()  # the demo's appointments hold their times, as bookings do
    return created


#: what customers may do in the portal with the demo's "Beratung" and "Hausbesuch" (once the owner switches
#: the portal on): book, move or cancel up to a day before, and the satisfaction survey for two weeks after
PORTAL_ACTIONS = (("book", "Termin buchen", {}), ("reschedule", "Termin verschieben", {"latest_hours_before": 24}),
                  ("cancel", "Termin absagen", {"latest_hours_before": 24}),
                  ("survey", "Wie zufrieden waren Sie?", {"days_after_done": 14, "once": True}))


def _portal_actions(unit: BusinessUnit, types: list[ActivityType]) -> int:
    from core.models import PortalAction, Questionnaire

    if PortalAction.objects(business_unit=unit).count():
        return 0
    survey = Questionnaire.objects(business_unit=unit, name="Zufriedenheitsumfrage").first()
    made = 0
    for activity in types:
        if activity.name not in ("Beratung", "Hausbesuch"):
            continue
        activity.update(set__portal_visible=True, set__portal_title=f"{activity.name} bei {{{{ unit.name }}}}")
        for position, (kind, label, conditions) in enumerate(PORTAL_ACTIONS):
            if kind == "survey" and survey is None:
                continue
            PortalAction(business_unit=unit, activity_type=activity, kind=kind, label=label, position=position,
                         questionnaire=survey if kind == "survey" else None, **conditions).save()
            made += 1
    return made
