"""Scoring models: validation and hand-computed results."""

from __future__ import annotations

import copy

import pytest

from forms import scoring

MODEL = {
    "categories": [
        {"key": "sleep", "label": "Schlaf", "thresholds": [{"min": 0, "level": "low"}, {"min": 3, "level": "mid"},
                                                           {"min": 6, "level": "high"}]},
        {"key": "stress", "label": "Stress", "thresholds": [{"min": 0, "level": "low"}, {"min": 5, "level": "high"}]},
    ],
    "levels": [{"key": "low", "label": "Gering"}, {"key": "mid", "label": "Mittel"}, {"key": "high", "label": "Hoch"}],
    "points": [
        {"path": "nights", "category": "sleep", "values": {"bad": 4, "ok": 1, "good": 0}},
        {"path": "coffee", "category": "sleep", "values": {"true": 2, "false": 0}},
        {"path": "stressors", "category": "stress", "multiple": True,
         "values": {"work": 3, "family": 2, "money": 3, "none": -1}},
        {"path": "details.hours", "category": "stress", "values": {"10": 2, "8": 1}},
    ],
    "tips": {"sleep": {"high": ["Abends keine Bildschirme."], "mid": ["Feste Schlafenszeiten."]},
             "stress": {"high": ["Pausen planen – täglich."]}},
}


def test_the_example_model_is_valid():
    assert scoring.check(MODEL, ["nights", "coffee", "stressors", "details.hours"]) == []


def test_hand_computed_example():
    data = {"nights": "bad", "coffee": True, "stressors": {"work": True, "family": False, "money": True},
            "details": {"hours": 10}}
    result = scoring.score(MODEL, data)
    sleep, stress = result["categories"]
    # sleep: bad 4 + coffee 2 = 6 of max 4 + 2 = 6 → 100 %, threshold 6 → "high"
    assert (sleep["score"], sleep["max"], sleep["percent"], sleep["level"]) == (6, 6, 100, "high")
    assert sleep["level_label"] == "Hoch" and sleep["tips"] == ["Abends keine Bildschirme."]
    # stress: work 3 + money 3 + hours(10) 2 = 8 of max (3+2+3) + 2 = 10 → 80 %, ≥ 5 → "high"
    assert (stress["score"], stress["max"], stress["percent"], stress["level"]) == (8, 10, 80, "high")
    assert stress["tips"] == ["Pausen planen – täglich."]
    assert result["total"] == {"score": 14, "max": 16, "percent": 88}  # 14/16 = 87.5 → 88


def test_low_answers_and_missing_values():
    data = {"nights": "ok", "coffee": False, "stressors": ["none"], "details": {"hours": 7.0}}
    sleep, stress = scoring.score(MODEL, data)["categories"]
    # sleep: ok 1 + no coffee 0 = 1 → "low" (below 3), no tips for low
    assert (sleep["score"], sleep["level"], sleep["tips"]) == (1, "low", [])
    # stress: none -1, hours 7 not listed → 0; total -1, percent clamps at 0
    assert (stress["score"], stress["percent"], stress["level"]) == (-1, 0, "low")


def test_mid_level_and_empty_answers():
    sleep, stress = scoring.score(MODEL, {"nights": "bad"})["categories"]
    assert (sleep["score"], sleep["percent"], sleep["level"], sleep["tips"]) == (4, 67, "mid",
                                                                                  ["Feste Schlafenszeiten."])
    assert (stress["score"], stress["level"]) == (0, "low")
    assert scoring.score(MODEL, {})["total"] == {"score": 0, "max": 16, "percent": 0}


@pytest.mark.parametrize("answer, expected", [
    (None, []), ("", []), (True, ["true"]), (False, ["false"]), (3.0, ["3"]), (2.5, ["2.5"]),
    ({"a": True, "b": False}, ["a"]), (["x", "y"], ["x", "y"]), ("ja", ["ja"]),
])
def test_selected_values(answer, expected):
    assert scoring.selected_values(answer) == expected


def broken(mutate):
    model = copy.deepcopy(MODEL)
    mutate(model)
    return model


@pytest.mark.parametrize("mutate, where", [
    (lambda m: m.pop("levels"), "scoring"),
    (lambda m: m["categories"][0].update(key="a b"), "categories/0/key"),
    (lambda m: m["points"][0].update(category="nope"), "points/0/category"),
    (lambda m: m["categories"][0]["thresholds"].reverse(), "categories/0/thresholds"),
    (lambda m: m["categories"][1]["thresholds"][0].update(min=1), "categories/1/thresholds"),
    (lambda m: m["categories"][1]["thresholds"][0].update(level="huge"), "categories/1/thresholds"),
    (lambda m: m["tips"].update(other={"low": ["x"]}), "tips/other"),
    (lambda m: m["tips"]["sleep"].update(extreme=["x"]), "tips/sleep/extreme"),
    (lambda m: m["points"][0]["values"].update(bad="viel"), "points/0/values/bad"),
    (lambda m: m.update(script="alert(1)"), "scoring"),
    (lambda m: m["levels"].append({"key": "low", "label": "again"}), "levels"),
])
def test_invalid_models_are_refused(mutate, where):
    problems = scoring.check(broken(mutate), ["nights", "coffee", "stressors", "details.hours"])
    assert problems and problems[0][0] == where, problems
    with pytest.raises(scoring.ScoringModelError):
        scoring.validate_model(broken(mutate))


def test_paths_must_exist_in_the_form():
    problems = scoring.check(MODEL, ["nights", "coffee", "stressors"])
    assert problems == [("points/3/path", "no component 'details.hours' in the questionnaire")]
