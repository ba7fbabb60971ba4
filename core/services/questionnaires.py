"""Questionnaires: drafts, publishing immutable versions, import/export, submitting answers."""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from mongoengine import NotUniqueError
from mongoengine import ValidationError as MEValidationError

import forms
from core.errors import Conflict, FrontdeskError, InvalidInput, NotFound
from core.i18n import renderer_lang
from core.models import Customer, Questionnaire, QuestionnaireVersion, Submission
from core.models._base import N_, utcnow
from core.models.questionnaire import KINDS
from core.models.submission import Consent
from core.services import mapping
from core.services.audit import Actor, plain, record

MAX_DEFINITION_BYTES = 1024 * 1024
#: the Form.io definitions a published version can contain: stored as MongoDB documents
_BAD_KEY_CHARS = (".", "$", "\x00")


class SubmissionInvalid(InvalidInput):
    """The answers do not pass validation; ``errors`` maps Form.io paths to messages."""

    def __init__(self, errors: dict[str, list[str]], renderer_errors: list[dict]):
        super().__init__(_l("Please correct the marked fields."), {k: " ".join(v) for k, v in errors.items()})
        self.errors = errors
        self.renderer_errors = renderer_errors


class UnsafeDefinition(FrontdeskError):
    """A stored definition contains code the browser renderer would run: it is shown to nobody."""

    status = 409


#: what customers and staff read instead of a questionnaire that contains code
UNSAFE_MESSAGE = _l("This questionnaire cannot be shown at the moment because it contains content that is not "
                    "allowed. Please let us know; we will correct it.")


def canonical_json(definition: dict) -> str:
    return json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(definition: dict) -> str:
    return hashlib.sha256(canonical_json(definition).encode("utf-8")).hexdigest()


def _check_keys(value: Any, path: str = "") -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str) or not key or key.startswith("$") or any(c in key for c in _BAD_KEY_CHARS):
                raise InvalidInput(_l("%(path)s: property name %(key)s is not allowed.", path=path or "definition",
                                      key=repr(key)))
            _check_keys(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_keys(item, f"{path}[{i}]")


def parse_definition(raw: str | bytes | dict) -> dict:
    """A definition from JSON text (import, builder) — shape-checked, not yet linted."""
    if isinstance(raw, bytes | str):
        if len(raw) > MAX_DEFINITION_BYTES:
            raise InvalidInput(_l("The definition is too large (at most 1 MB)."))
        try:
            raw = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidInput(_l("The definition is not valid JSON: %(error)s", error=str(exc))) from exc
    if isinstance(raw, dict) and "schema" in raw and isinstance(raw["schema"], dict):
        raw = raw["schema"]  # our own export format
    if not isinstance(raw, dict) or not isinstance(raw.get("components"), list):
        raise InvalidInput(_l("A Form.io definition needs a 'components' list."))
    _check_keys(raw)
    return raw


def code_problem(definition: Any) -> str | None:
    """Where a definition holds code it may not hold, as ``"<path>: <kind>"`` (None: none).

    The rule and the places it covers are in :mod:`forms.expressions` (derived from @formio/js).
    JavaScript that compiles in the places the server's sandbox runs (``forms.js.PLACES``) is not a
    problem: the renderer runs only in the isolated frame (core/frame.py: sandboxed iframe without
    ``allow-same-origin``, its own CSP), so it cannot reach the viewer's session, and the server
    evaluates the code itself when the answers arrive.
    """
    found = forms.refused_code(definition)
    return f"{found.path}: {found.kind}" if found is not None else None


def scripts_of(definition: Any) -> list[dict[str, Any]]:
    """The JavaScript a definition holds, per component and place (``forms.list_scripts``), for designers."""
    return forms.list_scripts(definition) if isinstance(definition, dict) else []


def describe_problem(problem: str, lang: str | None = None) -> str:
    """A stored ``"<path>: <kind>"`` problem as a sentence for designers, in their language."""
    from forms.messages import LINT, lint_message

    path, _sep, kind = problem.rpartition(": ")
    reason = lint_message(kind, lang or renderer_lang()) if kind in LINT["en"] else kind
    return f"{path}: {reason}" if path else reason


def refuse_code(definition: Any) -> None:
    """Raise InvalidInput (nothing is stored) when the definition holds code the renderer would run."""
    problem = code_problem(definition)
    if problem is not None:
        raise InvalidInput(describe_problem(problem), {"definition": problem})


# --- nested forms that include another questionnaire -------------------------------------------

#: why a nested form cannot include a questionnaire (forms.nested.REASONS, in the designer's language)
NESTED_MESSAGES = {
    "missing": _l("the nested form names no questionnaire: choose one in its settings"),
    "unknown": _l("the nested form refers to %(ref)s, which is not a questionnaire of this business unit"),
    "unpublished": _l("the included questionnaire %(name)s has no published version yet: publish it first"),
    "archived": _l("the included questionnaire %(name)s is archived"),
    "revision": _l("version %(revision)s of the included questionnaire %(name)s does not exist"),
    "bad_revision": _l("the pinned version of the nested form must be a version number"),
    "empty": _l("the included questionnaire %(name)s has no fields"),
    "self": _l("a questionnaire cannot include itself"),
    "cycle": _l("including %(name)s would include this questionnaire again (a cycle)"),
    "depth": _l("nested forms may be at most %(limit)s levels deep"),
}


def _nested_lookup(unit):
    """forms.resolve_nested's look-up: questionnaires of ``unit`` only (another unit's id is unknown)."""

    def lookup(ref: str, revision: int | None) -> forms.Included | None:
        inner = Questionnaire.objects.get_or_none(pk=ref, business_unit=unit)
        if inner is None:
            return None
        if inner.status == "archived":
            raise forms.NestedFormError("", "archived", name=inner.name)
        if revision is None:
            version = latest_version(inner)
            if version is None:
                raise forms.NestedFormError("", "unpublished", name=inner.name)
        else:
            version = QuestionnaireVersion.objects(questionnaire=inner, number=revision).first()
            if version is None:
                raise forms.NestedFormError("", "revision", name=inner.name, revision=revision)
        return forms.Included(id=str(inner.pk), revision=version.number, name=inner.name, definition=version.schema)

    return lookup


def resolve_definition(definition: dict, unit, questionnaire: Questionnaire | None = None) -> dict:
    """``definition`` with each nested form that names a questionnaire of ``unit`` made inline, pinned to
    that questionnaire's newest published version (or the version its ``revision`` names).

    ``questionnaire`` is the one the definition belongs to (None: a new one). Raises InvalidInput with the
    designer's message (another unit's or an unknown questionnaire, unpublished, itself, a cycle, too deep).
    """
    if not isinstance(definition, dict) or next(forms.iter_nested(definition), None) is None:
        return definition
    root = str(questionnaire.pk) if questionnaire is not None and questionnaire.pk else None
    try:
        return forms.resolve_nested(definition, _nested_lookup(unit), root=root)
    except forms.NestedFormError as exc:
        params = dict(exc.params)
        if "ref" in params:  # whatever the definition said, shortened and quoted
            params["ref"] = repr(str(params["ref"])[:40])
        reason = NESTED_MESSAGES[exc.nested_code] % params
        raise InvalidInput(_l("%(path)s: %(reason)s", path=exc.path, reason=reason),
                           {"definition": str(exc)}) from exc
    except RecursionError as exc:
        raise InvalidInput(_l("The definition is nested too deeply.")) from exc


def _includes(definition: Any, qid: str) -> bool:
    """Whether a (published, resolved) definition includes questionnaire ``qid`` at any depth."""
    return any(comp.get("form") == qid or _includes(comp, qid) for comp, _path in forms.iter_nested(definition))


def includable(q: Questionnaire) -> list[dict[str, Any]]:
    """The questionnaires ``q``'s designer may include as a nested form: published, active, of the same
    unit, not ``q`` itself and not one that already includes ``q`` (a cycle). For the builder's list."""
    qid = str(q.pk)
    return [{"id": str(inner.pk), "name": inner.name, "version": version.number}
            for inner, version in published_for_unit(q.business_unit)
            if str(inner.pk) != qid and not _includes(version.schema, qid)]


def nested_status(q: Questionnaire) -> list[dict[str, Any]]:
    """The questionnaires the draft includes: for each nested form that names one of the unit, the version
    the newest published version of ``q`` holds and the inner questionnaire's newest version (the builder
    says when they differ: publishing ``q`` again takes the newer one)."""
    newest = latest_version(q)
    pinned = {comp.get("key"): comp.get("revision") for comp, _p in forms.iter_nested(newest.schema)} \
        if newest is not None else {}
    out = []
    for comp, _path in forms.iter_nested(q.draft or {}):
        inner = Questionnaire.objects.get_or_none(pk=comp.get("form"), business_unit=q.business_unit) \
            if isinstance(comp.get("form"), str) else None
        if inner is None:
            continue
        out.append({"key": comp.get("key"), "label": comp.get("label") or comp.get("key"), "name": inner.name,
                    "draft_revision": comp.get("revision") or None, "latest": inner.latest_version,
                    "published": pinned.get(comp.get("key"))})
    return out


def lint(definition: dict, questionnaire: Questionnaire | None = None) -> forms.Form:
    """Load with the engine (whitelist, no JavaScript, no template code) and check the field mapping.

    With ``questionnaire``, nested forms that name another questionnaire of its unit are included first
    (:func:`resolve_definition`); without, such a reference is refused by the engine.
    """
    if questionnaire is not None:
        definition = resolve_definition(definition, questionnaire.business_unit, questionnaire)
    try:
        form = forms.load(definition)
    except forms.DefinitionError as exc:
        raise InvalidInput(f"{exc.path}: {exc.message(renderer_lang())}", {"definition": str(exc)}) from exc
    problems = mapping.check_definition(form)
    if problems:
        path, reason = problems[0]
        raise InvalidInput(_l("%(path)s: %(reason)s", path=path, reason=reason),
                           {"definition": "; ".join(f"{p}: {r}" for p, r in problems)})
    return form


def create(actor: Actor, unit, *, name: str, kind: str, definition: dict | None = None,
           description: str = "") -> Questionnaire:
    if kind not in KINDS:
        raise InvalidInput(_l("Unknown kind."), {"kind": "unknown"})
    q = Questionnaire(business_unit=unit, name=(name or "").strip(), kind=kind, description=description)
    if definition is not None:
        q.draft = parse_definition(definition)
        refuse_code(q.draft)
        resolve_definition(q.draft, unit)  # a nested form must name a published questionnaire of the unit
    try:
        q.save()
    except NotUniqueError as exc:
        raise Conflict(_l("A questionnaire with this name exists already."), {"name": "exists"}) from exc
    except MEValidationError as exc:
        raise InvalidInput(_l("Invalid questionnaire."), {k: str(v) for k, v in exc.to_dict().items()}) from exc
    record(actor, "create", object_type="questionnaires", object_id=q.pk, summary=q.name, business_unit=unit)
    return q


def save_draft(actor: Actor, q: Questionnaire, raw: str | dict) -> list[str]:
    """Store a new draft. Returns lint warnings (the draft is kept even when it would not publish yet).

    A draft with code the renderer would run is refused outright (InvalidInput, nothing stored): it
    would run in the browser of everyone who opens the builder or the preview.
    """
    definition = parse_definition(raw)
    refuse_code(definition)
    # a nested form that cannot include what it names (another unit's, unknown, unpublished, itself, a
    # cycle) is refused outright, like code; the draft keeps the reference, resolved again on publish
    resolve_definition(definition, q.business_unit, q)
    Questionnaire.objects(pk=q.pk).update_one(set__draft=definition, set__updated_at=utcnow(),
                                              unset__unsafe_reason=True)
    q.reload()
    record(actor, "update", object_type="questionnaires", object_id=q.pk, summary=N_("Draft saved"), summary_params={},
           business_unit=q.business_unit)
    try:
        lint(definition, q)
    except InvalidInput as exc:
        return [str(exc)]
    return []


def publish(actor: Actor, q: Questionnaire) -> QuestionnaireVersion:
    """Lint the draft and freeze it as the next immutable version.

    Nested forms that name another questionnaire are frozen inline with the version they include
    (``form``: its id, ``revision``: its version number): a later version of the included questionnaire
    reaches this one only when it is published again.
    """
    form = lint(q.draft, q)
    schema = form.definition  # sanitised (HTML cleaned by nh3), nested questionnaires included
    digest = sha256(schema)
    # the scoring model (dialog results) is validated against the form and frozen with the version
    scoring_model = _checked_scoring(q.scoring or {}, form)
    newest = QuestionnaireVersion.objects(questionnaire=q).order_by("-number").first()
    if newest is not None and newest.sha256 == digest and (newest.scoring or {}) == scoring_model:
        raise Conflict(_l("Nothing changed since the last published version."))
    claimed = Questionnaire.objects(pk=q.pk).modify(new=True, inc__latest_version=1, set__updated_at=utcnow())
    version = QuestionnaireVersion(
        questionnaire=q, business_unit=q.business_unit, number=claimed.latest_version, name=q.name, kind=q.kind,
        schema=schema, sha256=digest, renderer_version=forms.RENDERER_VERSION, published_by=actor.label,
        scoring=scoring_model,
    ).save()
    q.reload()
    record(actor, "publish", object_type="questionnaires", object_id=q.pk,
           summary=N_("Version %(number)s published (%(digest)s)"),
           summary_params={"number": version.number, "digest": digest[:12]}, business_unit=q.business_unit)
    return version


def _checked_scoring(model: dict, form: forms.Form) -> dict:
    """An empty model means "no results"; anything else must pass forms.scoring."""
    from forms import scoring

    if not model:
        return {}
    from core.services.scoring import describe

    problems = scoring.find_problems(model, form.data_paths())
    if problems:
        raise InvalidInput(_l("Scoring model, %(problem)s", problem=describe(problems[0])),
                           {"scoring": "; ".join(f"{p.where}: {p.text}" for p in problems)})
    return model


def set_archived(actor: Actor, q: Questionnaire, archived: bool) -> None:
    Questionnaire.objects(pk=q.pk).update_one(set__status="archived" if archived else "active")
    record(actor, "archive" if archived else "unarchive", object_type="questionnaires", object_id=q.pk,
           summary=q.name, business_unit=q.business_unit)


def duplicate(actor: Actor, q: Questionnaire, name: str | None = None) -> Questionnaire:
    base = name or f"{q.name} (Kopie)"
    candidate, n = base, 2
    while Questionnaire.objects(business_unit=q.business_unit, name=candidate).count():
        candidate, n = f"{base} {n}", n + 1
    return create(actor, q.business_unit, name=candidate, kind=q.kind, definition=q.draft,
                  description=q.description or "")


def export(version_or_questionnaire) -> dict:
    """A portable JSON document: name, kind and the schema (a version's, or the draft)."""
    if isinstance(version_or_questionnaire, QuestionnaireVersion):
        v = version_or_questionnaire
        return {"name": v.name, "kind": v.kind, "version": v.number, "sha256": v.sha256,
                "renderer_version": v.renderer_version, "schema": v.schema}
    q = version_or_questionnaire
    return {"name": q.name, "kind": q.kind, "schema": q.draft}


def latest_version(q: Questionnaire) -> QuestionnaireVersion | None:
    return QuestionnaireVersion.objects(questionnaire=q).order_by("-number").first()


def published_for_unit(unit, kinds: tuple[str, ...] | None = None) -> list[tuple[Questionnaire, QuestionnaireVersion]]:
    """Active questionnaires with a published version (what staff can start)."""
    out = []
    query = Questionnaire.objects(business_unit=unit, status="active", latest_version__gt=0)
    if kinds:
        query = query.filter(kind__in=kinds)
    for q in query.order_by("name"):
        version = latest_version(q)
        if version is not None and unsafe_reason(version) is None:
            out.append((q, version))
    return out


# --- definitions that hold code ------------------------------------------------------------------

_UNSAFE: dict[str, str | None] = {}


def unsafe_reason(version: QuestionnaireVersion) -> str | None:
    """Why a published version must not be rendered interactively (None: it may be).

    Its stored flag, or, for a version nobody has flagged yet, the rule itself (cached by hash).
    """
    if version.unsafe_reason:
        return version.unsafe_reason
    if version.sha256 not in _UNSAFE:
        if len(_UNSAFE) > 1024:
            _UNSAFE.clear()
        _UNSAFE[version.sha256] = code_problem(version.schema)
    return _UNSAFE[version.sha256]


def ensure_renderable(version: QuestionnaireVersion) -> None:
    """Raise UnsafeDefinition when ``version`` holds code: no surface may render it or take answers."""
    if unsafe_reason(version) is not None:
        raise UnsafeDefinition(UNSAFE_MESSAGE)


def renderable_draft(q: Questionnaire) -> dict:
    """The draft as the preview renders it: nested questionnaires included (InvalidInput when one cannot
    be), refused with UnsafeDefinition when it (or what it includes) holds code the renderer would run."""
    if draft_problem(q) is not None:
        raise UnsafeDefinition(UNSAFE_MESSAGE)
    definition = resolve_definition(q.draft, q.business_unit, q)
    if definition is not q.draft and code_problem(definition) is not None:
        raise UnsafeDefinition(UNSAFE_MESSAGE)
    return definition


def draft_problem(q: Questionnaire) -> str | None:
    """Why the draft must not go into the interactive builder or the preview (None: it may)."""
    return q.unsafe_reason or code_problem(q.draft)


def flag_unsafe_definitions() -> int:
    """Flag every stored draft and published version that holds code the renderer would run.

    A migration for definitions stored before the rule existed (or imported around it): sets
    ``unsafe_reason`` where :func:`code_problem` finds something and clears it where it finds
    nothing. Idempotent; returns how many drafts and versions this call newly flagged (0 on a re-run).
    """
    flagged = 0
    for model, name in ((Questionnaire, "draft"), (QuestionnaireVersion, "schema")):
        for doc in model.objects.only(name, "unsafe_reason").as_pymongo():
            problem = code_problem(doc.get(name) or {})
            if problem == doc.get("unsafe_reason"):
                continue
            update = {"set__unsafe_reason": problem} if problem else {"unset__unsafe_reason": True}
            model.objects(pk=doc["_id"]).update_one(**update)
            flagged += problem is not None
    _UNSAFE.clear()
    return flagged


# --- filling in ---------------------------------------------------------------------------------

_FORMS: dict[str, forms.Form] = {}


#: what BSON can store: int64, finite floats; deeper drafts are cut (MongoDB refuses documents nested > 100)
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_DRAFT_DEPTH = 32
#: keys a browser-side object must never get from stored data (prototype pollution)
RESERVED_KEYS = frozenset({"__proto__", "constructor", "prototype"})


def storable(value: Any, depth: int = 0) -> Any:
    """A copy of a JSON value that MongoDB can store and a browser can load safely: NaN, ±Infinity,
    integers beyond int64 and anything nested deeper than ``MAX_DRAFT_DEPTH`` become None; keys that
    are empty, reserved (``__proto__``, ``constructor``, ``prototype``) or not storable are dropped."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value if INT64_MIN <= value <= INT64_MAX else None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if depth >= MAX_DRAFT_DEPTH:
        return None
    if isinstance(value, dict):
        return {k: storable(v, depth + 1) for k, v in value.items()
                if isinstance(k, str) and k and k not in RESERVED_KEYS and not k.startswith("$")
                and not any(c in k for c in _BAD_KEY_CHARS)}
    if isinstance(value, list | tuple):
        return [storable(v, depth + 1) for v in value]
    return None


def clean_draft(version: QuestionnaireVersion, data: Any) -> dict:
    """What a draft (autosave) keeps, cleaned as a submission is: only the form's own fields (the form
    engine's filtering of unknown keys), with storable values. Raises InvalidInput for a non-object."""
    if not isinstance(data, dict):
        raise InvalidInput(_l("Answers must be an object."))
    return storable(form_for(version).validate(storable(data)).data)


#: the largest draft (autosave) kept: the UTF-8 bytes of the JSON that was sent, before cleaning
MAX_DRAFT_BYTES = 256 * 1024


def checked_draft(version: QuestionnaireVersion, data: Any) -> dict:
    """The partial answers of an autosave (dialogs, portal) ready to store: an object with storable
    property names, at most ``MAX_DRAFT_BYTES`` as sent, then cleaned by :func:`clean_draft`; not
    validated. Raises InvalidInput with the message the customer reads."""
    if not isinstance(data, dict):
        raise InvalidInput(_l("Your answers could not be saved."))
    try:
        _check_keys(data)
    except InvalidInput as exc:
        raise InvalidInput(_l("Your answers could not be saved.")) from exc
    if len(json.dumps(data, ensure_ascii=False).encode("utf-8")) > MAX_DRAFT_BYTES:
        raise InvalidInput(_l("Your answers are too long to be saved."))
    return clean_draft(version, data)


def form_for(version: QuestionnaireVersion) -> forms.Form:
    """The loaded engine form of a version, cached by its hash (versions never change)."""
    form = _FORMS.get(version.sha256)
    if form is None:
        if len(_FORMS) > 256:
            _FORMS.clear()
        # check_code=False: the server only validates and shows answers escaped; whether a browser
        # may render the version is ensure_renderable()'s decision
        form = _FORMS[version.sha256] = forms.load(version.schema, check_code=False)
    return form


def prefill_for(version: QuestionnaireVersion, customer: Customer) -> dict:
    return mapping.prefill(form_for(version), customer)


@dataclass
class Outcome:
    submission: Submission
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)


def submit(actor: Actor, *, customer: Customer, version: QuestionnaireVersion, data: Any, source: str,
           source_label: str = "", prefill: dict | None = None, started_at: datetime | None = None,
           lang: str = "de") -> Outcome:
    """Validate on the server, write mapped master data back, store the submission.

    Raises SubmissionInvalid (errors by Form.io path, plus the renderer's shape) and changes
    nothing when anything is wrong, including a mapped value the customer record would refuse.
    """
    if customer is None or version is None:
        raise NotFound(_l("Nothing to submit to."))
    if customer.business_unit.pk != version.business_unit.pk:
        raise NotFound(_l("Nothing to submit to."))
    ensure_renderable(version)
    form = form_for(version)
    prefill = prefill if prefill is not None else mapping.prefill(form, customer)
    # disabled (locked) prefilled fields are re-set from the server, never taken from the client
    prefilled = {path: mapping.get_path(prefill, path) for path, node in mapping.nodes_by_path(form).items()
                 if node.defn.get("disabled")}
    locked = {path: value for path, value in prefilled.items() if value is not None}
    # date limits relative to today (moment()) count in the unit's zone
    result = form.validate(data if isinstance(data, dict) else {}, lang=lang, locked=locked,
                           zone=version.business_unit.timezone)
    if not result.valid:
        raise SubmissionInvalid(result.errors, form.renderer_errors(result))
    try:
        changes = mapping.compute_changes(form, customer, result.data, lang=lang)
    except mapping.MappingError as exc:
        raise SubmissionInvalid(exc.errors, _renderer_errors(form, exc.errors)) from exc
    now = utcnow()
    consents = [Consent(key=c["path"], label=c["label"][:1000], text=c["text"],
                        text_sha256=hashlib.sha256(c["text"].encode("utf-8")).hexdigest(),
                        answer=bool(mapping.get_path(result.data, c["path"])), at=now)
                for c in form.consent_components()]
    summary = N_("changed by the customer on %(source)s") if source_label else N_("changed via %(source)s")
    try:
        mapping.apply_changes(actor, customer, changes, summary=summary, summary_params={
            "source": source_label or source}, lang=lang)
    except mapping.MappingError as exc:
        raise SubmissionInvalid(exc.errors, _renderer_errors(form, exc.errors)) from exc
    submission = Submission(
        business_unit=customer.business_unit, customer=customer, questionnaire=version.questionnaire,
        version=version, version_number=version.number, data=result.data, prefill=prefill,
        applied_changes={f: {"before": plain(c["before"]), "after": plain(c["after"])}
                         for f, c in changes.items()},
        consents=consents, source=source, source_label=source_label, started_at=started_at, completed_at=now,
    ).save()
    return Outcome(submission, changes)


def _renderer_errors(form: forms.Form, errors: dict[str, list[str]]) -> list[dict]:
    out = []
    for path, messages in errors.items():
        for message in messages:
            out.append({"message": message, "level": "error", "path": path.split("."),
                        "context": {"key": path.split(".")[-1], "path": path, "label": path}})
    return out


def render_submission(submission: Submission, lang: str = "de"):
    """Read-only HTML of a submission, rendered against the version it was made with."""
    return form_for(submission.version).render_answers(submission.data, lang=lang)
