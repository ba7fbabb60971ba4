"""A point on the map (WGS 84) and where it came from: the planning assistant's travel times use it."""

from __future__ import annotations

import mongoengine as me

#: postal_code / city: the offline table; geocoder: the configured server; manual: set by staff
GEO_SOURCES = ("postal_code", "city", "geocoder", "manual")


class GeoPoint(me.EmbeddedDocument):
    lat = me.FloatField(required=True, min_value=-90, max_value=90)
    lon = me.FloatField(required=True, min_value=-180, max_value=180)
    source = me.StringField(required=True, choices=GEO_SOURCES, default="manual")
    #: the address text a derived point was computed from (a changed address derives it again)
    query = me.StringField(max_length=600)

    @property
    def pair(self) -> tuple[float, float]:
        return (self.lat, self.lon)

    def __str__(self) -> str:
        return f"{self.lat:.5f}, {self.lon:.5f}"
