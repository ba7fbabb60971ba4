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
from typing import Any, NamedTuple

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


class Problem(NamedTuple):
    """One thing wrong with a model: ``where`` (a JSON path, ``/``-separated), a ``code`` and its
    ``params``, so that each surface words it in its reader's language (:data:`ENGLISH` here)."""

    where: str
    code: str
    params: dict[str, Any]

    @property
    def text(self) -> str:
        return ENGLISH.get(self.code, ENGLISH["invalid"]).format(**self.params)


#: the problems in English (the admin words them in the viewer's language, core/services/scoring.py)
ENGLISH = {
    "required": "{name!r} is missing",
    "unknown_property": "{names} not allowed here",
    "type": "must be of type {expected}",
    "pattern": "only letters, digits, _ and - (at most 50), or a dotted field path",
    "too_few": "needs at least {limit}",
    "too_many": "at most {limit}",
    "too_small": "at least {limit}",
    "too_large": "at most {limit}",
    "too_short": "must not be empty",
    "too_long": "at most {limit} characters",
    "invalid": "not valid here",
    "duplicate_level": "level keys must be unique",
    "duplicate_category": "category keys must be unique",
    "thresholds_order": "thresholds must ascend strictly",
    "thresholds_start": "the first threshold must start at 0",
    "unknown_level": "unknown level {level!r}",
    "unknown_category": "unknown category {category!r}",
    "unknown_path": "no component {path!r} in the questionnaire",
}

_SCHEMA_CODES = {"required": "required", "additionalProperties": "unknown_property", "type": "type",
                 "pattern": "pattern", "minItems": "too_few", "minProperties": "too_few", "maxItems": "too_many",
                 "maxProperties": "too_many", "minimum": "too_small", "maximum": "too_large",
                 "minLength": "too_short", "maxLength": "too_long"}


def _schema_problem(err: jsonschema.ValidationError) -> Problem:
    where = "/".join(str(p) for p in err.absolute_path) or "scoring"
    code = _SCHEMA_CODES.get(str(err.validator), "invalid")
    params: dict[str, Any] = {"limit": err.validator_value}
    if code == "required":
        missing = [k for k in err.validator_value if not isinstance(err.instance, dict) or k not in err.instance]
        params = {"name": missing[0] if missing else ""}
    elif code == "unknown_property":
        extra = sorted(k for k in err.instance if k not in (err.schema.get("properties") or {})) \
            if isinstance(err.instance, dict) else []
        params = {"names": ", ".join(repr(k) for k in extra)}
    elif code == "type":
        params = {"expected": err.validator_value}
    return Problem(where, code, params)


class ScoringModelError(ValueError):
    """The scoring model is not valid; ``problems`` lists (where, what)."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(f"{where}: {what}" for where, what in problems))
        self.problems = problems


def check(model: Any, data_paths: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """Every problem of ``model`` as (where, what in English); empty when it is valid."""
    return [(p.where, p.text) for p in find_problems(model, data_paths)]


def find_problems(model: Any, data_paths: Iterable[str] | None = None) -> list[Problem]:
    """Every problem of ``model``; empty when it is valid.

    ``data_paths`` (the form's data component paths, or ``Form.data_paths()``: path → type) are checked
    when given: every scored path must be a component of the questionnaire (or a row of a survey).
    """
    validator = jsonschema.Draft202012Validator(SCHEMA)
    problems = [_schema_problem(err)
                for err in sorted(validator.iter_errors(model), key=lambda e: [str(p) for p in e.absolute_path])]
    if problems:
        return problems
    levels = [lv["key"] for lv in model["levels"]]
    if len(set(levels)) != len(levels):
        problems.append(Problem("levels", "duplicate_level", {}))
    categories = [c["key"] for c in model["categories"]]
    if len(set(categories)) != len(categories):
        problems.append(Problem("categories", "duplicate_category", {}))
    for i, cat in enumerate(model["categories"]):
        mins = [t["min"] for t in cat["thresholds"]]
        if mins != sorted(mins) or len(set(mins)) != len(mins):
            problems.append(Problem(f"categories/{i}/thresholds", "thresholds_order", {}))
        if mins and mins[0] != 0:
            problems.append(Problem(f"categories/{i}/thresholds", "thresholds_start", {}))
        for t in cat["thresholds"]:
            if t["level"] not in levels:
                problems.append(Problem(f"categories/{i}/thresholds", "unknown_level", {"level": t["level"]}))
    known_paths = set(data_paths) if data_paths is not None else None
    # a survey's rows are scored one by one: "<survey>.<question>" (its answer is {question: value})
    surveys = {p for p, t in data_paths.items() if t == "survey"} if isinstance(data_paths, Mapping) else set()
    for i, entry in enumerate(model["points"]):
        if entry["category"] not in categories:
            problems.append(Problem(f"points/{i}/category", "unknown_category", {"category": entry["category"]}))
        if known_paths is not None and entry["path"] not in known_paths \
                and entry["path"].rpartition(".")[0] not in surveys:
            problems.append(Problem(f"points/{i}/path", "unknown_path", {"path": entry["path"]}))
    for cat_key, by_level in (model.get("tips") or {}).items():
        if cat_key not in categories:
            problems.append(Problem(f"tips/{cat_key}", "unknown_category", {"category": cat_key}))
        for level in by_level:
            if level not in levels:
                problems.append(Problem(f"tips/{cat_key}/{level}", "unknown_level", {"level": level}))
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
