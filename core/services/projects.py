"""Projects ("Aufträge") of customers, and the work times staff book on them (portal, issue 5)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from mongoengine import ValidationError as MEValidationError

from core.errors import InvalidInput, NotFound
from core.models import Appointment, Customer, Project, TimeEntry
from core.models._base import N_, utcnow
from core.services.audit import Actor, erase_object, record


def create_project(actor: Actor, customer: Customer, name: str, description: str = "") -> Project:
    if actor.business_unit_id and str(customer.business_unit.pk) != actor.business_unit_id:
        raise NotFound(_l("Not found."))
    project = Project(business_unit=customer.business_unit, customer=customer, name=(name or "").strip(),
                      description=description or "")
    try:
        project.save()
    except MEValidationError as exc:
        raise InvalidInput(_l("Please give the project a name."), {"name": "required"}) from exc
    record(actor, "create", object_type="projects", object_id=project.pk, summary=project.name,
           business_unit=customer.business_unit, customer=customer)
    return project


def visible_projects(customer: Customer, project: Project | None = None) -> list[Project]:
    """What a viewer may see: all of the customer's projects, or only the one an account is bound to."""
    query = Project.objects(customer=customer, status__ne="archived")
    if project is not None:
        query = query.filter(pk=project.pk)
    return list(query.order_by("-created_at").limit(200))


def project_for(customer: Customer, project_id: str, bound: Project | None = None) -> Project:
    """The customer's project ``project_id`` (NotFound for anyone else's, or another than ``bound``)."""
    project = Project.objects.get_or_none(pk=project_id, customer=customer, status__ne="archived")
    if project is None or (bound is not None and bound.pk != project.pk):
        raise NotFound(_l("Not found."))
    return project


def book_time(actor: Actor, project: Project, *, day: date, minutes: int, description: str = "",
              staff_name: str = "") -> TimeEntry:
    entry = TimeEntry(business_unit=project.business_unit, project=project, day=day, minutes=minutes,
                      description=description, staff_name=staff_name or actor.label[:200])
    try:
        entry.save()
    except MEValidationError as exc:
        raise InvalidInput(_l("Please check the date and the minutes."),
                           {k: str(v) for k, v in exc.to_dict().items()}) from exc
    record(actor, "create", object_type="time_entries", object_id=entry.pk,
           summary=N_("%(minutes)s min on %(project)s"),
           summary_params={"minutes": minutes, "project": project.name},
           business_unit=project.business_unit, customer=project)
    return entry


def time_entries(project: Project, limit: int = 200) -> list[TimeEntry]:
    return list(TimeEntry.objects(project=project).order_by("-day").limit(limit))


def upcoming_appointments(customer: Customer, project: Project | None = None, limit: int = 50) -> list[Appointment]:
    """Planned visits of the customer; of one project only for accounts bound to that project."""
    query = Appointment.objects(customer=customer, start__gte=utcnow(), status__in=["planned", "running"])
    if project is not None:
        query = query.filter(project=project)
    return list(query.order_by("start").limit(limit))


def delete_customer_projects(customer: Customer) -> int:
    """Deletion service hook: time entries and projects (and the audit events about them)."""
    ids = [str(pk) for pk in Project.objects(customer=customer).scalar("pk")]
    erase_object("projects", ids)
    erase_object("time_entries", [str(pk) for pk in TimeEntry.objects(customer=customer).scalar("pk")])
    return TimeEntry.objects(customer=customer).delete() + Project.objects(customer=customer).delete()
