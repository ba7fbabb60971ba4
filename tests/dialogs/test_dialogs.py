"""Dialogs: scoring frozen on publish, status transitions, link misuse, e-mails once, reminders, deletion."""

from __future__ import annotations

import copy
import re
from datetime import timedelta

import pytest

from tests.dialogs.conftest import ANSWERS, DEFINITION, SCORING


def link_of(app, dialog):
    from core.services import dialogs as service

    with app.app_context():
        return service.LINK_PATH.format(id=dialog.pk, token=service.link_token(dialog))


def start(app, staff_actor, customer, version, **kw):
    from core.services import dialogs as service

    with app.app_context():
        return service.start(staff_actor, customer, version, **kw)


def post_json(client, url, data, csrf=None):
    headers = {"X-CSRFToken": csrf} if csrf else {}
    return client.post(url, json={"data": data}, headers=headers)


def page_csrf(client, url):
    html = client.get(url).get_data(as_text=True)
    return re.search(r'data-csrf-token="([^"]+)"', html).group(1)


# --- scoring on publish ----------------------------------------------------------------------------

def test_publish_freezes_the_scoring_model(app, scored_version):
    with app.app_context():
        assert scored_version.scoring == SCORING


def test_publish_refuses_an_invalid_scoring_model(app, unit, staff_actor):
    from core.errors import InvalidInput
    from core.models import Questionnaire
    from core.services import questionnaires as qs

    bad = copy.deepcopy(SCORING)
    bad["points"][0]["path"] = "no_such_field"
    with app.app_context():
        q = qs.create(staff_actor, unit, name="Kaputt", kind="survey", definition=copy.deepcopy(DEFINITION))
        Questionnaire.objects(pk=q.pk).update_one(set__scoring=bad)
        q.reload()
        with pytest.raises(InvalidInput, match="no_such_field"):
            qs.publish(staff_actor, q)


def test_designers_edit_the_scoring_model(app, unit, owner_client, staff_actor):
    from core.models import Questionnaire
    from core.services import questionnaires as qs
    from tests.conftest import csrf_token

    with app.app_context():
        q = qs.create(staff_actor, unit, name="Modell", kind="survey", definition=copy.deepcopy(DEFINITION))
    url = f"/admin/scoring/?questionnaire={q.pk}"
    token = csrf_token(owner_client, url)
    bad = copy.deepcopy(SCORING)
    bad["levels"] = [{"key": "low", "label": "Gering"}]
    response = owner_client.post(url, data={"csrf_token": token, "scoring": __import__("json").dumps(bad)})
    assert response.status_code == 422 and "Es gibt keine Stufe „mid“" in response.get_data(as_text=True)
    response = owner_client.post(url, data={"csrf_token": token, "scoring": "{kein json"})
    assert response.status_code == 422
    owner_client.post(url, data={"csrf_token": token, "scoring": __import__("json").dumps(SCORING)})
    with app.app_context():
        assert Questionnaire.objects.get(pk=q.pk).scoring == SCORING
        assert qs.publish(staff_actor, Questionnaire.objects.get(pk=q.pk)).scoring == SCORING


# --- the personal link: transitions ------------------------------------------------------------------

def test_status_transitions_and_results_computed_once(app, client, staff_actor, customer, scored_version):
    from core.models import Dialog, OutboxMessage, Submission

    dialog = start(app, staff_actor, customer, scored_version)
    with app.app_context():
        dialog.reload()
        assert dialog.status == "not_opened" and dialog.invited_at is not None
        assert len(dialog.token_hash) == 64 and link_of(app, dialog).split("/")[-1] not in str(dialog.to_mongo())
        invitation = OutboxMessage.objects.get(idempotency_key=f"dialog:{dialog.pk}:invitation:1")
        assert link_of(app, dialog) in invitation.body and invitation.status == "stored"
    url = link_of(app, dialog)
    page = client.get(url)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Schlaf-Check" in page.get_data(as_text=True)
    with app.app_context():
        assert Dialog.objects.get(pk=dialog.pk).status == "running"
    csrf = page_csrf(client, url)
    assert post_json(client, url + "/progress", {"nights": "ok"}, csrf).status_code == 200
    with app.app_context():
        assert Dialog.objects.get(pk=dialog.pk).answers == {"nights": "ok"}
    # reopening prefills the saved answers
    assert "data-prefill='{\"nights\": \"ok\"}'" in client.get(url).get_data(as_text=True)
    # invalid answers (required radio missing) are refused; the dialog stays running
    response = post_json(client, url, {"coffee": True}, csrf)
    assert response.status_code == 422
    response = post_json(client, url, ANSWERS, csrf)
    assert response.status_code == 200, response.get_data(as_text=True)
    with app.app_context():
        done = Dialog.objects.get(pk=dialog.pk)
        assert done.status == "done" and done.token_hash is None and done.answers == {}
        sleep, stress, habits = done.results["categories"]
        assert (sleep["score"], sleep["level"]) == (6, "high")      # bad 4 + coffee 2
        assert (stress["score"], stress["percent"], stress["level"]) == (6, 75, "high")  # 3 + 3 of 8
        assert (habits["score"], habits["level"]) == (2, "high")
        assert done.results["total"] == {"score": 14, "max": 16, "percent": 88}
        assert Submission.objects(customer=customer, source="dialog").count() == 1
        frozen = copy.deepcopy(done.results)
    # reused after Done: refused, nothing changes
    assert client.get(url).status_code == 410
    assert post_json(client, url, ANSWERS, csrf).status_code == 410
    assert post_json(client, url + "/progress", ANSWERS, csrf).status_code == 410
    with app.app_context():
        assert Dialog.objects.get(pk=dialog.pk).results == frozen
        assert Submission.objects(customer=customer, source="dialog").count() == 1


def test_link_misuse_is_refused(app, client, staff_actor, customer, make_customer, scored_version):
    from core.models import Dialog

    other = make_customer(email="other@example.com")
    mine = start(app, staff_actor, customer, scored_version)
    theirs = start(app, staff_actor, other, scored_version)
    my_token = link_of(app, mine).split("/")[-1]
    # my token with the other customer's dialog id; a made-up token; a truncated one
    assert client.get(f"/d/{theirs.pk}/{my_token}").status_code == 404
    assert client.get(f"/d/{mine.pk}/{'x' * 43}").status_code == 404
    assert client.get(f"/d/{mine.pk}/{my_token[:-1]}").status_code == 404
    assert client.get(f"/d/not-an-id/{my_token}").status_code == 404
    with app.app_context():
        assert Dialog.objects.get(pk=theirs.pk).status == "not_opened"
        # expired
        Dialog.objects(pk=mine.pk).update_one(set__token_expires_at=mine.created_at - timedelta(seconds=1))
    assert client.get(link_of(app, mine)).status_code == 410
    assert client.post(link_of(app, mine), json={"data": ANSWERS}).status_code in (400, 410)


# --- e-mails exactly once, reminders ------------------------------------------------------------------

def test_invitation_and_reminders_are_sent_once_per_action(app, staff_actor, customer, scored_version):
    from core.models import Dialog, OutboxMessage
    from core.services import dialogs as service

    dialog = start(app, staff_actor, customer, scored_version)
    with app.app_context():
        # a retried / redelivered invitation task changes nothing
        for _ in range(3):
            assert service.send_invitation(str(dialog.pk)) == "stored"
        assert OutboxMessage.objects(idempotency_key__startswith=f"dialog:{dialog.pk}:").count() == 1
        service.send_reminder(staff_actor, dialog)
        from core.models._base import utcnow

        later = utcnow() + service.MANUAL_REMINDER_INTERVAL + timedelta(seconds=1)
        service.send_reminder(staff_actor, dialog, now=later)
        keys = sorted(OutboxMessage.objects(customer_id=str(customer.pk)).scalar("idempotency_key"))
        assert keys == [f"dialog:{dialog.pk}:invitation:1", f"dialog:{dialog.pk}:reminder:1",
                        f"dialog:{dialog.pk}:reminder:2"]
        assert Dialog.objects.get(pk=dialog.pk).reminders_sent == 2
        # a sender that died after claiming the key but before counting: the retry reuses the key
        Dialog.objects(pk=dialog.pk).update_one(set__reminders_sent=1)
        service.send_reminder(staff_actor, dialog, now=later + service.MANUAL_REMINDER_INTERVAL)
        assert OutboxMessage.objects(customer_id=str(customer.pk)).count() == 3
        assert Dialog.objects.get(pk=dialog.pk).reminders_sent == 2


def test_a_second_reminder_within_ten_minutes_is_refused(app, owner_client, staff_actor, customer, scored_version):
    """Two clicks on "Erinnerung senden" send one reminder; the second gets a German refusal."""
    from core.models import OutboxMessage
    from tests.conftest import csrf_token

    dialog = start(app, staff_actor, customer, scored_version)
    token = csrf_token(owner_client, f"/admin/dialogs/dashboard?customer={customer.pk}")
    form = {"csrf_token": token, "id": str(dialog.pk)}
    assert owner_client.post("/admin/dialogs/remind", data=form).status_code == 302
    page = owner_client.post("/admin/dialogs/remind", data=form, follow_redirects=True).get_data(as_text=True)
    assert "vor weniger als 10 Minuten" in page
    with app.app_context():
        assert OutboxMessage.objects(idempotency_key__contains=":reminder:").count() == 1


def test_concurrent_reminder_clicks_send_one(app, staff_actor, customer, scored_version):
    import threading

    from core.errors import Conflict
    from core.models import Dialog, OutboxMessage
    from core.services import dialogs as service

    dialog = start(app, staff_actor, customer, scored_version)
    barrier, outcomes = threading.Barrier(2), []

    def click():
        with app.app_context():
            mine = Dialog.objects.get(pk=dialog.pk)
            barrier.wait()
            try:
                service.send_reminder(staff_actor, mine)
                outcomes.append("sent")
            except Conflict:
                outcomes.append("refused")

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refused", "sent"]
    with app.app_context():
        assert OutboxMessage.objects(idempotency_key__contains=":reminder:").count() == 1
        assert Dialog.objects.get(pk=dialog.pk).reminders_sent == 1


def test_sweep_sends_automatic_reminders_after_days_at_most_n_times(app, staff_actor, customer, scored_version):
    from core.models import Dialog, OutboxMessage
    from core.services import dialogs as service

    app.config.update(DIALOG_REMINDER_AFTER_DAYS=3, DIALOG_REMINDER_MAX=2)
    dialog = start(app, staff_actor, customer, scored_version)
    with app.app_context():
        t0 = dialog.created_at
        assert service.send_due_reminders(now=t0 + timedelta(days=2)) == 0
        assert service.send_due_reminders(now=t0 + timedelta(days=3, minutes=1)) == 1
        assert service.send_due_reminders(now=t0 + timedelta(days=4)) == 0    # last one only a day ago
        assert service.send_due_reminders(now=t0 + timedelta(days=6, minutes=2)) == 1
        assert service.send_due_reminders(now=t0 + timedelta(days=20)) == 0   # at most 2
        assert Dialog.objects.get(pk=dialog.pk).reminders_sent == 2
        assert OutboxMessage.objects(idempotency_key__contains=":reminder:").count() == 2


def test_sweep_lock_lets_one_sweep_run(app):
    from core.services import dialogs as service

    with app.app_context():
        with service.sweep_lock("t", ttl=timedelta(minutes=1)) as first, \
                service.sweep_lock("t", ttl=timedelta(minutes=1)) as second:
            assert first and not second
        with service.sweep_lock("t", ttl=timedelta(minutes=1)) as again:
            assert again


def test_done_dialogs_get_no_reminder(app, staff_actor, customer, scored_version):
    from core.errors import Conflict
    from core.services import dialogs as service

    dialog = start(app, staff_actor, customer, scored_version)
    with app.app_context():
        service.complete(dialog, ANSWERS)
        with pytest.raises(Conflict):
            service.send_reminder(staff_actor, dialog)
        assert service.send_due_reminders(now=dialog.created_at + timedelta(days=30)) == 0


# --- admin: start, dashboard states, delete ----------------------------------------------------------

def state_of(client, customer):
    html = client.get(f"/admin/dialogs/dashboard?customer={customer.pk}").get_data(as_text=True)
    return int(re.search(r'data-state="(\d)"', html).group(1)), html


def test_the_four_dashboard_states(app, owner_client, staff_actor, customer, scored_version):
    from core.services import dialogs as service
    from tests.conftest import csrf_token

    state, html = state_of(owner_client, customer)
    assert state == 1 and 'data-testid="start-dialog"' in html and "send-reminder" not in html
    assert "Manage customer and dialogs" in html or "Kunde und Dialoge verwalten" in html
    # staff start a dialog from the page
    token = csrf_token(owner_client, f"/admin/dialogs/start?customer={customer.pk}")
    response = owner_client.post("/admin/dialogs/start", data={"csrf_token": token, "customer": str(customer.pk),
                                                               "version": str(scored_version.pk)})
    assert response.status_code == 302
    state, html = state_of(owner_client, customer)
    assert state == 2 and 'data-testid="send-reminder"' in html and "results-dashboard" not in html
    with app.app_context():
        first = service.dialogs_of(customer)[0]
        service.complete(first, ANSWERS)
    state, html = state_of(owner_client, customer)
    assert state == 4 and 'data-testid="results-dashboard"' in html and "<svg" in html
    assert "Schlafqualität" in html and "Abends keine Bildschirme" in html
    start(app, staff_actor, customer, scored_version)
    state, html = state_of(owner_client, customer)
    assert state == 3 and 'data-testid="send-reminder"' in html and 'data-testid="show-previous"' in html
    assert "results-dashboard" not in html
    html = owner_client.get(f"/admin/dialogs/dashboard?customer={customer.pk}&previous=1").get_data(as_text=True)
    assert 'data-testid="results-dashboard"' in html
    # the customer file links here
    file_html = owner_client.get(f"/admin/customer/file/?id={customer.pk}").get_data(as_text=True)
    assert f"/admin/dialogs/dashboard?customer={customer.pk}" in file_html


def test_admin_reminder_and_delete(app, owner_client, staff_actor, customer, scored_version):
    from core.models import Dialog, OutboxMessage
    from tests.conftest import csrf_token

    dialog = start(app, staff_actor, customer, scored_version)
    token = csrf_token(owner_client, f"/admin/dialogs/dashboard?customer={customer.pk}")
    form = {"csrf_token": token, "id": str(dialog.pk)}
    assert owner_client.post("/admin/dialogs/remind", data=form).status_code == 302
    with app.app_context():
        assert OutboxMessage.objects(idempotency_key=f"dialog:{dialog.pk}:reminder:1").count() == 1
    assert owner_client.post("/admin/dialogs/delete", data=form).status_code == 302
    with app.app_context():
        assert Dialog.objects(pk=dialog.pk).count() == 0


def test_other_units_dialogs_are_invisible(app, client, make_unit, make_user, staff_actor, customer, scored_version):
    from tests.conftest import csrf_token, login

    dialog = start(app, staff_actor, customer, scored_version)
    stranger = make_user("owner", business_unit=make_unit())
    login(client, stranger.email)
    assert client.get(f"/admin/dialogs/dashboard?customer={customer.pk}").status_code == 404
    assert client.get(f"/admin/dialogs/start?customer={customer.pk}").status_code == 404
    token = csrf_token(client, "/admin/")
    assert client.post("/admin/dialogs/delete", data={"csrf_token": token, "id": str(dialog.pk)}).status_code == 404


HOSTILE_DRAFT = {"nights": "ok", "coffee": float("nan"), "stressors": {"work": True, "__proto__": {"admin": True}},
                 "unknown": "kept?", "constructor": {"prototype": {"x": 1}}, "__proto__": 1,
                 "big": 2**70, "inf": float("inf")}


def _assert_clean(value):
    import json

    text = json.dumps(value, allow_nan=False)  # no NaN / Infinity
    assert "__proto__" not in text and "constructor" not in text and "unknown" not in text and "big" not in text
    assert set(value) <= {"nights", "coffee", "stressors"}


def test_autosave_keeps_only_the_forms_fields_with_storable_values(app, client, staff_actor, customer, scored_version):
    """Drafts are cleaned as submissions are: unknown and reserved keys go, NaN/Infinity/huge integers
    go; and a draft stored before that (NaN in it) still opens the form."""
    from core.models import Dialog
    from core.services import dialogs as service

    dialog = start(app, staff_actor, customer, scored_version)
    with app.app_context():
        service.save_progress(Dialog.objects.get(pk=dialog.pk), copy.deepcopy(HOSTILE_DRAFT))
        saved = Dialog.objects.get(pk=dialog.pk).answers
    assert saved["nights"] == "ok" and saved["stressors"]["work"] is True
    _assert_clean(saved)
    with app.app_context():  # a poisoned draft from before: the page still gets loadable JSON
        Dialog.objects(pk=dialog.pk).update_one(set__answers={"nights": "bad", "coffee": float("nan"),
                                                              "__proto__": {"x": 1}})
    import html as html_lib
    import json

    page = client.get(link_of(app, dialog)).get_data(as_text=True)
    prefill = re.search(r"data-prefill='([^']*)'", page).group(1)
    loaded = json.loads(html_lib.unescape(prefill), parse_constant=lambda c: pytest.fail(f"{c} in prefill"))
    assert loaded["nights"] == "bad"
    _assert_clean(loaded)


def test_delete_confirmation_lists_every_kind_with_its_german_name(app, owner_client, staff_actor, customer,
                                                                  scored_version):
    """Dialogs and reports are listed; outbox mails are not called "Nachrichten"."""
    import html as _html

    from core.models import Report

    dialog = start(app, staff_actor, customer, scored_version)  # the invitation lands in the outbox
    with app.app_context():
        Report(business_unit=dialog.business_unit, customer=customer, dialog=dialog, kind="tips").save()
    page = _html.unescape(owner_client.get(f"/admin/customer/delete-confirm/?id={customer.pk}").get_data(as_text=True))
    items = [" ".join(li.split()) for li in re.findall(r"<li>(.*?)</li>", page, re.S)]
    assert "1 × Dialoge (mit Antworten und Ergebnissen)" in items
    assert "1 × Berichte (PDF)" in items
    assert "1 × E-Mails/SMS im Postausgang" in items
    assert "0 × Nachrichten" in items  # portal messages, none here
    assert "0 × Termine" in items and "0 × Portalzugänge" in items


def test_every_registered_cleanup_is_counted_on_the_confirmation_page():
    from core.services import deletion

    assert deletion.uncounted() == []
