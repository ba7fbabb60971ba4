"""Submissions of one questionnaire as a table for analysts: CSV, or XLSX (XlsxWriter).

One line per submission, one column per answered field across all its versions: the field's label as
the header, option labels as values (:mod:`forms.answers` reads every submission with the version it
was made against), numbers as numbers. Grid rows are flattened into numbered columns ("Kinder 2 >
Vorname" is the first name in the second row); a survey gives one column per question. Passwords and
hidden fields are never exported. Three columns lead: when the answers came in (the unit's local time),
the version and where they were given. No customer names: the export is the answers, for analysis.

Cells that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return) get a leading apostrophe, in CSV and in XLSX alike (XLSX cells are written as text,
never as formulas, in any case).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core.errors import InvalidInput
from core.models import Questionnaire, Submission
from core.services.audit import Actor, record

__all__ = ["FORMATS", "FORMULA_START", "Export", "escape_formula", "export_submissions", "table"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def escape_formula(value: Any) -> Any:
    """OWASP CSV injection: text starting like a formula gets a leading apostrophe (numbers are kept)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


@dataclass(frozen=True)
class Export:
    """A finished export: the file name offered, its media type and its bytes."""

    filename: str
    mimetype: str
    content: bytes
    rows: int


def _local(value: datetime | None, zone: ZoneInfo) -> str:
    if value is None:
        return ""
    return value.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).strftime("%Y-%m-%d %H:%M")


def table(questionnaire: Questionnaire, lang: str = "de") -> tuple[list[str], list[list[Any]]]:
    """Header and rows of every submission of ``questionnaire`` (newest first), unescaped."""
    from core.services.questionnaires import form_for
    from forms.answers import answers

    zone = ZoneInfo(questionnaire.business_unit.timezone or "Europe/Berlin")
    subs = list(Submission.objects(questionnaire=questionnaire).order_by("-completed_at"))
    read = []
    columns: dict[str, tuple[int, tuple[int, ...], str]] = {}  # path -> (version, order, header)
    for sub in subs:
        got = answers(form_for(sub.version), sub.data or {}, lang=lang)
        read.append((sub, {a.path: a.value for a in got}))
        for a in got:
            known = columns.get(a.path)
            if known is None or sub.version_number > known[0]:  # the newest version's label and place
                columns[a.path] = (sub.version_number, a.order, a.header)
    paths = sorted(columns, key=lambda p: (columns[p][1], p))
    headers = [columns[p][2] for p in paths]
    seen: dict[str, int] = {}
    for h in headers:
        seen[h] = seen.get(h, 0) + 1
    headers = [f"{h} ({p})" if seen[h] > 1 else h for h, p in zip(headers, paths, strict=True)]
    with force_locale(lang):
        lead = [_("Submitted"), _("Version"), _("Source")]
        sources = {"kiosk": _("Tablet"), "portal": _("Portal"), "staff": _("Staff"), "dialog": _("Dialog")}
    rows = [[_local(sub.completed_at, zone), sub.version_number, sources.get(sub.source, sub.source),
             *(values.get(p, "") for p in paths)] for sub, values in read]
    return lead + headers, rows


def _csv(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([escape_formula(h) for h in header])
    for row in rows:
        writer.writerow([escape_formula(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # the BOM lets spreadsheet programs read UTF-8


def _xlsx(header: list[str], rows: list[list[Any]], sheet: str) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                     "strings_to_numbers": False})
    bold = book.add_format({"bold": True})
    ws = book.add_worksheet(sheet)
    for col, h in enumerate(header):
        ws.write_string(0, col, escape_formula(h), bold)
    for r, row in enumerate(rows, start=1):
        for col, v in enumerate(row):
            if isinstance(v, bool) or not isinstance(v, int | float):
                ws.write_string(r, col, escape_formula(str(v)))
            else:
                ws.write_number(r, col, v)
    ws.freeze_panes(1, 0)
    book.close()
    return buf.getvalue()


_SHEET_BAD = str.maketrans(dict.fromkeys("[]:*?/\\", "_"))


def export_submissions(actor: Actor, questionnaire: Questionnaire, fmt: str = "csv", lang: str = "de") -> Export:
    """The submissions of ``questionnaire`` as ``fmt`` ("csv" or "xlsx"), with an audit entry.

    The caller has checked access (the questionnaire is one of the actor's unit).
    """
    if fmt not in FORMATS:
        raise InvalidInput(_l("Unknown export format."), {"format": fmt})
    lang = lang if lang in ("de", "en") else "de"
    header, rows = table(questionnaire, lang)
    stem = questionnaire.name or "export"
    if fmt == "csv":
        content = _csv(header, rows)
    else:
        content = _xlsx(header, rows, (stem.translate(_SHEET_BAD).strip("'") or "export")[:31])
    record(actor, "export", object_type="questionnaires", object_id=questionnaire.pk,
           summary=f"{len(rows)} submissions exported ({fmt})", business_unit=questionnaire.business_unit)
    return Export(filename=f"{stem}.{fmt}", mimetype=FORMATS[fmt], content=content, rows=len(rows))
