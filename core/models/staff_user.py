"""A staff account: owner, staff member or form designer of one business unit."""

from __future__ import annotations

import mongoengine as me

from core.models._base import TimestampedMixin, UnitQuerySet

ROLES = ("owner", "staff", "designer")


class StaffUser(TimestampedMixin, me.Document):
    email = me.EmailField(required=True, max_length=254)
    name = me.StringField(required=True, max_length=200)
    role = me.StringField(required=True, choices=ROLES, default="staff")
    business_unit = me.ReferenceField("BusinessUnit", required=True)
    password_hash = me.StringField()
    active = me.BooleanField(default=True)
    language = me.StringField(choices=("de", "en"), default="de")
    #: bumped on logout, password change and deactivation: older session cookies stop working
    session_version = me.IntField(default=1)
    last_login_at = me.DateTimeField()
    created_at = me.DateTimeField()
    updated_at = me.DateTimeField()

    meta = {
        "queryset_class": UnitQuerySet,
        "collection": "staff_users",
        "indexes": [{"fields": ["email"], "unique": True}, "business_unit"],
    }

    def clean(self):
        if self.email:
            self.email = self.email.strip().lower()

    # Flask-Login protocol ------------------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # Flask-Login "alternative id": changing session_version invalidates old sessions.
        return f"{self.pk}:{self.session_version}"

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    def __str__(self) -> str:
        return self.name
