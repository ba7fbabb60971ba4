"""Extension points later features add to: customer-file sections and appointment options.

A surface registers entries at import time (no I/O); the customer file and the appointment
detail render whatever is registered and enabled for the business unit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class FileSection:
    key: str
    title: object  # lazy string
    template: str
    #: (customer) -> dict of template variables
    context: Callable
    feature: str | None = None
    order: int = 100


@dataclass(frozen=True)
class AppointmentOption:
    key: str
    label: object
    #: (appointment) -> URL
    url: Callable
    feature: str | None = None
    roles: tuple[str, ...] = ("owner", "staff")
    method: str = "get"


CUSTOMER_FILE_SECTIONS: dict[str, FileSection] = {}
APPOINTMENT_OPTIONS: dict[str, AppointmentOption] = {}


def add_file_section(section: FileSection) -> None:
    CUSTOMER_FILE_SECTIONS[section.key] = section


def add_appointment_option(option: AppointmentOption) -> None:
    APPOINTMENT_OPTIONS[option.key] = option


def sections_for(unit) -> list[FileSection]:
    items = [s for s in CUSTOMER_FILE_SECTIONS.values() if not s.feature or unit.has_feature(s.feature)]
    return sorted(items, key=lambda s: s.order)


def options_for(unit, user) -> list[AppointmentOption]:
    return [o for o in APPOINTMENT_OPTIONS.values()
            if (not o.feature or unit.has_feature(o.feature)) and user.role in o.roles]
