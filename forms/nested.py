"""Nested ``form`` components that name another questionnaire: resolved into inline components.

Form.io stores a nested form as ``{type: "form", key, form: <form id>, revision: <version>}`` and its
answers under ``data.<key>.data.<inner keys>`` (@formio/core's ``dataObject`` model type).  The engine
(:func:`forms.load`) stays pure and only reads inline ``components``; this module is the step before it:
:func:`resolve_nested` walks a definition, asks ``lookup`` (the caller's, unit-scoped store access) for
each named form and copies the pinned version's components in.  The result keeps Form.io's own pin
properties, so a published version records what it included:

``form``       the included questionnaire's id (kept as it was)
``revision``   the version number that was included (the newest published one when the designer pinned
               none; a number in the draft pins that version)
``reference``  false: the answers belong to the outer submission (Form.io's "save as reference" would
               store a separate submission on a Form.io server, which does not exist here)

A component whose ``form`` the lookup does not know keeps its inline ``components`` (a form exported from
another Form.io project carries them); without any it is refused.  Refused as well: the form itself, a cycle
(A includes B includes A, also through B's published version), more than :data:`MAX_NESTING` nested forms
inside one another, and whatever ``lookup`` refuses (unpublished, archived, unknown version).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from forms.errors import DefinitionError

__all__ = ["MAX_NESTING", "Included", "NestedFormError", "iter_nested", "resolve_nested"]

#: nested forms inside one another (inline ones and included questionnaires alike), counted from the outer form
MAX_NESTING = 3

#: why a reference is refused (``NestedFormError.code``)
REASONS = {
    "missing": "the nested form names no form to include",
    "unknown": "the nested form names {ref}, which is no questionnaire of this business unit",
    "unpublished": "the included questionnaire {name} has no published version yet",
    "archived": "the included questionnaire {name} is archived",
    "revision": "the nested form's revision {revision} is no published version of {name}",
    "bad_revision": "the nested form's revision must be a version number",
    "empty": "the included questionnaire {name} has no fields",
    "self": "a questionnaire cannot include itself",
    "cycle": "including {name} would include this questionnaire again (a cycle)",
    "depth": "nested forms may be at most {limit} deep",
}


class NestedFormError(DefinitionError):
    """A nested form cannot be included; ``code`` is a key of :data:`REASONS`, ``params`` fill it in."""

    def __init__(self, path: str, code: str, **params: Any) -> None:
        self.params = params
        self.nested_code = code
        super().__init__(path, REASONS[code].format(**{k: repr(v) if k == "ref" else v for k, v in params.items()}))

    def at(self, path: str) -> NestedFormError:
        return NestedFormError(path, self.nested_code, **self.params)


@dataclass(frozen=True)
class Included:
    """What ``lookup`` answers for a questionnaire it knows: the pinned version's definition."""

    id: str
    revision: int
    name: str
    definition: dict[str, Any]


#: ``lookup(form_id, revision or None)`` → :class:`Included`, None (not known), or raises NestedFormError
Lookup = Callable[[str, "int | None"], "Included | None"]


def _children(c: dict[str, Any], path: str) -> Iterator[tuple[list[Any], str]]:
    """The component lists directly inside component ``c`` (panels, tabs, containers, columns, tables)."""
    comps = c.get("components")
    if isinstance(comps, list):
        if c.get("type") == "tabs":
            for i, tab in enumerate(comps):
                if isinstance(tab, dict) and isinstance(tab.get("components"), list):
                    yield tab["components"], f"{path}.components[{i}].components"
        else:
            yield comps, f"{path}.components"
    cols = c.get("columns")
    if isinstance(cols, list):
        for j, col in enumerate(cols):
            if isinstance(col, dict) and isinstance(col.get("components"), list):
                yield col["components"], f"{path}.columns[{j}].components"
    rows = c.get("rows")
    if isinstance(rows, list):
        for r, row in enumerate(rows):
            for k, cell in enumerate(row if isinstance(row, list) else []):
                if isinstance(cell, dict) and isinstance(cell.get("components"), list):
                    yield cell["components"], f"{path}.rows[{r}][{k}].components"


def iter_nested(definition: Any) -> Iterator[tuple[dict[str, Any], str]]:
    """Every nested ``form`` component of a definition with its path (outermost first; not inside them)."""
    if not isinstance(definition, dict) or not isinstance(definition.get("components"), list):
        return
    stack: list[tuple[list[Any], str]] = [(definition["components"], "components")]
    while stack:
        comps, path = stack.pop(0)
        for i, c in enumerate(comps):
            if not isinstance(c, dict):
                continue
            p = f"{path}[{i}]"
            if c.get("type") == "form":
                yield c, p
                continue
            stack.extend(_children(c, p))


def _revision(raw: Any, path: str) -> int | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise NestedFormError(f"{path}.revision", "bad_revision")
    if isinstance(raw, int) and 1 <= raw < 2**31:
        return raw
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and 0 < int(raw) < 2**31:
        return int(raw)
    raise NestedFormError(f"{path}.revision", "bad_revision")


def resolve_nested(definition: dict[str, Any], lookup: Lookup, *, root: str | None = None,
                   max_depth: int = MAX_NESTING) -> dict[str, Any]:
    """A copy of ``definition`` with every nested form that names a questionnaire made inline.

    ``root`` is the id of the questionnaire the definition belongs to (None for a new one): including it,
    directly or through another questionnaire, is refused.  Raises :class:`NestedFormError` (with the
    path of the nested form) for anything that cannot be included; ``definition`` is never changed.
    """
    out = copy.deepcopy(definition)
    chain = (root,) if root else ()
    _resolve_level(out, lookup, chain, 0, max_depth, "", frozen=False, via=None)
    return out


def _resolve_level(defn: dict[str, Any], lookup: Lookup, chain: tuple[str, ...], depth: int, max_depth: int,
                   prefix: str, *, frozen: bool, via: str | None) -> None:
    """Resolve the nested forms of ``defn`` (one level, then recursively); ``frozen``: ``defn`` is the
    content of a published version, whose nested forms are inline already and only count for cycles and
    depth (no look-ups: that version is immutable and was checked when it was published); ``via``: the
    name of the outermost included questionnaire this level is part of (what a cycle message names)."""
    for c, path in list(iter_nested(defn)):
        where = f"{prefix}{path}"
        if depth + 1 > max_depth:
            raise NestedFormError(where, "depth", limit=max_depth)
        ref = c.get("form")
        inline = isinstance(c.get("components"), list) and bool(c["components"])
        included = None
        if isinstance(ref, str) and ref:
            if ref in chain:
                label = c.get("label")
                name = via or (label[:100] if isinstance(label, str) and label else ref)
                raise NestedFormError(f"{where}.form", "self" if depth == 0 and ref == chain[0] else "cycle",
                                      name=name)
            if not (frozen and inline):
                revision = _revision(c.get("revision"), where)
                try:
                    included = lookup(ref, revision)
                except NestedFormError as exc:
                    raise exc.at(f"{where}.form") from None
        if included is not None:
            comps = included.definition.get("components")
            if not isinstance(comps, list) or not comps:
                raise NestedFormError(f"{where}.form", "empty", name=included.name)
            c["components"] = copy.deepcopy(comps)
            c["form"] = included.id
            c["revision"] = included.revision
            c["reference"] = False
            for stale in ("src", "path", "project", "formRevision", "revisionId"):
                c.pop(stale, None)
            next_chain = (*chain, included.id)
        elif inline:
            next_chain = (*chain, ref) if isinstance(ref, str) and ref else chain
        elif isinstance(ref, str) and ref:
            raise NestedFormError(f"{where}.form", "unknown", ref=ref)
        else:
            raise NestedFormError(f"{where}.form", "missing")
        # what the included (or inline) form holds: its own nested forms, already inline in a published
        # version, still count for cycles and depth; references in inline components are resolved too
        label = c.get("label") if isinstance(c.get("label"), str) else None
        _resolve_level(c, lookup, next_chain, depth + 1, max_depth, f"{where}.",
                       frozen=frozen or included is not None,
                       via=via or (included.name if included is not None else label))
