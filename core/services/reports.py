"""PDF reports of a dialog's results: the customer report and the consulting-tips report.

Rendered by a Celery task (``tasks.reports.render``) with xhtml2pdf from Jinja templates that get plain
data only (dicts, strings, numbers: no database objects). Charts are reportlab charts turned into SVG
server-side (the dashboard shows the same SVG inline). The embedded font is Bitstream Vera (umlauts, ß, €),
shipped in our package data (``core/data/fonts``, with its licence) so it is found wherever the package is
installed. ``link_callback`` resolves only those font files and ``data:`` images; every other URL
(``file://``, http, relative paths) is refused, and xhtml2pdf's resource policy (:func:`resource_policy`)
confines local reads to the font folder, forbids the network and bounds the render. The PDF is stored in
the GridFS bucket ``reports`` (see core/files.py).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from mongoengine import Q

from core import files
from core.celery_app import enqueue
from core.errors import Conflict, NotFound
from core.models import Dialog, Report
from core.models._base import utcnow
from core.services.audit import Actor

if TYPE_CHECKING:
    from xhtml2pdf.config.resources import ResourceAccessPolicy

BUCKET = "reports"
#: a render takes seconds; one that started (or was queued) longer ago than this has died or was lost
RENDER_LEASE = timedelta(minutes=5)
#: after this many hand-overs to the render task a stale report is failed instead of re-queued
MAX_ENQUEUES = 3
STALE_ERROR = "The report was not finished: the worker stopped or did not pick it up. Please create it again."

FONT_DIR = Path(__file__).resolve().parents[1] / "data" / "fonts"
#: the only resources a report may load: name used in the template → file
ALLOWED_FILES = {"fd-font/Vera.ttf": FONT_DIR / "Vera.ttf", "fd-font/VeraBd.ttf": FONT_DIR / "VeraBd.ttf"}
TEMPLATES = {"customer": "reports/customer.html", "tips": "reports/tips.html"}


@functools.cache
def resource_policy() -> ResourceAccessPolicy:
    """What xhtml2pdf may read while rendering a report: files in the font folder only (its default
    policy allows the working directory instead, so outside the source tree the font was refused and the
    text fell back to Helvetica), no network, and its server limits on size, depth and time."""
    from xhtml2pdf.config.resources import ResourceAccessPolicy

    return ResourceAccessPolicy.server(base_dir=FONT_DIR, allow_remote=False)


class BlockedResource(Exception):
    pass


def link_callback(uri: str, rel: str | None = None) -> str:
    """Resolve template resources: our font files and inline ``data:`` images, nothing else."""
    if uri.startswith("data:image/"):
        return uri
    path = ALLOWED_FILES.get(uri)
    if path is None:
        raise BlockedResource(f"report resource not allowed: {uri[:100]!r}")
    return str(path)


# --- charts (server-side, reportlab) ------------------------------------------------------------

CHART_FONT, CHART_FONT_SIZE, CHART_LABEL_WIDTH = "Helvetica", 9, 140


def wrap_label(text: str, width: float = CHART_LABEL_WIDTH, max_lines: int = 3) -> str:
    """A category name broken into lines that fit ``width`` points (reportlab does not wrap axis
    labels; a long one was cut off). More than ``max_lines`` lines, or one word wider than the column,
    end in an ellipsis."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    def fits(line: str) -> bool:
        return stringWidth(line, CHART_FONT, CHART_FONT_SIZE) <= width

    lines: list[str] = []
    for word in text.split():
        if lines and fits(f"{lines[-1]} {word}"):
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] += "…"
    out = []
    for line in lines:
        while not fits(line) and len(line) > 2:
            line = line[:-2].rstrip() + "…"
        out.append(line)
    return "\n".join(out) or ""


def chart_svg(categories: list[dict], *, previous: list[dict] | None = None, width: int = 420) -> str:
    """A horizontal bar chart of category percentages (and the previous dialog's, when given) as SVG."""
    from reportlab.graphics import renderSVG
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    labels = [wrap_label(c["label"]) for c in categories] or [""]
    lines = max(label.count("\n") + 1 for label in labels)
    row = max(34 if previous else 22, lines * (CHART_FONT_SIZE + 2) + 8)
    height = 40 + max(len(categories), 1) * row
    left = CHART_LABEL_WIDTH + 10
    drawing = Drawing(width, height)
    chart = HorizontalBarChart()
    # 22 pt below the bars for the value axis' numbers, 10 pt above
    chart.x, chart.y, chart.width, chart.height = left, 22, width - left - 20, height - 32
    chart.valueAxis.labels.fontName, chart.valueAxis.labels.fontSize = CHART_FONT, CHART_FONT_SIZE
    data = [tuple(c["percent"] for c in categories) or (0,)]
    if previous:
        prev = {c["key"]: c["percent"] for c in previous}
        data.append(tuple(prev.get(c["key"], 0) for c in categories) or (0,))
    chart.data = data
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 25
    chart.categoryAxis.categoryNames = labels
    chart.categoryAxis.labels.fontName = CHART_FONT
    chart.categoryAxis.labels.fontSize = CHART_FONT_SIZE
    chart.categoryAxis.labels.leading = CHART_FONT_SIZE + 2
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.textAnchor = "end"
    chart.bars[0].fillColor = colors.HexColor("#2f6db5")
    if previous:
        chart.bars[1].fillColor = colors.HexColor("#b8c7d9")
    drawing.add(chart)
    svg = renderSVG.drawToString(drawing)
    return svg[svg.index("<svg"):]


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


# --- plain data for the templates ---------------------------------------------------------------

def report_data(dialog: Dialog, lang: str = "de") -> dict[str, Any]:
    """Everything a report shows, as plain data (no documents reach the template)."""
    from core.services import questionnaires as qs

    customer, unit, version = dialog.customer, dialog.business_unit, dialog.version
    results = dialog.results or {}
    categories = results.get("categories", [])
    previous = Dialog.objects(customer=customer, status="done", completed_at__lt=dialog.completed_at) \
        .order_by("-completed_at").first() if dialog.completed_at else None
    prev_cats = (previous.results or {}).get("categories", []) if previous else []
    answers = []
    if dialog.submission is not None:
        from forms.answers import answers as labelled
        from forms.render import format_number

        # option labels ("Ja", not "yes"), dates and numbers as the answers page shows them; no passwords
        for a in labelled(qs.form_for(version), dialog.submission.data or {}, lang=lang):
            text = a.value if isinstance(a.value, str) else format_number(a.value, lang)
            answers.append({"question": a.header, "answer": text})
    history = [{"date": d.completed_at.strftime("%d.%m.%Y"), "percent": (d.results or {}).get("total", {})
                .get("percent", 0)} for d in Dialog.objects(customer=customer, status="done").order_by("completed_at")
               if d.results]
    return {
        "unit": {"name": unit.name},
        "customer": {"name": customer.full_name},
        "questionnaire": version.name,
        "completed": dialog.completed_at.strftime("%d.%m.%Y") if dialog.completed_at else "",
        "created": utcnow().strftime("%d.%m.%Y"),
        "total": results.get("total", {"score": 0, "max": 0, "percent": 0}),
        "categories": [{**c, "chart": svg_data_uri(chart_svg([c], previous=[p for p in prev_cats
                                                                           if p["key"] == c["key"]] or None))}
                       for c in categories],
        "overview_chart": svg_data_uri(chart_svg(categories, previous=prev_cats or None)),
        "previous": {"date": previous.completed_at.strftime("%d.%m.%Y"),
                     "categories": {c["key"]: c for c in prev_cats}} if previous else None,
        "answers": answers,
        "history": history,
    }


def render_pdf(kind: str, data: dict[str, Any], lang: str = "de") -> bytes:
    """Render the ``kind`` report of ``data`` (plain data only) to PDF bytes."""
    from xhtml2pdf import pisa

    with force_locale(lang):
        html = render_template(TEMPLATES[kind], r=data)
    out = io.BytesIO()
    status = pisa.CreatePDF(html, dest=out, link_callback=link_callback, encoding="utf-8",
                            resource_policy=resource_policy())
    if status.err:
        raise RuntimeError(f"PDF rendering failed ({status.err} errors)")
    return out.getvalue()


# --- requests, storage ----------------------------------------------------------------------------

def request_report(actor: Actor, dialog: Dialog, kind: str) -> Report:
    """Create a report in "preparing" and hand its id to the render task."""
    if kind not in TEMPLATES:
        raise NotFound(_l("This report does not exist."))
    if dialog.status != "done" or not dialog.results:
        raise Conflict(_l("Reports exist only for completed dialogs with results."))
    report = Report(business_unit=dialog.business_unit, customer=dialog.customer, dialog=dialog, kind=kind,
                    requested_by=actor.label, enqueued_at=utcnow(), enqueues=1).save()
    enqueue("tasks.reports.render", report.pk)
    return report


def requeue_stale_renders(now: datetime | None = None) -> dict[str, int]:
    """Periodic (beat, every minute): reports still "preparing" whose render started, or was queued,
    more than ``RENDER_LEASE`` ago (a killed worker, a lost task) are handed to the render task again,
    or marked failed with a reason after ``MAX_ENQUEUES`` hand-overs. Each one is claimed with a
    conditional update on the state that was read, so two sweeps never re-queue the same report twice;
    a second render racing a slow first one is harmless (the first to finish keeps its file)."""
    now = now or utcnow()
    cut = now - RENDER_LEASE
    stale = Report.objects(Q(status="preparing") & (
        Q(render_started_at__lt=cut)
        | (Q(render_started_at=None) & (Q(enqueued_at__lt=cut) | (Q(enqueued_at=None) & Q(created_at__lt=cut))))))
    counts = {"requeued": 0, "failed": 0}
    for report in stale.only("id", "render_started_at", "enqueued_at", "enqueues").limit(200):
        claim = Report.objects(pk=report.pk, status="preparing", render_started_at=report.render_started_at,
                               enqueued_at=report.enqueued_at)
        if (report.enqueues or 1) >= MAX_ENQUEUES:
            counts["failed"] += claim.update_one(set__status="failed", set__error=STALE_ERROR)
        elif claim.update_one(set__enqueued_at=now, set__enqueues=(report.enqueues or 1) + 1,
                              unset__render_started_at=True):
            counts["requeued"] += 1
            enqueue("tasks.reports.render", report.pk)
    return counts


def render_report(report_id: str) -> str:
    """The task body. Idempotent: a ready report is left alone. The PDF goes to GridFS first; the report
    is then marked ready *only if it is not ready yet* (one atomic update), so when two runs race, the
    loser's file is deleted and the winner's stays; files of crashed earlier runs are swept too."""
    report = Report.objects(pk=report_id, status="preparing").modify(new=True, set__render_started_at=utcnow())
    if report is None:  # ready (or failed, or deleted) meanwhile: nothing to do
        existing = Report.objects(pk=report_id).first()
        return existing.status if existing is not None else "missing"
    try:
        lang = report.business_unit.language or "de"
        pdf = render_pdf(report.kind, report_data(report.dialog, lang), lang=lang)
    except Exception as exc:
        Report.objects(pk=report.pk).update_one(set__status="failed", set__error=str(exc)[:1000])
        raise
    pages = _page_count(pdf)
    name = f"{report.kind}-{report.customer.last_name}-{utcnow():%Y%m%d}.pdf".replace(" ", "_")
    file_id = files.put(BUCKET, pdf, filename=name, content_type="application/pdf", customer=report.customer.pk,
                        business_unit=report.business_unit.pk, report=report.pk)
    won = Report.objects(pk=report.pk, status__ne="ready").update_one(
        set__status="ready", set__file_id=file_id, set__length=len(pdf), set__pages=pages,
        set__sha256=hashlib.sha256(pdf).hexdigest(), set__filename=name, set__ready_at=utcnow(), unset__error=True)
    if not won:  # another run finished first, or the report was deleted meanwhile
        files.delete(BUCKET, file_id)
        return "ready" if Report.objects(pk=report.pk).count() else "missing"
    files.delete_where(BUCKET, {"report": report.pk}, keep=file_id)  # leftovers of crashed runs
    return "ready"


def _page_count(pdf: bytes) -> int:
    """Pages as the PDF's page tree says."""
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def report_bytes(report: Report) -> bytes:
    if report.status != "ready" or report.file_id is None:
        raise NotFound(_l("The report is not ready yet."))
    try:
        data = files.read(BUCKET, report.file_id)
    except files.FileMissing as exc:
        raise NotFound(_l("The report file is missing. Please create the report again.")) from exc
    if report.sha256 and hashlib.sha256(data).hexdigest() != report.sha256:
        raise NotFound(_l("The report file is incomplete. Please create the report again."))
    return data


def latest_reports(dialog: Dialog) -> dict[str, Report]:
    out: dict[str, Report] = {}
    for report in Report.objects(dialog=dialog).order_by("-created_at"):
        out.setdefault(report.kind, report)
    return out


def delete_for_dialogs(dialogs: list[Dialog]) -> int:
    """Delete the dialogs' reports and their GridFS files (also files of runs that never finished)."""
    if not dialogs:
        return 0
    ids = list(Report.objects(dialog__in=[d.pk for d in dialogs]).scalar("pk"))
    if not ids:
        return 0
    count = Report.objects(pk__in=ids).delete()
    files.delete_where(BUCKET, {"report": {"$in": ids}})
    return count


def delete_customer_reports(customer) -> int:
    count = Report.objects(customer=customer).delete()
    files.delete_where(BUCKET, {"customer": customer.pk})
    return count
