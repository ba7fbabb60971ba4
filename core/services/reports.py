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
from markupsafe import Markup
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


def chart_svg(categories: list[dict], *, previous: list[dict] | None = None, width: int = 420,
              height: float | None = None) -> str:
    """A horizontal bar chart of category percentages (and the previous dialog's, when given) as SVG;
    with ``height``, the rows grow (up to a limit) to fill it, so few categories still make a large chart."""
    from reportlab.graphics import renderSVG
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    labels = [wrap_label(c["label"]) for c in categories] or [""]
    lines = max(label.count("\n") + 1 for label in labels)
    row = max(34 if previous else 22, lines * (CHART_FONT_SIZE + 2) + 8)
    if height:
        row = max(row, min(90, (height - 40) / max(len(categories), 1)))
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


#: the printable width of an A4 page between the report's margins, in points (17 cm)
PAGE_WIDTH_PT = 482


def history_svg(history: list[dict], *, height: int = 190) -> str:
    """The totals of the customer's completed dialogs over time (a column per dialog), as SVG."""
    from reportlab.graphics import renderSVG
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    shown = history[-12:] or [{"date": "", "percent": 0}]
    drawing = Drawing(PAGE_WIDTH_PT, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 40, 30, PAGE_WIDTH_PT - 60, height - 45
    chart.data = [tuple(h["percent"] for h in shown)]
    chart.categoryAxis.categoryNames = [h["date"] for h in shown]
    for axis in (chart.categoryAxis, chart.valueAxis):
        axis.labels.fontName, axis.labels.fontSize = CHART_FONT, CHART_FONT_SIZE
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 25
    chart.bars[0].fillColor = colors.HexColor("#b8c7d9")
    chart.bars[(0, len(shown) - 1)].fillColor = colors.HexColor("#2f6db5")  # this result
    drawing.add(chart)
    svg = renderSVG.drawToString(drawing)
    return svg[svg.index("<svg"):]


# --- plain data for the templates ---------------------------------------------------------------

#: the customer report's pages, one page each
SECTIONS = ("cover", "summary", "categories", "answers", "tips", "comparison", "imprint")
#: how tightly a page is set, from roomy to tight: (font size in pt, each category's chart height in pt
#: (0: none, the summary chart shows them all), the summary chart's and the history chart's height in
#: pt, answers in two columns, at most this many answers)
DENSITIES = ((10, 150, 420, 190, False, None), (9, 100, 340, 160, False, None), (8, 60, 280, 130, False, None),
             (8, 0, 240, 110, True, None), (7, 0, 200, 100, True, None), (6.5, 0, 140, 80, True, None),
             (6.5, 0, 140, 80, True, 60), (6.5, 0, 140, 80, True, 36))


def answer_rows(version, data: Any, lang: str = "de") -> tuple[list[dict], list[dict]]:
    """The answers as the questionnaire labels them (question labels, option labels, Ja/Nein, dates in
    the reader's format: ``forms.render.format_value``, escaped HTML) and, apart, the signatures as
    images. A datagrid is one row with its rows' answers; hidden fields and buttons are left out."""
    from core.services import questionnaires as qs
    from forms import scoring
    from forms.base import B64_RE, SIGNATURE_PREFIX
    from forms.jsvalues import UNDEF
    from forms.render import format_value

    if not isinstance(data, dict):
        return [], []
    rows, signatures = [], []
    for c in qs.form_for(version).components:
        if c.kind not in ("value", "grid") or c.grids or c.type in ("button", "hidden") or not c.data_path:
            continue
        value = scoring.get_path(data, c.data_path)
        if value in (None, "", [], {}) or value is UNDEF:
            continue
        if c.type == "signature":
            if isinstance(value, str) and value.startswith(SIGNATURE_PREFIX) \
                    and B64_RE.fullmatch(value[len(SIGNATURE_PREFIX):]):
                signatures.append({"question": c.label, "src": value})
            continue
        if c.kind == "grid":
            children = [x for x in c.iter_data_children() if x.type not in ("hidden", "signature")]
            parts = ["; ".join(f"{x.label}: {format_value(x, x.get_in(r), lang)}" for x in children
                               if x.get_in(r) is not UNDEF) for r in value if isinstance(r, dict)]
            rows.append({"question": c.label, "answer": Markup(" · ".join(p for p in parts if p))})  # noqa: S704
            continue
        rows.append({"question": c.label, "answer": Markup(format_value(c, value, lang))})  # noqa: S704 (escaped)
    return rows, signatures


def report_data(dialog: Dialog, lang: str = "de") -> dict[str, Any]:
    """Everything a report shows, as plain data (no documents reach the template)."""
    customer, unit, version = dialog.customer, dialog.business_unit, dialog.version
    results = dialog.results or {}
    categories = results.get("categories", [])
    previous = Dialog.objects(customer=customer, status="done", completed_at__lt=dialog.completed_at) \
        .order_by("-completed_at").first() if dialog.completed_at else None
    prev_cats = (previous.results or {}).get("categories", []) if previous else []
    prev_by_key = {c["key"]: c for c in prev_cats}
    model = version.scoring or {}
    levels = {lv["key"]: lv["label"] for lv in model.get("levels", [])}
    described = {c["key"]: c for c in model.get("categories", [])}
    answers, signatures = answer_rows(version, dialog.submission.data, lang) if dialog.submission else ([], [])
    history = [{"date": d.completed_at.strftime("%d.%m.%Y"), "percent": (d.results or {}).get("total", {})
                .get("percent", 0)} for d in Dialog.objects(customer=customer, status="done").order_by("completed_at")
               if d.results and d.completed_at and (not dialog.completed_at or d.completed_at <= dialog.completed_at)]
    settings = unit.settings
    shown_categories = []
    for c in categories:
        before = prev_by_key.get(c["key"])
        shown_categories.append({
            **c, "previous_percent": before["percent"] if before else None,
            "delta": c["percent"] - before["percent"] if before else None,
            "description": described.get(c["key"], {}).get("description", ""),
            "thresholds": [{"level": levels.get(t["level"], t["level"]), "min": t["min"]}
                           for t in described.get(c["key"], {}).get("thresholds", [])],
            "before": before})
    return {
        "unit": {"name": unit.name, **{f: (getattr(settings, f, None) if settings else None) or ""
                                       for f in ("address", "phone", "email", "imprint")}},
        "customer": {"name": customer.full_name},
        "questionnaire": version.name,
        "completed": dialog.completed_at.strftime("%d.%m.%Y") if dialog.completed_at else "",
        "created": utcnow().strftime("%d.%m.%Y"),
        "total": results.get("total", {"score": 0, "max": 0, "percent": 0}),
        "categories": shown_categories,
        "previous_categories": prev_cats,
        "previous": {"date": previous.completed_at.strftime("%d.%m.%Y"),
                     "total": (previous.results or {}).get("total", {})} if previous else None,
        "answers": answers,
        "signatures": signatures,
        "history": history,
        "history_svg": history_svg(history),
        "levels": [{"label": lv["label"]} for lv in model.get("levels", [])],
    }


def _scaled(svg: str, max_height: float) -> dict:
    """An SVG chart as a PDF image, at most ``max_height`` points tall, its proportions kept."""
    width = float(svg.split('width="', 1)[1].split('"', 1)[0])
    height = float(svg.split('height="', 1)[1].split('"', 1)[0])
    scale = min(1.0, max_height / height)
    return {"src": svg_data_uri(svg), "width": f"{width * scale:.0f}pt", "height": f"{height * scale:.0f}pt"}


def _density(data: dict[str, Any], level: int) -> dict[str, Any]:
    """What a page set at ``level`` (:data:`DENSITIES`) shows: font sizes and charts sized to it."""
    font, bar_height, overview_height, history_height, two_columns, most = DENSITIES[level]
    n = max(len(data["categories"]), 1)
    bar = min(bar_height, max(18.0, 560.0 / n - 40)) if bar_height else 0
    answers = data["answers"] if most is None else data["answers"][:most]
    half = (len(answers) + 1) // 2
    pairs = list(zip(answers[:half], [*answers[half:], None][:half], strict=True)) if two_columns else None
    def bar_chart(c: dict) -> dict:
        return _scaled(chart_svg([c], previous=[c["before"]] if c["before"] else None, width=PAGE_WIDTH_PT,
                                 height=bar), bar)

    overview = chart_svg(data["categories"], previous=data["previous_categories"] or None, width=PAGE_WIDTH_PT,
                         height=overview_height)
    return {"font": font, "h2": round(font * 1.6, 1), "h3": round(font * 1.15, 1),
            "categories": [{**c, "chart": bar_chart(c) if bar else None} for c in data["categories"]],
            "answers": answers, "answer_pairs": pairs, "answers_left_out": len(data["answers"]) - len(answers),
            "overview_chart": _scaled(overview, overview_height),
            "history_chart": _scaled(data["history_svg"], history_height)}


def _html_to_pdf(html: str) -> bytes:
    from xhtml2pdf import pisa

    out = io.BytesIO()
    status = pisa.CreatePDF(html, dest=out, link_callback=link_callback, encoding="utf-8",
                            resource_policy=resource_policy())
    if status.err:
        raise RuntimeError(f"PDF rendering failed ({status.err} errors)")
    return out.getvalue()


def render_pdf(kind: str, data: dict[str, Any], lang: str = "de") -> bytes:
    """Render the ``kind`` report of ``data`` (plain data only) to PDF bytes.

    The customer report has its seven pages whatever the number of categories and answers: each page is
    set alone, roomy first and tighter (:data:`DENSITIES`) while it runs over one page; at the tightest
    the last answers are left out with a note (the complete answers stay in the customer file)."""
    template = TEMPLATES[kind]
    with force_locale(lang):
        if kind != "customer":
            return _html_to_pdf(render_template(template, r=data))
        levels = {}
        for name in SECTIONS:
            for level in range(len(DENSITIES)):
                page = _html_to_pdf(render_template(template, r=data, sections=[name],
                                                    d={name: _density(data, level)}))
                if _page_count(page) <= 1:
                    break
            levels[name] = level
        return _html_to_pdf(render_template(template, r=data, sections=SECTIONS,
                                            d={name: _density(data, levels[name]) for name in SECTIONS}))


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
