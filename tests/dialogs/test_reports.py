"""PDF reports parsed back; the delete cascade leaves nothing of the customer in any collection."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.dialogs.conftest import ANSWERS


@pytest.fixture
def done_dialog(app, staff_actor, customer, scored_version):
    from core.services import dialogs as service

    with app.app_context():
        earlier = service.start(staff_actor, customer, scored_version)
        service.complete(earlier, {"nights": "good", "coffee": False})
        dialog = service.start(staff_actor, customer, scored_version)
        return service.complete(dialog, ANSWERS)


def text_of(pdf: bytes) -> tuple[int, str, PdfReader]:
    reader = PdfReader(io.BytesIO(pdf))
    return len(reader.pages), "\n".join(p.extract_text() for p in reader.pages), reader


def text_fonts(pdf: bytes, pages: list[int] | None = None) -> set[str]:
    """The base names of the fonts that draw text on ``pages`` (all by default), subset prefixes cut off."""
    reader = PdfReader(io.BytesIO(pdf))
    used: set[str] = set()

    def visit(text, cm, tm, font, size):
        if text.strip() and font is not None:
            used.add(str(font["/BaseFont"]).lstrip("/").split("+")[-1])

    for i in range(len(reader.pages)) if pages is None else pages:
        reader.pages[i].extract_text(visitor_text=visit)
    return used


VERA = {"BitstreamVeraSans-Roman", "BitstreamVeraSans-Bold"}
BULLETS = "Symbol"  # xhtml2pdf draws list bullets (•) in the base-14 Symbol font


def test_reports_embed_our_font_whatever_the_working_directory(app, done_dialog, tmp_path, monkeypatch, caplog):
    """xhtml2pdf's default policy only reads files under the working directory; ours names the font folder."""
    from core.services import reports

    monkeypatch.chdir(tmp_path)  # not the checkout (the font lies in it)
    caplog.set_level("WARNING")
    with app.test_request_context():
        customer = reports.render_pdf("customer", reports.report_data(done_dialog))
        tips = reports.render_pdf("tips", reports.report_data(done_dialog))
    assert [r.getMessage() for r in caplog.records if r.name.startswith("xhtml2pdf")] == []
    assert text_fonts(tips) - {BULLETS} == VERA
    assert text_fonts(customer, [0, 4, 6]) - {BULLETS} == VERA  # cover, tips, imprint (charts label in Helvetica)
    assert str(reports.FONT_DIR).startswith(str(Path(reports.__file__).resolve().parents[1]))  # our package data


def test_the_report_policy_reads_nothing_outside_the_font_folder(tmp_path):
    from xhtml2pdf.config.resources import ResourceAccessError

    from core.services import reports

    policy = reports.resource_policy()
    policy.check_path(reports.FONT_DIR / "Vera.ttf")
    for path in (tmp_path / "x.ttf", Path(reports.__file__), Path("/etc/passwd")):
        with pytest.raises(ResourceAccessError):
            policy.check_path(path)
    with pytest.raises(ResourceAccessError):
        policy.check_url("https://example.com/x.png")


def test_customer_report_through_the_dashboard(app, owner_client, customer, done_dialog):
    from core.models import Report
    from tests.conftest import csrf_token

    url = f"/admin/dialogs/dashboard?customer={customer.pk}"
    token = csrf_token(owner_client, url)
    assert 'data-testid="create-customer"' in owner_client.get(url).get_data(as_text=True)
    response = owner_client.post("/admin/dialogs/report", data={"csrf_token": token, "dialog": str(done_dialog.pk),
                                                                "kind": "customer"})
    assert response.status_code == 302
    with app.app_context():
        report = Report.objects.get(dialog=done_dialog, kind="customer")  # eager Celery in tests: ready
        assert report.status == "ready"
    status = owner_client.get(f"/admin/dialogs/report/status?id={report.pk}").get_json()
    assert status["status"] == "ready"
    html = owner_client.get(url).get_data(as_text=True)
    assert 'data-testid="download-customer"' in html
    pdf = owner_client.get(status["download"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    pages, text, reader = text_of(pdf.data)
    # cover, summary, categories, answers, tips, comparison, imprint
    assert pages == 7 == report.pages
    for needle in ("Jürgen Weiß", "Schlafqualität", "Größe", "5 €", "Belastung (Geld & Arbeit)", "Wie schlafen Sie?"):
        assert needle in text, needle
    fonts = {str(f) for page in reader.pages for f in (page["/Resources"].get("/Font") or {}).values()
             for f in [f.get_object()["/BaseFont"]]}
    assert any("Vera" in f for f in fonts), fonts  # the embedded TTF, not a base-14 font
    # the charts are drawn (reportlab bars, our blue: #2f6db5) on the summary, categories and comparison pages
    blue = re.compile(rb"\.18039\d* \.41960\d* \.70196\d* rg")
    assert [bool(blue.search(reader.pages[i].get_contents().get_data())) for i in range(7)] == \
        [False, True, True, False, False, True, False]


def test_tips_report_and_preparing_state(app, owner_client, staff_actor, customer, done_dialog):
    from core.db import get_db
    from core.models import Report
    from core.services import reports

    app.config["CELERY"] = {}
    with app.app_context():
        report = Report(business_unit=done_dialog.business_unit, customer=customer, dialog=done_dialog,
                        kind="tips").save()
    html = owner_client.get(f"/admin/dialogs/dashboard?customer={customer.pk}").get_data(as_text=True)
    assert 'data-testid="preparing-tips"' in html
    with app.app_context():
        assert reports.render_report(str(report.pk)) == "ready"
        assert reports.render_report(str(report.pk)) == "ready"  # idempotent
        report.reload()
        pages, text, _ = text_of(reports.report_bytes(report))
        assert get_db()["reports.files"].count_documents({"metadata.report": report.pk}) == 1
    assert pages == 1 and "Kaffee nur bis 14 Uhr." in text and "Gewohnheiten" in text


@pytest.mark.parametrize("uri", ["file:///etc/passwd", "http://example.com/x.png", "/etc/passwd",
                                 "../../core/config.py", "fd-font/../../x.ttf", "//evil/x.css"])
def test_link_callback_refuses_everything_not_ours(uri):
    from core.services import reports

    with pytest.raises(reports.BlockedResource):
        reports.link_callback(uri)
    assert reports.link_callback("fd-font/Vera.ttf").endswith("Vera.ttf")


def test_delete_cascade_leaves_nothing_of_the_customer(app, staff_actor, customer, make_customer, done_dialog):
    from bson import ObjectId

    from core.db import get_db
    from core.models import Report
    from core.services import reports
    from core.services.deletion import delete_customer

    other = make_customer(email="bleibt@example.com")
    with app.app_context():
        for kind in ("customer", "tips"):
            r = Report(business_unit=done_dialog.business_unit, customer=customer, dialog=done_dialog,
                       kind=kind).save()
            reports.render_report(str(r.pk))
        from core.services import dialogs as service

        service.start(staff_actor, other, done_dialog.version)
        report_ids = [r.pk for r in Report.objects(customer=customer)]
        file_ids = [r.file_id for r in Report.objects(customer=customer)]
        assert all(file_ids) and get_db()["reports.chunks"].count_documents({"files_id": {"$in": file_ids}}) == 2
        dialog_ids = list(get_db()["dialogs"].find({"customer": customer.pk}).distinct("_id"))
        submission_ids = get_db()["submissions"].find({"customer": customer.pk}).distinct("_id")
        assert report_ids and dialog_ids and submission_ids
        delete_customer(staff_actor, customer)
        needles = {customer.pk, str(customer.pk), *report_ids, *dialog_ids, *submission_ids, *file_ids,
                   *(str(i) for i in report_ids + dialog_ids + file_ids)}
        db = get_db()

        def mentions(value) -> bool:
            if isinstance(value, dict):
                return any(mentions(v) for v in value.values())
            if isinstance(value, list):
                return any(mentions(v) for v in value)
            if isinstance(value, ObjectId | str):
                return value in needles or (isinstance(value, str) and any(str(n) in value for n in needles))
            return False

        found = {}
        assert {"reports.files", "reports.chunks"} <= set(db.list_collection_names())  # GridFS was used
        for name in db.list_collection_names():
            if name == "audit_events":
                continue  # keeps the fact of the deletion (checked below), not the data
            hits = [doc["_id"] for doc in db[name].find() if mentions(doc)]
            if hits:
                found[name] = hits
        assert found == {}
        audit = list(db["audit_events"].find({"object_id": str(customer.pk)}))
        assert all("Weiß" not in str(e) and "juergen@" not in str(e) for e in audit)
        assert db["dialogs"].count_documents({}) == 1  # the other customer's dialog stays


def test_racing_render_runs_keep_one_file(app, customer, done_dialog, monkeypatch):
    """Two workers render the same report (acks_late redelivery): the first to finish wins, the other's
    GridFS file is deleted; a crashed earlier run's file is swept; the download is the winner's PDF."""
    from core import files
    from core.db import get_db
    from core.models import Report
    from core.services import reports

    with app.app_context():
        report = Report(business_unit=done_dialog.business_unit, customer=customer, dialog=done_dialog,
                        kind="tips").save()
        crashed = files.put(reports.BUCKET, b"%PDF-half", filename="x.pdf", content_type="application/pdf",
                            customer=customer.pk, business_unit=customer.business_unit.pk, report=report.pk)
        real_put = files.put

        def put_then_other_run_finishes(*args, **kwargs):
            file_id = real_put(*args, **kwargs)
            monkeypatch.setattr(files, "put", real_put)
            assert reports.render_report(str(report.pk)) == "ready"  # the other worker, meanwhile
            return file_id

        monkeypatch.setattr(files, "put", put_then_other_run_finishes)
        assert reports.render_report(str(report.pk)) == "ready"
        report.reload()
        stored = list(get_db()["reports.files"].find({"metadata.report": report.pk}))
        assert [f["_id"] for f in stored] == [report.file_id] and crashed != report.file_id
        assert get_db()["reports.chunks"].count_documents({"files_id": {"$ne": report.file_id}}) == 0
        assert reports.report_bytes(report).startswith(b"%PDF-1.")


def test_missing_file_is_a_404_not_a_500(app, owner_client, customer, done_dialog):
    from core import files
    from core.models import Report
    from core.services import reports

    with app.app_context():
        report = Report(business_unit=done_dialog.business_unit, customer=customer, dialog=done_dialog,
                        kind="tips").save()
        reports.render_report(str(report.pk))
        report.reload()
        files.delete(reports.BUCKET, report.file_id)
    assert owner_client.get(f"/admin/dialogs/report/download?id={report.pk}").status_code == 404


def test_chart_labels_are_wrapped_not_cut():
    """reportlab does not wrap axis labels: long category names are broken into lines that fit."""
    import re as _re

    from core.services import reports

    assert reports.wrap_label("Belastung (Geld & Arbeit)") == "Belastung (Geld & Arbeit)"
    long = "Eine sehr lange Kategorie mit vielen Wörtern, die nicht in eine Zeile passt"
    wrapped = reports.wrap_label(long)
    assert 2 <= wrapped.count("\n") + 1 <= 3 and wrapped.replace("\n", " ") == long
    assert reports.wrap_label(long * 3).endswith("…")
    assert reports.wrap_label("Donaudampfschifffahrtsgesellschaftskapitänsmütze").endswith("…")
    svg = reports.chart_svg([{"key": "a", "label": long, "percent": 40},
                             {"key": "b", "label": "Belastung (Geld & Arbeit)", "percent": 80}])
    texts = [t.replace("&amp;", "&") for t in _re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    assert "Belastung (Geld & Arbeit)" in texts
    assert " ".join(t for t in texts if not t.isdigit() and t not in ("Belastung (Geld & Arbeit)",)) == long


def test_deleting_a_dialog_removes_its_reports_and_their_files(app, staff_actor, customer, done_dialog):
    from core.db import get_db
    from core.models import Dialog, Report
    from core.services import dialogs as service
    from core.services import reports

    with app.app_context():
        earlier = Dialog.objects(customer=customer, pk__ne=done_dialog.pk).get()
        kept = Report(business_unit=earlier.business_unit, customer=customer, dialog=earlier, kind="tips").save()
        reports.render_report(str(kept.pk))
        for kind in ("customer", "tips"):
            r = Report(business_unit=done_dialog.business_unit, customer=customer, dialog=done_dialog,
                       kind=kind).save()
            reports.render_report(str(r.pk))
        gone = [r.file_id for r in Report.objects(dialog=done_dialog)]
        service.delete(staff_actor, done_dialog)
        db = get_db()
        assert Report.objects(dialog=done_dialog).count() == 0
        assert db["reports.files"].count_documents({"_id": {"$in": gone}}) == 0
        assert db["reports.chunks"].count_documents({"files_id": {"$in": gone}}) == 0
        kept.reload()
        assert reports.report_bytes(kept).startswith(b"%PDF-")  # the other dialog's report stays


def test_a_render_killed_midway_is_requeued_within_minutes(app, owner_client, customer, done_dialog):
    """A worker killed mid-render leaves the report "preparing" (the broker redelivers only after its
    visibility timeout, an hour): the beat sweep re-queues it once the render is older than the lease,
    fails it visibly after a few hand-overs, leaves fresh renders alone, and never re-queues twice."""
    from datetime import timedelta

    from core.celery_app import BEAT_SCHEDULE
    from core.models import Report
    from core.models._base import utcnow
    from core.services import reports

    entry = BEAT_SCHEDULE["reports-stale-renders"]
    assert entry["task"] == "tasks.reports.requeue_stale" and entry["schedule"] <= timedelta(minutes=1)
    now = utcnow()
    with app.app_context():
        def stuck(**kw):
            return Report(business_unit=done_dialog.business_unit, customer=customer, dialog=done_dialog,
                          kind="tips", created_at=now - timedelta(minutes=30), **kw).save()

        killed = stuck(enqueued_at=now - timedelta(minutes=8), enqueues=1, render_started_at=now - timedelta(minutes=7))
        lost = stuck(enqueued_at=now - timedelta(minutes=6), enqueues=1)  # never picked up
        legacy = stuck()  # from before the fields existed
        running = stuck(enqueued_at=now - timedelta(minutes=2), enqueues=1,
                        render_started_at=now - timedelta(minutes=1))
        hopeless = stuck(enqueued_at=now - timedelta(minutes=6), enqueues=reports.MAX_ENQUEUES,
                         render_started_at=now - timedelta(minutes=6))
        counts = reports.requeue_stale_renders(now)
        assert counts == {"requeued": 3, "failed": 1}
        # tasks run eagerly in tests: the re-queued renders have finished
        assert {Report.objects.get(pk=r.pk).status for r in (killed, lost, legacy)} == {"ready"}
        assert Report.objects.get(pk=killed.pk).enqueues == 2
        assert Report.objects.get(pk=running.pk).status == "preparing"
        failed = Report.objects.get(pk=hopeless.pk)
        assert failed.status == "failed" and "worker" in failed.error
        assert reports.requeue_stale_renders(now) == {"requeued": 0, "failed": 0}  # idempotent
        Report.objects(pk__ne=hopeless.pk).delete()
    html = owner_client.get(f"/admin/dialogs/dashboard?customer={customer.pk}").get_data(as_text=True)
    assert 'data-testid="failed-tips"' in html and "konnte nicht erstellt werden" in html
    assert 'data-testid="create-tips"' in html  # and staff can create it again


def test_download_name_with_umlauts_is_rfc6266(app, owner_client, customer, done_dialog):
    """"Weiß" in the file name: ASCII-only header, the real name in ``filename*``."""
    from urllib.parse import unquote

    from werkzeug.http import parse_options_header

    from core.models import Report
    from core.services import reports

    with app.app_context():
        report = Report(business_unit=done_dialog.business_unit, customer=customer, dialog=done_dialog,
                        kind="tips").save()
        reports.render_report(str(report.pk))
        report.reload()
        assert "Weiß" in report.filename
    r = owner_client.get(f"/admin/dialogs/report/download?id={report.pk}")
    assert r.status_code == 200 and r.data.startswith(b"%PDF-1.")
    raw = r.headers["Content-Disposition"]
    raw.encode("ascii")  # no raw Latin-1 byte
    kind, options = parse_options_header(raw)
    assert kind == "attachment"
    assert options["filename"] == report.filename  # read as a browser reads it: filename* wins
    assert f"filename={report.filename.replace('ß', '')};" in raw  # the ASCII fallback for old clients
    assert "filename*=UTF-8''" in raw and unquote(raw.split("filename*=UTF-8''")[1]) == report.filename


def test_report_answers_show_option_labels_not_stored_values(app, done_dialog):
    from core.services import reports

    with app.app_context():
        shown = {a["question"]: a["answer"] for a in reports.report_data(done_dialog)["answers"]}
        english = {a["question"]: a["answer"] for a in reports.report_data(done_dialog, "en")["answers"]}
    assert shown == {"Wie schlafen Sie?": "Schlecht", "Kaffee nach 16 Uhr": "Ja", "Was belastet Sie?": "Arbeit, Geld"}
    assert english["Kaffee nach 16 Uhr"] == "Yes"
