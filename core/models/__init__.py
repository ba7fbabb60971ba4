"""Domain models, one module per noun. Indexes live in each model's ``meta``."""

from core.models.activity_type import ActivityType
from core.models.appointment import Appointment
from core.models.audit_event import AuditEvent
from core.models.business_unit import BusinessUnit, UnitSettings
from core.models.customer import Address, Customer
from core.models.device import Device  # kiosk (issue 4)
from core.models.dialog import Dialog  # dialogs (issue 6)
from core.models.dialog_lock import TaskLock  # dialogs (issue 6)
from core.models.document import Document  # portal (issue 5)
from core.models.kiosk_run import KioskRun  # kiosk (issue 4)
from core.models.message import Message  # portal (issue 5)
from core.models.outbox_message import OutboxMessage
from core.models.portal_account import (  # portal (issue 5)
    PortalAccount,
    PortalLoginCode,
    PortalSession,
    PortalSettings,
    PortalTask,
)
from core.models.project import Project  # portal (issue 5)
from core.models.questionnaire import Questionnaire, QuestionnaireVersion
from core.models.report import Report  # dialogs (issue 6)
from core.models.staff_user import StaffUser
from core.models.submission import Consent, Submission
from core.models.time_entry import TimeEntry  # portal (issue 5)

ALL_MODELS = [BusinessUnit, StaffUser, Customer, ActivityType, Appointment, AuditEvent, OutboxMessage,
              Questionnaire, QuestionnaireVersion, Submission,
              Device, KioskRun,  # kiosk (issue 4)
              Dialog, TaskLock, Report]  # dialogs (issue 6)
ALL_MODELS += [Project, PortalAccount, PortalLoginCode, PortalSession, PortalSettings, PortalTask,  # portal (issue 5)
               Message, Document, TimeEntry]

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
    "Dialog",  # dialogs (issue 6)
    "Document",
    "KioskRun",
    "Message",
    "OutboxMessage",
    "PortalAccount",
    "PortalLoginCode",
    "PortalSession",
    "PortalSettings",
    "PortalTask",
    "Project",
    "Questionnaire",
    "QuestionnaireVersion",
    "Report",  # dialogs (issue 6)
    "StaffUser",
    "Submission",
    "TaskLock",  # dialogs (issue 6)
    "TimeEntry",
    "UnitSettings",
]
