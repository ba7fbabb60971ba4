"""Scoring models: turn a questionnaire's answers into category scores, levels and consulting tips.

Pure Python (no Flask, no MongoDB). A scoring model is designer-editable JSON, frozen with the
questionnaire version it belongs to::

    {
      "categories": [{"key": "sleep", "label": "Schlaf",
                      "thresholds": [{"min": 0, "level": "low"}, {"min": 4, "level": "high"}]}],
      "levels": [{"key": "low", "label": "Gering"}, {"key": "high", "label": "Hoch"}],
      "points": [{"path": "nights", "category": "sleep", "values": {"bad": 4, "ok": 1, "good": 0}}],
      "tips": {"sleep": {"high": ["Abends keine Bildschirme."]}}
    }

* ``points``: for the answer at ``path`` (a Form.io data path, dotted), the points per answer value.
  Several selected values (select boxes, multi-selects) add up; a value not listed scores 0. Booleans
  are looked up as ``"true"``/``"false"``, whole numbers as their digits. ``"multiple": true`` marks an
  entry whose values can be chosen together (its maximum is the sum of the positive points).
* ``thresholds`` (per category, ascending ``min``, the first ``min`` 0): the level of a score is the
  one of the highest threshold whose ``min`` it reaches.
* ``tips``: category → level → list of texts shown to staff and printed in the reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import jsonschema

KEY = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,50}$"}
LABEL = {"type": "string", "minLength": 1, "maxLength": 200}
NUMBER = {"type": "number", "minimum": -1000, "maximum": 1000}

SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["categories", "levels", "points"],
    "properties": {
        "categories": {"type": "array", "minItems": 1, "maxItems": 50, "items": {
            "type": "object", "additionalProperties": False, "required": ["key", "label", "thresholds"],
            "properties": {
                "key": KEY, "label": LABEL, "description": {"type": "string", "maxLength": 2000},
                "thresholds": {"type": "array", "minItems": 1, "maxItems": 20, "items": {
                    "type": "object", "additionalProperties": False, "required": ["min", "level"],
                    "properties": {"min": NUMBER, "level": KEY}}},
            }}},
        "levels": {"type": "array", "minItems": 1, "maxItems": 20, "items": {
            "type": "object", "additionalProperties": False, "required": ["key", "label"],
            "properties": {"key": KEY, "label": LABEL}}},
        "points": {"type": "array", "minItems": 1, "maxItems": 1000, "items": {
            "type": "object", "additionalProperties": False, "required": ["path", "category", "values"],
            "properties": {
                "path": {"type": "string", "pattern": r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$", "maxLength": 300},
                "category": KEY, "multiple": {"type": "boolean"},
                "values": {"type": "object", "minProperties": 1, "maxProperties": 200,
                           "additionalProperties": NUMBER},
            }}},
        "tips": {"type": "object", "additionalProperties": {
            "type": "object", "additionalProperties": {
                "type": "array", "maxItems": 50, "items": {"type": "string", "minLength": 1, "maxLength": 4000}}}},
    },
}


class ScoringModelError(ValueError):
    """The scoring model is not valid; ``problems`` lists (where, what)."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{where}: {what}" for where, what in problems))
        self.problems = problems


def check(model: Any, data_paths: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """Every problem of ``model`` as (where, what); empty when it is valid.

    ``data_paths`` (the form's data component paths) are checked when given: every scored path
    must be a component of the questionnaire.
    """
    validator = jsonschema.Draft202012Validator(SCHEMA)
    problems = [("/".join(str(p) for p in err.absolute_path) or "scoring", err.message)
                for err in sorted(validator.iter_errors(model), key=lambda e: list(e.absolute_path))]
    if problems:
        return problems
    levels = [lv["key"] for lv in model["levels"]]
    if len(set(levels)) != len(levels):
        problems.append(("levels", "level keys must be unique"))
    categories = [c["key"] for c in model["categories"]]
    if len(set(categories)) != len(categories):
        problems.append(("categories", "category keys must be unique"))
    for i, cat in enumerate(model["categories"]):
        mins = [t["min"] for t in cat["thresholds"]]
        if mins != sorted(mins) or len(set(mins)) != len(mins):
            problems.append((f"categories/{i}/thresholds", "thresholds must ascend strictly"))
        if mins and mins[0] != 0:
            problems.append((f"categories/{i}/thresholds", "the first threshold must start at 0"))
        for t in cat["thresholds"]:
            if t["level"] not in levels:
                problems.append((f"categories/{i}/thresholds", f"unknown level {t['level']!r}"))
    known_paths = set(data_paths) if data_paths is not None else None
    for i, entry in enumerate(model["points"]):
        if entry["category"] not in categories:
            problems.append((f"points/{i}/category", f"unknown category {entry['category']!r}"))
        if known_paths is not None and entry["path"] not in known_paths:
            problems.append((f"points/{i}/path", f"no component {entry['path']!r} in the questionnaire"))
    for cat_key, by_level in (model.get("tips") or {}).items():
        if cat_key not in categories:
            problems.append((f"tips/{cat_key}", f"unknown category {cat_key!r}"))
        for level in by_level:
            if level not in levels:
                problems.append((f"tips/{cat_key}/{level}", f"unknown level {level!r}"))
    return problems


def validate_model(model: Any, data_paths: Iterable[str] | None = None) -> dict[str, Any]:
    """Return ``model`` if valid, else raise :class:`ScoringModelError`."""
    problems = check(model, data_paths)
    if problems:
        raise ScoringModelError(problems)
    return model


def get_path(data: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(data, Mapping):
            return None
        data = data.get(part)
    return data


def selected_values(answer: Any) -> list[str]:
    """The answer values to look up in a points table."""
    if answer is None or answer == "":
        return []
    if isinstance(answer, bool):
        return ["true" if answer else "false"]
    if isinstance(answer, Mapping):  # select boxes: {"value": true, ...}
        return [str(k) for k, v in answer.items() if v is True]
    if isinstance(answer, list | tuple):
        return [v for item in answer for v in selected_values(item)]
    if isinstance(answer, float) and answer.is_integer():
        return [str(int(answer))]
    return [str(answer)]


def entry_max(entry: Mapping[str, Any]) -> float:
    values = list(entry["values"].values())
    if entry.get("multiple"):
        return sum(v for v in values if v > 0)
    return max([0, *values])


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(float(value), 2)


def level_for(category: Mapping[str, Any], score: float) -> str:
    level = category["thresholds"][0]["level"]
    for threshold in category["thresholds"]:
        if score >= threshold["min"]:
            level = threshold["level"]
    return level


def score(model: Mapping[str, Any], data: Any) -> dict[str, Any]:
    """The results of ``data`` under ``model`` (assumed valid): plain JSON-able data.

    ``{"categories": [{"key", "label", "score", "max", "percent", "level", "level_label", "tips"}],
    "total": {"score", "max", "percent"}}``; ``percent`` is 0 to 100, rounded to a whole number.
    """
    level_labels = {lv["key"]: lv["label"] for lv in model["levels"]}
    tips = model.get("tips") or {}
    sums: dict[str, float] = {c["key"]: 0 for c in model["categories"]}
    maxima: dict[str, float] = {c["key"]: 0 for c in model["categories"]}
    for entry in model["points"]:
        table = entry["values"]
        sums[entry["category"]] += sum(table.get(v, 0) for v in selected_values(get_path(data, entry["path"])))
        maxima[entry["category"]] += entry_max(entry)
    out = []
    for cat in model["categories"]:
        key = cat["key"]
        value, top = sums[key], maxima[key]
        level = level_for(cat, value)
        out.append({"key": key, "label": cat["label"], "score": _number(value), "max": _number(top),
                    "percent": _percent(value, top), "level": level, "level_label": level_labels.get(level, level),
                    "tips": list((tips.get(key) or {}).get(level) or [])})
    total, total_max = sum(sums.values()), sum(maxima.values())
    return {"categories": out,
            "total": {"score": _number(total), "max": _number(total_max), "percent": _percent(total, total_max)}}


def _percent(value: float, top: float) -> int:
    if top <= 0:
        return 0
    return max(0, min(100, round(100 * value / top)))
