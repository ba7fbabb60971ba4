"""Domain models, one module per noun. Indexes live in each model's ``meta``."""

from core.models.activity_type import ActivityType
from core.models.appointment import Appointment
from core.models.audit_event import AuditEvent
from core.models.bonus import BonusCard, BonusProgramme, PointsEntry, Voucher
from core.models.business_unit import BusinessUnit, UnitSettings
from core.models.call_note import CallNote
from core.models.customer import Address, Customer
from core.models.device import Device
from core.models.dialog import Dialog
from core.models.dialog_lock import TaskLock
from core.models.document import Document
from core.models.document_request import DocumentRequest
from core.models.kiosk_run import KioskRun
from core.models.message import Message
from core.models.outbox_message import OutboxMessage
from core.models.portal_account import (
    PortalAccount,
    PortalLoginCode,
    PortalSession,
    PortalSettings,
    PortalTask,
)
from core.models.portal_action import PortalAction, PortalActionRecord
from core.models.project import Project
from core.models.questionnaire import Questionnaire, QuestionnaireVersion
from core.models.referral import Referral
from core.models.reminder import ReminderDelivery, ReminderPolicy
from core.models.report import Report
from core.models.sale import Sale
from core.models.schedule import BookingSettings, StaffSchedule
from core.models.slot_claim import SlotClaim
from core.models.staff_user import StaffUser
from core.models.submission import Consent, Submission
from core.models.time_entry import TimeEntry
from core.models.waitlist import WaitlistEntry

ALL_MODELS = [BusinessUnit, StaffUser, Customer, ActivityType, Appointment, AuditEvent, OutboxMessage,
              Questionnaire, QuestionnaireVersion, Submission,
              Device, KioskRun,
              Dialog, TaskLock, Report]
ALL_MODELS += [Project, PortalAccount, PortalLoginCode, PortalSession, PortalSettings, PortalTask,
               Message, Document, TimeEntry]
ALL_MODELS += [DocumentRequest, CallNote]
ALL_MODELS += [PortalAction, PortalActionRecord, WaitlistEntry]
ALL_MODELS += [StaffSchedule, BookingSettings, SlotClaim]
ALL_MODELS += [ReminderPolicy, ReminderDelivery]
ALL_MODELS += [Sale, BonusProgramme, BonusCard, PointsEntry, Voucher, Referral]

__all__ = [
    "ALL_MODELS",
    "ActivityType",
    "Address",
    "Appointment",
    "AuditEvent",
    "BonusCard",
    "BonusProgramme",
    "BookingSettings",
    "BusinessUnit",
    "CallNote",
    "Consent",
    "Customer",
    "Device",
    "Dialog",
    "Document",
    "DocumentRequest",
    "KioskRun",
    "Message",
    "OutboxMessage",
    "PointsEntry",
    "PortalAccount",
    "PortalAction",
    "PortalActionRecord",
    "PortalLoginCode",
    "PortalSession",
    "PortalSettings",
    "PortalTask",
    "Project",
    "Questionnaire",
    "QuestionnaireVersion",
    "Referral",
    "ReminderDelivery",
    "ReminderPolicy",
    "Report",
    "Sale",
    "SlotClaim",
    "StaffSchedule",
    "StaffUser",
    "Submission",
    "TaskLock",
    "TimeEntry",
    "UnitSettings",
    "Voucher",
    "WaitlistEntry",
]
