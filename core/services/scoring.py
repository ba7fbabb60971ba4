"""Scoring models on questionnaire drafts (designer-edited JSON; frozen into the version on publish)."""

from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l

from core.errors import InvalidInput
from core.models import Questionnaire
from core.models._base import N_, utcnow
from core.services.audit import Actor, record
from forms import scoring

MAX_BYTES = 256 * 1024


def as_text(q: Questionnaire) -> str:
    return json.dumps(q.scoring or {}, ensure_ascii=False, indent=2) if q.scoring else ""


class ModelRefused(InvalidInput):
    """A model with problems: nothing is stored; ``problems`` lists them, translated."""

    def __init__(self, problems: list[str]):
        super().__init__(_l("The scoring model was not saved: please correct what is listed."))
        self.problems = problems


#: the problems of forms.scoring in the viewer's language
MESSAGES = {
    "required": _l("“%(name)s” is missing."),
    "unknown_property": _l("%(names)s is not allowed here."),
    "type": _l("Wrong kind of value (expected: %(expected)s)."),
    "pattern": _l("Only letters, digits, _ and - (at most 50 characters); a field path may contain dots."),
    "too_few": _l("At least %(limit)s needed."),
    "too_many": _l("At most %(limit)s allowed."),
    "too_small": _l("At least %(limit)s."),
    "too_large": _l("At most %(limit)s."),
    "too_short": _l("Must not be empty."),
    "too_long": _l("At most %(limit)s characters."),
    "invalid": _l("Not valid here."),
    "duplicate_level": _l("Each level needs its own key."),
    "duplicate_category": _l("Each category needs its own key."),
    "thresholds_order": _l("The thresholds must rise from one to the next."),
    "thresholds_start": _l("The first threshold must start at 0 points."),
    "unknown_level": _l("There is no level “%(level)s”."),
    "unknown_category": _l("There is no category “%(category)s”."),
    "unknown_path": _l("The questionnaire has no field “%(path)s”."),
}

PLACES = {"categories": _l("Category"), "levels": _l("Level"), "points": _l("Points entry"),
          "thresholds": _l("Threshold"), "tips": _l("Tips"), "values": _l("Values"), "key": _l("Key"),
          "label": _l("Label"), "path": _l("Field"), "category": _l("Category"), "min": _l("Minimum"),
          "level": _l("Level"), "description": _l("Description"), "multiple": _l("Several values"),
          "scoring": _l("Scoring model")}
_TYPES = {"string": _l("text"), "number": _l("number"), "object": _l("object"), "array": _l("list"),
          "boolean": _l("true/false")}


def place(where: str) -> str:
    """A JSON path as the designer reads it: "categories/0/thresholds" reads "Kategorie 1", then "Schwelle"."""
    out: list[str] = []
    for part in where.split("/"):
        if part.isdigit() and out:
            out[-1] = f"{out[-1]} {int(part) + 1}"
        else:
            out.append(str(PLACES.get(part, part)))
    return " › ".join(out)


def describe(problem: scoring.Problem) -> str:
    """One problem, translated: where, then what."""
    params = dict(problem.params)
    if "expected" in params:
        params["expected"] = str(_TYPES.get(str(params["expected"]), params["expected"]))
    return f"{place(problem.where)}: {MESSAGES.get(problem.code, MESSAGES['invalid']) % params}"


def problems_of(q: Questionnaire, model: dict) -> list[str]:
    """The model's problems against the questionnaire's draft, in the viewer's language."""
    from core.services.questionnaires import lint

    try:
        paths = lint(q.draft, q).data_paths()
    except InvalidInput:
        paths = None
    return [describe(p) for p in scoring.find_problems(model, paths)]


def save(actor: Actor, q: Questionnaire, raw: str) -> None:
    """Store the draft's scoring model (empty text removes it), only when it is valid: a model with
    problems is refused as a whole (InvalidInput; ``field_errors["scoring"]`` lists every problem,
    translated) and nothing is stored."""
    raw = (raw or "").strip()
    if len(raw) > MAX_BYTES:
        raise InvalidInput(_l("The scoring model is too large."))
    model = {}
    if raw:
        try:
            model = json.loads(raw)
        except ValueError as exc:
            raise InvalidInput(_l("The scoring model is not valid JSON (line %(line)s, column %(column)s).",
                                  line=getattr(exc, "lineno", 1), column=getattr(exc, "colno", 1))) from exc
        if not isinstance(model, dict):
            raise InvalidInput(_l("The scoring model is not valid JSON."))
    from core.services.questionnaires import _check_keys

    try:
        _check_keys(model)
    except InvalidInput as exc:  # e.g. "points[0]: property name '$x' is not allowed."
        detail = str(exc)  # where in the model (JSON path)
        raise InvalidInput(_l("The scoring model uses a property name that is not allowed. (%(detail)s)",
                              detail=detail), {"scoring": detail}) from exc
    problems = problems_of(q, model) if model else []
    if problems:
        raise ModelRefused(problems)
    Questionnaire.objects(pk=q.pk).update_one(set__scoring=model, set__updated_at=utcnow())
    q.reload()
    record(actor, "update", object_type="questionnaires", object_id=q.pk, summary=N_("Scoring model saved"),
           summary_params={}, business_unit=q.business_unit)


def ranges(q: Questionnaire) -> list[dict]:
    """For the saved model: each category's most points and its levels' thresholds, so designers see
    whether the thresholds can be reached ([] without a valid model)."""
    model = q.scoring or {}
    if not model or problems_of(q, model):
        return []
    top = {c["key"]: c["max"] for c in scoring.score(model, {})["categories"]}
    labels = {lv["key"]: lv["label"] for lv in model["levels"]}
    return [{"label": c["label"], "max": top[c["key"]],
             "levels": [{"label": labels.get(t["level"], t["level"]), "min": t["min"],
                         "reachable": t["min"] <= top[c["key"]]} for t in c["thresholds"]]}
            for c in model["categories"]]


def scorable_fields(q: Questionnaire) -> list[dict]:
    """The draft's fields a model can score, for the editor's reference table: path, label and the
    answer values with their labels (a survey: one path per question), or [] when the draft is broken."""
    from core.services.questionnaires import lint

    try:
        form = lint(q.draft, q)
    except InvalidInput:
        return []
    out = []
    for c in form.components:
        if c.kind != "value" or c.grids or not c.data_path:
            continue
        if c.type == "survey":
            options = [{"value": str(v), "label": str(label)} for v, label in c.option_labels.items()]
            out += [{"path": f"{c.data_path}.{key}", "label": f"{c.label} – {label}", "options": options}
                    for key, label in getattr(c, "questions", [])]
        elif getattr(c, "has_options", False) and c.option_labels:
            out.append({"path": c.data_path, "label": c.label, "multiple": c.type == "selectboxes" or c.multiple,
                        "options": [{"value": str(v), "label": str(label)} for v, label in c.option_labels.items()]})
        elif c.type == "checkbox":
            out.append({"path": c.data_path, "label": c.label,
                        "options": [{"value": "true", "label": "✓"}, {"value": "false", "label": "–"}]})
    return out


def starter_model(q: Questionnaire) -> dict:
    """A valid model to begin with: one category over every scorable field (an answer's points rise
    with its position in the list), three levels at a third and two thirds of the maximum."""
    fields = scorable_fields(q)
    if not fields:
        return {}
    points = []
    for f in fields:
        entry = {"path": f["path"], "category": "total",
                 "values": {o["value"]: i for i, o in enumerate(f["options"])}}
        if f.get("multiple"):
            entry = {**entry, "multiple": True, "values": {o["value"]: 1 for o in f["options"]}}
        points.append(entry)
    top = sum(scoring.entry_max(p) for p in points)
    mins = sorted({0, max(1, round(top / 3)), max(2, round(2 * top / 3))})
    keys = ["low", "mid", "high"][-len(mins):] if len(mins) < 3 else ["low", "mid", "high"]
    return {"categories": [{"key": "total", "label": str(_l("Total")),
                            "thresholds": [{"min": m, "level": k} for m, k in zip(mins, keys, strict=True)]}],
            "levels": [{"key": "low", "label": str(_l("Low"))}, {"key": "mid", "label": str(_l("Medium"))},
                       {"key": "high", "label": str(_l("High"))}],
            "points": points, "tips": {}}
