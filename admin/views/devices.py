"""Paired tablets (feature "kiosk"): the device list (Settings > Devices, owners) and starting,
watching and cancelling a questionnaire on a tablet from the main device (owners and staff).

Registers the appointment option "Start questionnaire on tablet" and a customer-file section.
"""

from __future__ import annotations

from flask import abort, flash, redirect, request, session, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from admin.sections import AppointmentOption, FileSection, add_appointment_option, add_file_section
from admin.views.base import SecureView, actor, flash_error, flashed_errors
from core.errors import FeatureDisabled, FrontdeskError, NotFound
from core.models import Appointment, Customer, Device, KioskRun, QuestionnaireVersion
from core.models._base import utcnow
from core.services import kiosk as service
from core.services.questionnaires import published_for_unit
from core.web import get_or_404

STATUS_LABELS = {
    "pending": _l("waiting for activation"), "paired": _l("paired"), "revoked": _l("revoked"),
    "void": _l("code void"), "waiting": _l("waiting for the tablet"), "running": _l("being filled in"),
    "submitting": _l("being filled in"), "done": _l("completed"), "cancelled": _l("cancelled"),
    "expired": _l("timed out"),
}


#: the session key that carries a new activation code from the POST to the one GET that shows it
CODE_SESSION_KEY = "device_activation_code"


class DeviceNameForm(FlaskForm):
    name = StringField(_l("Name of the device"), validators=[DataRequired(), Length(max=100)],
                       description=_l('e.g. "Tablet 1"'))


class DevicesView(SecureView):
    """Settings > Devices: pair ("+ Device"), see, revoke. Owners only."""

    roles = ("owner",)
    feature = "kiosk"

    def _device(self) -> Device:
        return get_or_404(Device, unit=current_user.business_unit, pk=request.values.get("id"))

    @expose("/")
    def index(self):
        unit = current_user.business_unit
        return self.render("admin/devices.html", devices=service.devices_of(unit),
                           runs=service.active_runs_by_device(unit), form=DeviceNameForm(), labels=STATUS_LABELS,
                           now=utcnow())

    @expose("/new", methods=("POST",))
    def new(self):
        form = DeviceNameForm()
        if not form.validate_on_submit():
            flash(_("Please give the device a name (at most 100 characters)."), "error")
            return redirect(url_for(".index"))
        with flashed_errors():
            device, code = service.create_device(actor(), current_user.business_unit, form.name.data)
            return self._show_code(device, code)
        return redirect(url_for(".index"))

    @expose("/new-code", methods=("POST",))
    def new_code(self):
        device = self._device()
        with flashed_errors():
            code = service.new_code(actor(), device)
            return self._show_code(device, code)
        return redirect(url_for(".index"))

    def _show_code(self, device: Device, code: str):
        """POST/redirect/GET: the code rides in the session to the next GET only (never in a URL), so
        reloading the code page creates no second device and no new code."""
        session[CODE_SESSION_KEY] = {"device": str(device.pk), "code": code}
        return redirect(url_for(".code_view", id=str(device.pk)))

    @expose("/code")
    def code_view(self):
        device = self._device()
        shown = session.pop(CODE_SESSION_KEY, None)
        if not shown or shown.get("device") != str(device.pk):
            flash(_("The activation code is shown only once. Create a new code if you need one."), "info")
            return redirect(url_for(".index"))
        minutes = int(service.CODE_VALIDITY.total_seconds() // 60)
        return self.render("admin/devices_code.html", device=device, code=shown["code"], minutes=minutes,
                           display_url=url_for("kiosk.display", _external=True))

    @expose("/revoke", methods=("POST",))
    def revoke(self):
        device = self._device()
        service.revoke(actor(), device)
        flash(_("%(name)s was unpaired. It shows the activation screen now.", name=device.name), "success")
        return redirect(url_for(".index"))


class KioskView(SecureView):
    """Start a questionnaire on a tablet, watch it, cancel it (owners and staff; not in the menu)."""

    roles = ("owner", "staff")
    feature = "kiosk"

    def is_visible(self) -> bool:
        return False

    @expose("/")
    def index(self):
        return redirect(url_for("admin.index"))

    @expose("/start", methods=("GET", "POST"))
    def start_view(self):
        unit = current_user.business_unit
        appointment = Appointment.objects.of_unit(unit).get_or_none(pk=request.values.get("appointment"))
        customer = appointment.customer if appointment is not None else get_or_404(
            Customer, unit=unit, pk=request.values.get("customer"))
        published = published_for_unit(unit)
        devices = service.paired_devices(unit)
        busy = service.active_runs_by_device(unit)
        status = 200
        if request.method == "POST":
            version = QuestionnaireVersion.objects.of_unit(unit).get_or_none(pk=request.form.get("version"))
            device = Device.objects.of_unit(unit).get_or_none(pk=request.form.get("device"))
            if device is None and len(devices) == 1 and not request.form.get("device"):
                device = devices[0]
            try:
                if device is None:
                    raise NotFound(_l("Please choose a device."))
                run = service.start_run(actor(), device=device, customer=customer, version=version,
                                        appointment=appointment)
            except FeatureDisabled:
                abort(404)
            except FrontdeskError as exc:
                flash_error(exc)
                status = exc.status
                busy = service.active_runs_by_device(unit)
                devices = service.paired_devices(unit)
            else:
                flash(_("Started on %(device)s.", device=device.name), "success")
                return redirect(url_for(".run_view", id=str(run.pk)))
        running = [r for r in busy.values() if r.customer.pk == customer.pk]
        return self.render("admin/kiosk_start.html", customer=customer, appointment=appointment,
                           published=published, devices=devices, busy=busy, running=running, labels=STATUS_LABELS,
                           chosen_version=request.form.get("version", ""),
                           chosen_device=request.form.get("device", "")), status

    @expose("/run")
    def run_view(self):
        run = get_or_404(KioskRun, unit=current_user.business_unit, pk=request.args.get("id"))
        if run.active:
            service.expire_if_stale(run)
        return self.render("admin/kiosk_run.html", run=run, labels=STATUS_LABELS)

    @expose("/cancel", methods=("POST",))
    def cancel_view(self):
        run = get_or_404(KioskRun, unit=current_user.business_unit, pk=request.form.get("id"))
        if service.cancel_run(actor(), run):
            flash(_("The questionnaire on %(device)s was cancelled; its data is wiped.", device=run.device.name),
                  "success")
        else:
            flash(_("This questionnaire had already ended."), "info")
        if request.form.get("next") == "devices" and current_user.role == "owner":
            return redirect(url_for("devices.index"))
        return redirect(url_for(".run_view", id=str(run.pk)))


def _start_url(appointment) -> str:
    return url_for("kiosk_admin.start_view", appointment=str(appointment.pk))


def _file_context(customer: Customer) -> dict:
    runs = KioskRun.objects(customer=customer).order_by("-created_at").limit(5)
    return {"start_url": url_for("kiosk_admin.start_view", customer=str(customer.pk)), "runs": list(runs),
            "labels": STATUS_LABELS}


add_appointment_option(AppointmentOption("kiosk_start", _l("Start questionnaire on tablet"), url=_start_url,
                                         feature="kiosk"))
add_file_section(FileSection("kiosk", _l("Questionnaire on the tablet"), "admin/kiosk_section.html",
                             _file_context, feature="kiosk", order=26))
