"""Submissions export (CSV and XLSX): labels as headers, option labels, flattened grids, escaped formulas,
from the admin (owner and designer, CSRF, unit-scoped) and from ``frontdesk export-submissions``."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime

import pytest

from core.models import AuditEvent, Questionnaire
from core.services import questionnaires as qs
from core.services import submission_export as ex
from core.services.audit import Actor
from tests.conftest import csrf_token, login

DEFINITION = {"display": "form", "components": [
    {"type": "radio", "key": "zufrieden", "label": "Zufrieden?", "values": [
        {"label": "Ja", "value": "yes"}, {"label": "Nein", "value": "no"}]},
    {"type": "textfield", "key": "kommentar", "label": "Kommentar"},
    {"type": "number", "key": "alter", "label": "Alter"},
    {"type": "password", "key": "pin", "label": "PIN"},
    {"type": "editgrid", "key": "kinder", "label": "Kinder", "components": [
        {"type": "textfield", "key": "vorname", "label": "Vorname"},
        {"type": "selectboxes", "key": "hobbys", "label": "Hobbys", "values": [
            {"label": "Lesen", "value": "read"}, {"label": "Sport", "value": "sport"}]}]},
]}


@pytest.fixture
def published(app, unit, owner, make_customer):
    actor = Actor.staff(owner)
    with app.app_context():
        q = qs.create(actor, unit, name="Umfrage: Kinder", kind="custom", definition=DEFINITION)
        version = qs.publish(actor, q)
        customer = make_customer()
        for data in (
            {"zufrieden": "yes", "kommentar": "=HYPERLINK(\"http://evil\")", "alter": 41, "pin": "1234",
             "kinder": [{"vorname": "Ada", "hobbys": {"read": True, "sport": True}}, {"vorname": "@Bo"}]},
            {"zufrieden": "no", "kommentar": "gut\nso", "kinder": []},
        ):
            qs.submit(actor, customer=customer, version=version, data=data, source="staff")
        return q


def _rows(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_csv_has_labels_option_labels_flattened_rows_and_escaped_formulas(app, published):
    with app.app_context():
        done = ex.export_submissions(Actor.system("test"), Questionnaire.objects.get(pk=published.pk), "csv", "de")
    header, *rows = _rows(done.content)
    assert header == ["Eingegangen", "Version", "Quelle", "Zufrieden?", "Kommentar", "Alter",
                      "Kinder 1 › Vorname", "Kinder 1 › Hobbys", "Kinder 2 › Vorname"]
    assert done.rows == 2 and len(rows) == 2
    first = dict(zip(header, next(r for r in rows if r[3] == "Ja"), strict=True))
    assert first["Kommentar"] == "'=HYPERLINK(\"http://evil\")"
    assert first["Kinder 1 › Hobbys"] == "Lesen, Sport" and first["Kinder 2 › Vorname"] == "'@Bo"
    assert first["Alter"] == "41" and first["Quelle"] == "Mitarbeiter" and first["Version"] == "1"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", first["Eingegangen"])
    assert "1234" not in done.content.decode("utf-8-sig") and "PIN" not in header
    second = dict(zip(header, next(r for r in rows if r[3] == "Nein"), strict=True))
    assert second["Kommentar"] == "gut\nso" and second["Kinder 1 › Vorname"] == ""


def _xlsx_cells(content: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        strings = z.read("xl/sharedStrings.xml").decode("utf-8")
        sheet = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    assert "<f>" not in sheet  # no formula anywhere
    return re.findall(r"<t[^>]*>([^<]*)</t>", strings) + re.findall(r"<v>([^<]*)</v>", sheet)


def test_xlsx_in_english_has_text_cells_numbers_and_no_formulas(app, published):
    with app.app_context():
        done = ex.export_submissions(Actor.system("test"), Questionnaire.objects.get(pk=published.pk), "xlsx", "en")
    assert done.content[:2] == b"PK" and done.filename == "Umfrage: Kinder.xlsx"
    cells = _xlsx_cells(done.content)
    assert {"Submitted", "Source", "Staff", "Ja", "Nein", "Lesen, Sport", "Kinder 1 › Vorname"} <= set(
        cells)
    assert "'=HYPERLINK(\"http://evil\")" in cells and "41" in cells


def test_unknown_format_is_refused(app, published):
    from core.errors import InvalidInput

    with app.app_context(), pytest.raises(InvalidInput):
        ex.export_submissions(Actor.system("test"), Questionnaire.objects.get(pk=published.pk), "pdf")


@pytest.mark.parametrize("role", ["owner", "designer"])
def test_admin_export_for_owner_and_designer_with_csrf(app, client, published, make_user, role):
    user = make_user(role)
    assert login(client, user.email).status_code == 302
    builder = f"/admin/questionnaire/builder/?id={published.pk}"
    token = csrf_token(client, builder)
    no_token = client.post("/admin/questionnaire/submissions-export/", data={"id": str(published.pk)})
    assert no_token.status_code == 400
    resp = client.post("/admin/questionnaire/submissions-export/",
                       data={"id": str(published.pk), "format": "csv", "csrf_token": token})
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    assert "Zufrieden?" in resp.get_data().decode("utf-8-sig")
    bad = client.post("/admin/questionnaire/submissions-export/",
                      data={"id": str(published.pk), "format": "exe", "csrf_token": token})
    assert bad.status_code == 302
    with app.app_context():
        assert AuditEvent.objects(action="export", object_id=str(published.pk)).count() == 1


def test_admin_export_of_another_units_questionnaire_is_404(app, client, published, make_unit, make_user):
    other = make_user("owner", business_unit=make_unit())
    assert login(client, other.email).status_code == 302
    token = csrf_token(client, "/admin/questionnaire/")
    resp = client.post("/admin/questionnaire/submissions-export/",
                       data={"id": str(published.pk), "format": "csv", "csrf_token": token})
    assert resp.status_code == 404


def test_staff_may_not_export(app, client, published, make_user):
    staff = make_user("staff")
    assert login(client, staff.email).status_code == 302
    token = csrf_token(client, "/admin/")
    resp = client.post("/admin/questionnaire/submissions-export/",
                       data={"id": str(published.pk), "format": "csv", "csrf_token": token})
    assert resp.status_code in (302, 403, 404)
    assert resp.mimetype != "text/csv"


def test_cli_writes_the_file(app, published, tmp_path, unit):
    target = tmp_path / "out.csv"
    result = app.test_cli_runner().invoke(args=["export-submissions", "Umfrage: Kinder", "--unit", unit.slug,
                                                "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert "2 submissions" in result.output
    header = _rows(target.read_bytes())[0]
    assert "Kinder 2 › Vorname" in header
    missing = app.test_cli_runner().invoke(args=["export-submissions", "Nichts", "--unit", unit.slug])
    assert missing.exit_code != 0 and "No questionnaire" in missing.output


def test_local_time_uses_the_units_zone():
    from zoneinfo import ZoneInfo

    assert ex._local(datetime(2026, 7, 1, 10, 0), ZoneInfo("Europe/Berlin")) == "2026-07-01 12:00"
