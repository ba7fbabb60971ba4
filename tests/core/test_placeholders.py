"""core.placeholders: known names only, escaped in HTML, plain in mails, dates in the appointment's zone."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import pytest

from core import placeholders
from core.errors import InvalidInput


def test_render_escapes_text_and_values():
    out = placeholders.render("<b>Hi</b> {{ customer.first_name }}\nbye",
                              {"customer.first_name": "<script>x</script>"})
    assert str(out) == "&lt;b&gt;Hi&lt;/b&gt; &lt;script&gt;x&lt;/script&gt;<br>\nbye"


def test_plain_render_for_mails_and_missing_values():
    assert placeholders.render("Hallo {{customer.first_name}} {{ unit.name }}!", {"customer.first_name": "Ä&B"},
                               html=False) == "Hallo Ä&B !"


@pytest.mark.parametrize("text", ["{{ customer.password }}", "{{ customer.first_name.__class__ }}",
                                  "{{ customer.first_name | upper }}", "{% for x in y %}", "{{customer.first_name}",
                                  "{{ config.SECRET_KEY }}"])
def test_check_refuses_unknown_names_and_template_syntax(text):
    with pytest.raises(InvalidInput) as info:
        placeholders.check(text, placeholders.CUSTOMER + placeholders.UNIT)
    assert "customer.first_name" in str(info.value)  # the message lists what is available


def test_check_accepts_known_names():
    text = "Hallo {{ customer.first_name }}, willkommen bei {{unit.name}}."
    assert placeholders.check(text, placeholders.CUSTOMER + placeholders.UNIT) == text
    assert placeholders.names(text + " {{ unit.name }}") == ["customer.first_name", "unit.name"]


def test_appointment_values_in_its_zone_and_locale_across_dst():
    appt = SimpleNamespace(timezone="Europe/Berlin", start=datetime(2026, 10, 25, 9, 0),
                           end=datetime(2026, 10, 25, 10, 0), staff=SimpleNamespace(name="Anna"), location="Salon",
                           activity_type=SimpleNamespace(name="Schnitt"))
    de = placeholders.appointment_values(appt, "de")
    assert de["appointment.time"] == "10:00"  # the day winter time starts: UTC+1
    assert de["appointment.date"] == "Sonntag, 25. Oktober 2026"
    assert de["appointment.end"] == "11:00" and de["appointment.staff"] == "Anna"
    summer = SimpleNamespace(**{**vars(appt), "start": datetime(2026, 10, 24, 9, 0),
                                "end": datetime(2026, 10, 24, 10, 0)})
    assert placeholders.appointment_values(summer, "en")["appointment.time"] == "11:00\u202fAM"
