"""Scoring models on questionnaire drafts (designer-edited JSON; frozen into the version on publish)."""

from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l

from core.errors import InvalidInput
from core.models import Questionnaire
from core.models._base import utcnow
from core.services.audit import Actor, record
from forms import scoring

MAX_BYTES = 256 * 1024


def as_text(q: Questionnaire) -> str:
    return json.dumps(q.scoring or {}, ensure_ascii=False, indent=2) if q.scoring else ""


def save(actor: Actor, q: Questionnaire, raw: str) -> list[str]:
    """Store the draft's scoring model (empty text removes it). Returns problems found now (the model
    is kept; publishing refuses it until they are fixed). Raises InvalidInput for text that is not a
    storable JSON object (``field_errors["scoring"]`` tells where a property name is refused)."""
    raw = (raw or "").strip()
    if len(raw) > MAX_BYTES:
        raise InvalidInput(_l("The scoring model is too large."))
    model = {}
    if raw:
        try:
            model = json.loads(raw)
        except ValueError as exc:
            raise InvalidInput(_l("The scoring model is not valid JSON.")) from exc
        if not isinstance(model, dict):
            raise InvalidInput(_l("The scoring model is not valid JSON."))
    from core.services.questionnaires import _check_keys, lint

    try:
        _check_keys(model)
    except InvalidInput as exc:  # e.g. "points[0]: property name '$x' is not allowed."
        detail = str(exc)  # where in the model (JSON path)
        raise InvalidInput(_l("The scoring model uses a property name that is not allowed. (%(detail)s)",
                              detail=detail), {"scoring": detail}) from exc
    Questionnaire.objects(pk=q.pk).update_one(set__scoring=model, set__updated_at=utcnow())
    q.reload()
    record(actor, "update", object_type="questionnaires", object_id=q.pk, summary="Scoring model saved",
           business_unit=q.business_unit)
    if not model:
        return []
    try:
        paths = lint(q.draft).data_paths()
    except InvalidInput:
        paths = None
    return [f"{where}: {what}" for where, what in scoring.check(model, paths)]
