"""Fixtures for dialogs: a published questionnaire with a scoring model, a customer with e-mail."""

from __future__ import annotations

import copy

import pytest

DEFINITION = {"display": "form", "components": [
    {"type": "radio", "key": "nights", "label": "Wie schlafen Sie?", "input": True,
     "validate": {"required": True},
     "values": [{"label": "Schlecht", "value": "bad"}, {"label": "Geht so", "value": "ok"},
                {"label": "Gut", "value": "good"}]},
    {"type": "checkbox", "key": "coffee", "label": "Kaffee nach 16 Uhr", "input": True},
    {"type": "selectboxes", "key": "stressors", "label": "Was belastet Sie?", "input": True,
     "values": [{"label": "Arbeit", "value": "work"}, {"label": "Familie", "value": "family"},
                {"label": "Geld", "value": "money"}]},
    {"type": "button", "key": "submit", "label": "Senden", "action": "submit", "input": True},
]}

SCORING = {
    "categories": [
        {"key": "sleep", "label": "Schlafqualität",
         "thresholds": [{"min": 0, "level": "low"}, {"min": 3, "level": "mid"}, {"min": 6, "level": "high"}]},
        {"key": "stress", "label": "Belastung (Geld & Arbeit)",
         "thresholds": [{"min": 0, "level": "low"}, {"min": 5, "level": "high"}]},
        {"key": "habits", "label": "Gewohnheiten",
         "thresholds": [{"min": 0, "level": "low"}, {"min": 2, "level": "high"}]},
    ],
    "levels": [{"key": "low", "label": "Gering"}, {"key": "mid", "label": "Mittel"}, {"key": "high", "label": "Hoch"}],
    "points": [
        {"path": "nights", "category": "sleep", "values": {"bad": 4, "ok": 1, "good": 0}},
        {"path": "coffee", "category": "sleep", "values": {"true": 2}},
        {"path": "coffee", "category": "habits", "values": {"true": 2}},
        {"path": "stressors", "category": "stress", "multiple": True, "values": {"work": 3, "family": 2, "money": 3}},
    ],
    "tips": {"sleep": {"high": ["Abends keine Bildschirme – Größe zählt: 8 Stunden!"]},
             "stress": {"high": ["Pausen planen; 5 € pro Woche für Entspannung."]},
             "habits": {"high": ["Kaffee nur bis 14 Uhr."]}},
}

ANSWERS = {"nights": "bad", "coffee": True, "stressors": {"work": True, "family": False, "money": True}}


@pytest.fixture
def staff_actor(owner):
    from core.services.audit import Actor

    return Actor.staff(owner)


@pytest.fixture
def scored_version(app, unit, staff_actor):
    from core.models import Questionnaire
    from core.services import questionnaires as qs

    with app.app_context():
        q = qs.create(staff_actor, unit, name="Schlaf-Check", kind="survey", definition=copy.deepcopy(DEFINITION))
        Questionnaire.objects(pk=q.pk).update_one(set__scoring=copy.deepcopy(SCORING))
        q.reload()
        return qs.publish(staff_actor, q)


@pytest.fixture
def customer(make_customer):
    return make_customer(email="juergen@example.com", first_name="Jürgen", last_name="Weiß")
