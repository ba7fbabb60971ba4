"""Domain models, one module per noun. Indexes live in each model's ``meta``."""

from core.models.activity_type import ActivityType
from core.models.appointment import Appointment
from core.models.audit_event import AuditEvent
from core.models.business_unit import BusinessUnit, UnitSettings
from core.models.customer import Address, Customer
from core.models.device import Device  # kiosk (issue 4)
from core.models.kiosk_run import KioskRun  # kiosk (issue 4)
from core.models.outbox_message import OutboxMessage
from core.models.questionnaire import Questionnaire, QuestionnaireVersion
from core.models.staff_user import StaffUser
from core.models.submission import Consent, Submission

ALL_MODELS = [BusinessUnit, StaffUser, Customer, ActivityType, Appointment, AuditEvent, OutboxMessage,
              Questionnaire, QuestionnaireVersion, Submission,
              Device, KioskRun]  # kiosk (issue 4)

__all__ = [
    "ALL_MODELS",
    "ActivityType",
    "Address",
    "Appointment",
    "AuditEvent",
    "BusinessUnit",
    "Consent",
    "Customer",
    "Device",
    "KioskRun",
    "OutboxMessage",
    "Questionnaire",
    "QuestionnaireVersion",
    "StaffUser",
    "Submission",
    "UnitSettings",
]
