"""Customer portal: accounts, login codes, sessions, per-unit settings, requested questionnaires.

Secrets are stored as hashes only: passwords (argon2id), login codes (HMAC-SHA256 keyed with the
app's ``SECRET_KEY``), session tokens and enrolment tokens (SHA-256).
"""

from __future__ import annotations

import mongoengine as me

from core.models._base import TimestampedMixin, UnitQuerySet, utcnow

PERMISSIONS = ("documents", "work_times", "planning", "messages", "master_data", "questionnaires")
#: what concerns the customer as a whole: an account bound to one project never has these
CUSTOMER_WIDE = ("master_data", "questionnaires")


class PortalAccount(TimestampedMixin, me.Document):
    """A username + password account on a customer (or on one of the customer's projects)."""

    business_unit = me.ReferenceField("BusinessUnit", required=True)
    customer = me.ReferenceField("Customer", required=True)
    #: set: the account sees only this project
    project = me.ReferenceField("Project")
    name = me.StringField(required=True, max_length=200)
    #: lower-cased; unique within the business unit
    username = me.StringField(required=True, max_length=64, regex=r"^[a-z0-9][a-z0-9._@-]{2,63}$")
    #: None until the customer has set a password through the enrolment link
    password_hash = me.StringField()
    #: the pending enrolment link (single use, expiring, revocable): SHA-256 of its token, and its end
    enrolment_hash = me.StringField(regex=r"^[0-9a-f]{64}$")
    enrolment_expires_at = me.DateTimeField()
    permissions = me.ListField(me.StringField(choices=PERMISSIONS))
    #: 2: master data and questionnaires are permissions too (older accounts had them implicitly;
    #: ``frontdesk db upgrade`` grants them once, core.services.portal.upgrade_permissions)
    permissions_version = me.IntField(default=2)
    active = me.BooleanField(default=True)
    last_login_at = me.DateTimeField()
    created_by = me.StringField(max_length=300)
    created_at = me.DateTimeField()
    updated_at = me.DateTimeField()

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "portal_accounts",
        "indexes": [
            {"fields": ["business_unit", "username"], "unique": True, "name": "unit_username"},
            {"fields": ["customer"], "name": "customer"},
            {"fields": ["enrolment_hash"], "name": "enrolment",
             "partialFilterExpression": {"enrolment_hash": {"$type": "string"}}},
        ],
        "ordering": ["username"],
    }

    def clean(self):
        self.username = (self.username or "").strip().lower()
        self.permissions = sorted(set(self.permissions or []))
        errors = {}
        if self.customer is not None and self.business_unit is not None \
                and self.customer.business_unit.pk != self.business_unit.pk:
            errors["customer"] = me.ValidationError("Belongs to another business unit.")
        if self.project is not None and self.customer is not None and self.project.customer.pk != self.customer.pk:
            errors["project"] = me.ValidationError("Belongs to another customer.")
        if errors:
            raise me.ValidationError("Invalid account", errors=errors)

    def may(self, permission: str) -> bool:
        return permission in (self.permissions or [])

    def __str__(self) -> str:
        return f"{self.name} ({self.username})"


class PortalLoginCode(me.Document):
    """The login-code state of one address in one business unit (known or not: same shape, same work).

    One document per (unit, address): a new code replaces the old one but keeps ``failures``,
    which only a successful login or an hour without wrong entries resets.
    """

    business_unit = me.ReferenceField("BusinessUnit", required=True)
    #: HMAC-SHA256 of "<unit id>:<normalised address>"
    address_hash = me.StringField(required=True, regex=r"^[0-9a-f]{64}$")
    #: None when no customer of the unit has this address (nothing is ever sent then)
    customer = me.ReferenceField("Customer")
    code_hash = me.StringField(regex=r"^[0-9a-f]{64}$")
    expires_at = me.DateTimeField()
    failures = me.IntField(default=0, min_value=0)
    last_failure_at = me.DateTimeField()
    #: send times within the last hour
    sends = me.ListField(me.DateTimeField())
    last_sent_at = me.DateTimeField()
    created_at = me.DateTimeField(default=utcnow)

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "portal_login_codes",
        "indexes": [
            {"fields": ["address_hash"], "unique": True, "name": "unique_address"},
            {"fields": ["customer"], "name": "customer"},
        ],
    }


class PortalSession(me.Document):
    """A server-side portal session: the cookie session holds a random token, we keep its SHA-256."""

    token_hash = me.StringField(required=True, regex=r"^[0-9a-f]{64}$")
    business_unit = me.ReferenceField("BusinessUnit", required=True)
    customer = me.ReferenceField("Customer", required=True)
    #: None: logged in with an e-mail code (the customer themself, every permission)
    account = me.ReferenceField("PortalAccount")
    #: "View as customer": the staff member looking; the session is read-only
    staff = me.ReferenceField("StaffUser")
    #: the staff member's ``session_version`` at the start: their logout, password change or
    #: deactivation bumps it and so ends the view-as session too
    staff_session_version = me.IntField()
    method = me.StringField(choices=("code", "password", "staff"), required=True)
    created_at = me.DateTimeField(required=True, default=utcnow)
    last_seen_at = me.DateTimeField(required=True, default=utcnow)

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "portal_sessions",
        "indexes": [
            {"fields": ["token_hash"], "unique": True, "name": "unique_token"},
            {"fields": ["customer"], "name": "customer"},
            {"fields": ["account"], "name": "account"},
            {"fields": ["last_seen_at"], "name": "last_seen"},
        ],
    }

    @property
    def read_only(self) -> bool:
        return self.staff is not None


class PortalSettings(me.Document):
    """Per business unit: the welcome text shown on the portal home (with safe placeholders)."""

    business_unit = me.ReferenceField("BusinessUnit", required=True)
    welcome_text = me.StringField(max_length=5000)
    updated_at = me.DateTimeField(default=utcnow)

    meta = {"queryset_class": UnitQuerySet, "collection": "portal_settings",
            "indexes": [{"fields": ["business_unit"], "unique": True, "name": "unit"}]}


class PortalTask(TimestampedMixin, me.Document):
    """A questionnaire staff asked the customer to fill in the portal; keeps the partial answers."""

    business_unit = me.ReferenceField("BusinessUnit", required=True)
    customer = me.ReferenceField("Customer", required=True)
    version = me.ReferenceField("QuestionnaireVersion", required=True)
    title = me.StringField(required=True, max_length=200)
    status = me.StringField(choices=("open", "done", "cancelled"), default="open", required=True)
    #: what the customer typed so far (saved while filling in)
    partial = me.DictField()
    started_at = me.DateTimeField()
    completed_at = me.DateTimeField()
    submission = me.ReferenceField("Submission")
    requested_by = me.StringField(max_length=300)
    #: opened through a portal action of this appointment (its conditions are checked again on submit)
    appointment = me.ReferenceField("Appointment")
    action = me.ReferenceField("PortalAction")
    created_at = me.DateTimeField()
    updated_at = me.DateTimeField()

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "portal_tasks",
        "indexes": [{"fields": ["customer", "status", "-created_at"], "name": "customer_status"},
                    {"fields": ["appointment", "action", "status"], "name": "appointment_action", "sparse": True}],
        "ordering": ["-created_at"],
    }
