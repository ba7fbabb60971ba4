"""Form classes for the admin: every form carries Flask-WTF's CSRF token."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_admin.form import BaseForm
from flask_babel import format_date, format_time
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.fields import DateTimeLocalField
from wtforms.validators import DataRequired, Email, Length


class AdminForm(BaseForm):
    """Base class for Flask-Admin's model forms: Flask-WTF CSRF (same token as every other form).

    Flask-Admin builds its delete and bulk-action forms from this class too, so those carry the
    token as well; the global ``CSRFProtect`` refuses any POST without it.
    """

    class Meta(FlaskForm.Meta):
        _translations = BaseForm.Meta._translations

        def get_translations(self, form):
            return self._translations


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1024)])


def unit_zone() -> ZoneInfo:
    tz = "Europe/Berlin"
    if current_user and current_user.is_authenticated:
        tz = current_user.business_unit.timezone
    return ZoneInfo(tz)


def to_local(utc_naive: datetime | None, zone: ZoneInfo | None = None) -> datetime | None:
    if utc_naive is None:
        return None
    return utc_naive.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone or unit_zone()).replace(tzinfo=None)


def format_local(value: datetime | date | None) -> str:
    """A stored (UTC) date and time in the unit's time zone, in the viewer's locale, through Flask-Babel
    (its time zone selector is the unit's): "01.12.2026 14:05", "Dec 1, 2026 2:05 PM"; a date alone as a date."""
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return format_date(value, "medium")
    return f"{format_date(value, 'medium')} {format_time(value, 'short')}"


def to_utc(local_naive: datetime | None, zone: ZoneInfo | None = None) -> datetime | None:
    if local_naive is None:
        return None
    return local_naive.replace(tzinfo=zone or unit_zone()).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


class LocalDateTimeField(DateTimeLocalField):
    """Shows and accepts a date-time in the business unit's time zone; stores naive UTC."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"])
        kwargs.pop("widget", None)
        super().__init__(*args, **kwargs)

    def process_data(self, value):
        self.data = to_local(value) if isinstance(value, datetime) else value

    def populate_obj(self, obj, name):
        setattr(obj, name, to_utc(self.data))

