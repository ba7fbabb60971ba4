"""The staff and designer surface: Flask-Admin views, the login, the calendar, settings."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from admin import auth
from admin.forms import format_local, to_local
from admin.views.appointments import ActivityTypeView, AppointmentView
from admin.views.bonus import BonusSettingsView, BonusView, ReferralListView
from admin.views.calendar import CalendarView
from admin.views.customer_file import (
    CallsAdminView,
    CallSettingsView,
    DocumentsAdminView,
    DocumentSettingsView,
    call_link,
)
from admin.views.customers import CustomerView
from admin.views.dashboard import DashboardView
from admin.views.devices import DevicesView, KioskView
from admin.views.dialogs import DialogView, ScoringView
from admin.views.planning import PlanningView
from admin.views.portal import PortalAdminView
from admin.views.portal_actions import PortalActionsView, WaitlistView
from admin.views.questionnaires import QuestionnaireView
from admin.views.records import AuditView, OutboxView
from admin.views.reminders import ReminderMessagesView, ReminderOverviewView, ReminderSettingsView
from admin.views.schedules import ScheduleView
from admin.views.settings import FeaturesView, SettingsView
from admin.views.staff import StaffUserView
from core.models import (
    ActivityType,
    Appointment,
    AuditEvent,
    Customer,
    OutboxMessage,
    Questionnaire,
    Referral,
    ReminderDelivery,
    StaffUser,
)
from core.security import csp_nonce


def init_app(app: Flask) -> Admin:
    """Create the Admin for this app (never at import time: tests build many apps)."""
    # Our templates first, so they override Flask-Admin's (row actions without inline JS).
    app.register_blueprint(Blueprint("fd_admin", __name__, template_folder="templates", static_folder="static",
                                     static_url_path="/admin-static"))
    app.register_blueprint(auth.bp)
    app.jinja_env.filters["localdatetime"] = _localdatetime
    app.jinja_env.globals["call_link"] = call_link

    admin = Admin(
        app, name="Frontdesk", url="/admin",
        theme=Bootstrap4Theme(base_template="admin/master.html", fluid=True),
        index_view=DashboardView(name=_l("Home"), url="/admin"),
        csp_nonce_generator=csp_nonce,
    )
    admin.add_view(CalendarView(name=_l("Calendar"), endpoint="calendar", url="/admin/calendar"))
    admin.add_view(PlanningView(name=_l("Suggest appointment"), endpoint="planning", url="/admin/planning"))
    admin.add_view(CustomerView(Customer, name=_l("Customers"), endpoint="customer"))
    admin.add_view(AppointmentView(Appointment, name=_l("Appointments"), endpoint="appointment"))
    admin.add_view(QuestionnaireView(Questionnaire, name=_l("Questionnaires"), endpoint="questionnaire"))
    # reminders: the overview, the tracked messages, the settings (owners)
    admin.add_view(ReminderOverviewView(name=_l("Reminder overview"), endpoint="reminder_overview",
                                        url="/admin/reminders/overview", category=_l("Reminders")))
    admin.add_view(ReminderMessagesView(ReminderDelivery, name=_l("Messages"), endpoint="reminders",
                                        url="/admin/reminders", category=_l("Reminders")))
    admin.add_view(ReminderSettingsView(name=_l("Reminder settings"), endpoint="reminder_settings",
                                        url="/admin/reminders/settings", category=_l("Reminders")))
    admin.add_view(OutboxView(OutboxMessage, name=_l("Outbox"), endpoint="outbox", category=_l("Records")))
    admin.add_view(AuditView(AuditEvent, name=_l("Audit log"), endpoint="audit", category=_l("Records")))
    admin.add_view(SettingsView(name=_l("General"), endpoint="settings", url="/admin/settings",
                                category=_l("Settings")))
    admin.add_view(FeaturesView(name=_l("Add function"), endpoint="features", url="/admin/settings/features",
                                category=_l("Settings")))
    admin.add_view(ActivityTypeView(ActivityType, name=_l("Activity types"), endpoint="activitytype",
                                    category=_l("Settings")))
    admin.add_view(StaffUserView(StaffUser, name=_l("Staff accounts"), endpoint="staffuser",
                                 category=_l("Settings")))
    admin.add_view(ScheduleView(name=_l("Team schedules"), endpoint="schedules", url="/admin/schedules",
                                category=_l("Settings")))
    # kiosk: Settings > Devices (owners) and the start/run pages (owners and staff, not in the menu)
    admin.add_view(DevicesView(name=_l("Devices"), endpoint="devices", url="/admin/devices", category=_l("Settings")))
    admin.add_view(KioskView(name=_l("Tablet questionnaires"), endpoint="kiosk_admin", url="/admin/kiosk"))
    # dialogs: dialogs, dashboard and reports from the customer file; designers' scoring models
    admin.add_view(DialogView(name=_l("Dialogs"), endpoint="dialogs_admin", url="/admin/dialogs"))
    admin.add_view(ScoringView(name=_l("Scoring model"), endpoint="scoring", url="/admin/scoring"))
    # portal: accounts, projects, messages, documents, welcome text
    admin.add_view(PortalAdminView(name=_l("Customer portal"), endpoint="portal_admin", url="/admin/portal"))
    # customer file: documents (with Settings > Documents) and call links (with Settings > Call link)
    admin.add_view(DocumentsAdminView(name=_l("Documents"), endpoint="documents_admin", url="/admin/documents"))
    admin.add_view(DocumentSettingsView(name=_l("Documents"), endpoint="document_settings",
                                        url="/admin/settings/documents", category=_l("Settings")))
    admin.add_view(CallsAdminView(name=_l("Calls"), endpoint="calls_admin", url="/admin/calls"))
    admin.add_view(CallSettingsView(name=_l("Call link"), endpoint="call_settings", url="/admin/settings/call-link",
                                    category=_l("Settings")))
    admin.add_view(PortalActionsView(name=_l("Customer portal actions"), endpoint="portal_actions",
                                     url="/admin/portal-actions", category=_l("Settings")))
    admin.add_view(WaitlistView(name=_l("Waitlist"), endpoint="waitlist_admin", url="/admin/waitlist"))
    # revenue and bonus cards, referral bonus: the customer-file section posts here; settings; referrals
    admin.add_view(BonusView(name=_l("Bonus card"), endpoint="bonus_admin", url="/admin/bonus"))
    admin.add_view(BonusSettingsView(name=_l("Bonus programme"), endpoint="bonus_settings", url="/admin/settings/bonus",
                                     category=_l("Settings")))
    admin.add_view(ReferralListView(Referral, name=_l("Referrals"), endpoint="referrals", url="/admin/referrals",
                                    category=_l("Records")))
    app.extensions["frontdesk_admin"] = admin
    return admin


def _localdatetime(value: datetime | None, fmt: str | None = None) -> str:
    """Jinja ``|localdatetime``: the unit's time zone, the viewer's locale (``format_local``); with ``fmt``
    (e.g. ``'%H:%M'``) that strftime pattern in the unit's time zone."""
    if not value:
        return ""
    return to_local(value).strftime(fmt) if fmt else format_local(value)
