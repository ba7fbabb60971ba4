"""Coordinates of addresses and travel times between them, for the planning assistant.

Where a place is: a postal code first, then the city, from the offline table in core/data/geo/ (built by
scripts/build-geo-table from GeoNames' places and OpenStreetMap's postal codes; licences beside it), or,
when ``GEOCODER_URL`` names a Nominatim server, from that server (geopy; off by default, never in tests).
Staff can set coordinates by hand (source "manual"), which nothing derived overwrites.

Travel minutes = great-circle kilometres x the unit's road factor / its average speed; where a place is
not known, the unit's default travel time.
"""

from __future__ import annotations

import functools
import gzip
import math
import re
import unicodedata
from pathlib import Path

from flask import current_app

from core.models.customer import Address
from core.models.geo import GeoPoint

DATA = Path(__file__).resolve().parent.parent / "data" / "geo"
EARTH_RADIUS_KM = 6371.0088
#: where a derived point came from ("manual" is set by staff)
SOURCES = ("postal_code", "city", "geocoder", "manual")


def place_key(name: str) -> str:
    """A city name folded for look-ups: "Frankfurt am Main" and "frankfurt a. main" differ, but case,
    accents, "ß" and spacing do not matter."""
    folded = unicodedata.normalize("NFKD", (name or "").casefold().replace("ß", "ss"))
    text = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return " ".join(text.replace("-", " ").split())


@functools.cache
def _postal_codes() -> dict[str, tuple[float, float]]:
    return {row[0]: (float(row[1]), float(row[2])) for row in _rows("de_postal_codes.tsv.gz")}


@functools.cache
def _places() -> dict[str, tuple[float, float]]:
    """Folded name → coordinates of the most populous place of that name."""
    best: dict[str, tuple[float, float, int]] = {}
    for name, lat, lon, population in _rows("de_places.tsv.gz"):
        key = place_key(name)
        if key not in best or int(population) > best[key][2]:
            best[key] = (float(lat), float(lon), int(population))
    return {key: (lat, lon) for key, (lat, lon, _pop) in best.items()}


def _rows(name: str):
    with gzip.open(DATA / name, "rt", encoding="utf-8") as table:
        next(table)  # header
        for line in table:
            yield line.rstrip("\n").split("\t")


def address_text(address) -> str:
    """What a derived point remembers it was computed from: a changed address derives it again."""
    if address is None:
        return ""
    parts = (getattr(address, "street", None), getattr(address, "postal_code", None), getattr(address, "city", None),
             getattr(address, "country", None))
    return ", ".join((p or "").strip() for p in parts)


def parse_address(text: str | None) -> Address | None:
    """An address written on one line ("Schloßallee 1, 10115 Berlin", the unit's settings) as an Address:
    the five-digit postal code and the city after it; None when it has none."""
    found = re.search(r"\b(\d{5})\s+([^,\n]+)", text or "")
    if found is None:
        return None
    street = (text or "")[:found.start()].strip(" ,")
    return Address(street=street[:200] or None, postal_code=found.group(1), city=found.group(2).strip()[:100])


def from_table(postal_code: str | None, city: str | None, country: str | None = "DE") -> GeoPoint | None:
    """The offline table's point for a German postal code, else for the city; None when neither is known."""
    if (country or "DE") != "DE":
        return None
    code = (postal_code or "").strip()
    if code in _postal_codes():
        lat, lon = _postal_codes()[code]
        return GeoPoint(lat=lat, lon=lon, source="postal_code")
    key = place_key(city or "")
    if key and key in _places():
        lat, lon = _places()[key]
        return GeoPoint(lat=lat, lon=lon, source="city")
    return None


def from_geocoder(text: str) -> GeoPoint | None:
    """The configured Nominatim server's answer for ``text`` (None when none is configured or it fails)."""
    url = current_app.config.get("GEOCODER_URL") or ""
    if not url or not text.strip(", "):
        return None
    from urllib.parse import urlsplit

    from geopy.exc import GeopyError
    from geopy.geocoders import Nominatim

    parts = urlsplit(url)
    base = parts.path.rstrip("/").removesuffix("/search")  # geopy appends the /search endpoint itself
    geocoder = Nominatim(domain=parts.netloc + base, scheme=parts.scheme or "https",
                         user_agent=current_app.config.get("GEOCODER_USER_AGENT") or "frontdesk", timeout=5)
    try:
        found = geocoder.geocode(text, exactly_one=True)
    except GeopyError:
        current_app.logger.warning("geocoder failed for an address")
        return None
    return GeoPoint(lat=found.latitude, lon=found.longitude, source="geocoder") if found else None


def locate(address, *, geocoder: bool = True) -> GeoPoint | None:
    """Coordinates for an address (a ``core.models.Address`` or anything with its fields): the geocoder when
    configured (and ``geocoder``), else (or when it knows nothing) the offline table. Callers that would ask
    on every request pass ``geocoder=False``: only looked-up points that are stored ask the server."""
    if address is None:
        return None
    text = address_text(address)
    point = (from_geocoder(text) if geocoder else None) or from_table(address.postal_code, address.city,
                                                                      address.country)
    if point is not None:
        point.query = text
    return point


def customer_point(customer) -> GeoPoint | None:
    """The customer's coordinates: set by hand, or derived from the current address (derived again, and
    stored with their source, when the address changed since)."""
    stored = customer.coordinates
    if stored is not None and (stored.source == "manual" or stored.query == address_text(customer.address)):
        return stored
    point = locate(customer.address)
    if point is None and stored is None:
        return None
    customer.coordinates = point
    type(customer).objects(pk=customer.pk).update_one(
        **({"set__coordinates": point} if point is not None else {"unset__coordinates": True}))
    return point


def km_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def travel_minutes(a: tuple[float, float] | None, b: tuple[float, float] | None, *, road_factor: float,
                   speed_kmh: float, default_minutes: int) -> int:
    """Minutes from ``a`` to ``b`` (whole minutes, rounded up); ``default_minutes`` where one is unknown."""
    if a is None or b is None:
        return default_minutes
    return math.ceil(km_between(a, b) * road_factor / speed_kmh * 60 - 1e-9)
