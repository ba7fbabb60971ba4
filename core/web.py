"""What every surface needs at the web boundary, in one place.

* :func:`get_or_404` turns an id from a URL or a form into a document of the right unit, or a 404:
  a malformed id, another unit's document and a missing one answer the same (the query set method
  under it, ``UnitQuerySet.get_or_none``, lives with the models in ``core.models._base``).
* :func:`request_lang` is the renderer's language of this request; :func:`no_store_under` keeps every
  response under a surface's path out of caches.
* :func:`file_response` serves a stored file (documents in the portal and in the customer file).

JSON bodies:

* :func:`read_json` is the one way a view reads a JSON body. Bodies are untrusted, so size and
  nesting are checked on the raw text *before* parsing (Python's parser recurses and raises
  ``RecursionError`` on deep nesting), and the parsed values must be storable: no ``NaN``/``Infinity``
  and no integer beyond 64 bits (BSON cannot hold them; the store would refuse them later, with a 500).
* :func:`takes_json` marks the views that read one; :func:`init_app` refuses a JSON body (415) on
  every other view, before it runs — Flask-WTF forms would otherwise read a JSON body instead of the
  form (an array, an object as a field value, deep nesting).

A refused body is a 4xx with a message in the user's language, never a 500.

The questionnaire round trip (kiosk, portal, dialogs, the staff fill-in page):

* :func:`answers` is the renderer's payload (``{"data": {...}}``) read with :func:`read_json`;
* :func:`submit_answers` hands them to a service and answers the renderer: ``{"redirect": ...}`` when
  they were stored, 422 with the renderer-shaped errors when validation refused them, 409 (or what the
  surface gives instead) when the questionnaire is no longer open.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from typing import Any

from flask import Flask, abort, current_app, flash, jsonify, request, stream_with_context
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from core.errors import Conflict, FrontdeskError
from core.files import attachment_header
from core.i18n import renderer_lang

#: BSON's integer range (int64)
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")

#: ``"en"`` or ``"de"``: the renderer's language of this request (the one helper lives in core.i18n)
request_lang = renderer_lang


class JSONRefused(FrontdeskError):
    """The request body is not JSON we accept (malformed, too deep, unstorable numbers)."""

    status = 400


class JSONTooLarge(JSONRefused):
    status = 413


class JSONNotTaken(JSONRefused):
    """A JSON body sent to a view that takes form data."""

    status = 415


def get_or_404(source, /, *, unit, **kw):
    """The document of ``source`` (a unit-scoped model or a query set of one) matching ``kw`` inside
    ``unit``, else ``abort(404)``. ``unit=None`` only where the query set is already scoped otherwise
    (by customer, by token). Routes put no ``try/except`` around it."""
    queryset = source.objects if isinstance(source, type) else source
    if unit is not None:
        queryset = queryset.of_unit(unit)
    found = queryset.get_or_none(**kw)
    if found is None:
        abort(404)
    return found


#: the policy of a previewed file: no script runs and nothing but the file itself loads (the browser's own PDF
#: and image viewers still draw it); a downloaded one gets ``sandbox``, should a browser show it anyway
FILE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; object-src 'self'"


def file_response(chunks: Iterator[bytes], *, content_type: str, length: int, filename: str,
                  inline: bool = False) -> Response:
    """A stored file as a streamed response: its sniffed type, ``nosniff``, an RFC 6266 name, and either
    ``inline`` (callers allow it only for types the browser shows itself: PDFs and images) or
    ``attachment``."""
    response = Response(stream_with_context(chunks), mimetype=content_type)
    response.headers["Content-Length"] = str(length)
    response.headers["Content-Disposition"] = attachment_header(filename, "inline" if inline else "attachment")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_POLICY if inline else "default-src 'none'; sandbox"
    return response


def no_store(response: Response) -> Response:
    """Mark ``response`` as not to be stored by any cache (browser back button included)."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def under(prefix: str) -> bool:
    """The request's path is ``prefix`` or below it."""
    return request.path == prefix or request.path.startswith(prefix + "/")


def no_store_under(app: Flask, prefix: str, headers: dict[str, str] | None = None) -> None:
    """Every response under ``prefix`` (404s and static files included) is :func:`no_store`, with
    ``headers`` set as well."""
    extra = dict(headers or {})

    def hook(response: Response) -> Response:
        if under(prefix):
            no_store(response)
            response.headers.update(extra)
        return response

    app.after_request(hook)


def takes_json(view):
    """Mark ``view`` as reading a JSON body with :func:`read_json` (put it under the route decorator)."""
    view.takes_json = True
    return view


def refuse_unexpected_json() -> None:
    """``before_request``: a JSON body is accepted only by the views marked with :func:`takes_json`."""
    if request.method in ("GET", "HEAD", "OPTIONS") or not request.is_json:
        return
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if not getattr(view, "takes_json", False):
        raise JSONNotTaken(_("This address takes form data, not JSON."))


def init_app(app: Flask) -> None:
    app.before_request(refuse_unexpected_json)


def nesting_depth(text: str, stop_above: int | None = None) -> int:
    """How deeply arrays and objects nest in ``text`` (brackets inside strings do not count); the scan
    stops as soon as the depth exceeds ``stop_above``."""
    depth = deepest = 0
    for bracket in _NOT_BRACKET.sub("", _STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_above is not None and deepest > stop_above:
                    break
        else:
            depth -= 1
    return deepest


def _int(text: str) -> int:
    if len(text) > 20:  # longer than any int64: refuse before converting
        raise ValueError("integer out of range")
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise ValueError("integer out of range")
    return value


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400
        raise ValueError("number out of range")
    return value


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads(text: str | bytes, *, max_bytes: int, max_depth: int) -> Any:
    """Parse ``text`` under the limits; ValueError (a JSONRefused for the too-large case) otherwise."""
    if len(text) > max_bytes:
        raise JSONTooLarge(_("The data is too large."))
    if isinstance(text, bytes):
        text = text.decode("utf-8")  # UnicodeDecodeError is a ValueError
    if nesting_depth(text, stop_above=max_depth) > max_depth:
        raise ValueError("nested too deeply")
    return json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)


def read_json(*, max_bytes: int | None = None, max_depth: int | None = None) -> Any:
    """The request's JSON body, or None when the request does not carry JSON.

    Raises :class:`JSONTooLarge` (413) beyond ``max_bytes`` (default ``JSON_MAX_BYTES``) and
    :class:`JSONRefused` (400) for malformed JSON, nesting beyond ``max_depth`` (default
    ``JSON_MAX_DEPTH``), ``NaN``/``Infinity`` and integers outside int64; the app's error handler
    answers both with the translated message (JSON for JSON requests).
    """
    if not request.is_json:
        return None
    max_bytes = max_bytes or current_app.config["JSON_MAX_BYTES"]
    max_depth = max_depth or current_app.config["JSON_MAX_DEPTH"]
    if request.content_length is not None and request.content_length > max_bytes:
        raise JSONTooLarge(_("The data is too large."))
    raw = request.get_data(cache=True)
    try:
        return loads(raw, max_bytes=max_bytes, max_depth=max_depth)
    except JSONRefused:
        raise
    except (ValueError, RecursionError) as exc:
        raise JSONRefused(_("The data could not be read.")) from exc


def answers() -> Any:
    """The answers of the renderer's payload (``{"data": {...}}``), None when there are none; the
    services refuse anything but an object."""
    payload = read_json()
    return payload.get("data") if isinstance(payload, dict) else None


def submit_answers(submit: Callable[[Any], object], *, done: str, thanks: str | None = None,
                   stale: type[Exception] | tuple[type[Exception], ...] = Conflict,
                   on_stale: Callable[[Exception], Any] | None = None) -> Any:
    """The POST of a questionnaire page: ``submit(answers)`` validates and stores through a service.

    Stored: ``thanks`` is flashed and the renderer is sent to ``done``. Refused by validation
    (``SubmissionInvalid``): 422 with the errors in the renderer's shape. No longer open (``stale``,
    e.g. already sent): ``on_stale(exc)``, by default 409 with the service's message and ``done``.
    """
    from core.services.questionnaires import SubmissionInvalid

    try:
        submit(answers())
    except SubmissionInvalid as exc:
        return jsonify(errors=exc.renderer_errors), 422
    except stale as exc:
        if on_stale is not None:
            return on_stale(exc)
        return jsonify(error=str(exc), redirect=done), 409
    if thanks:
        flash(thanks, "success")
    return jsonify(redirect=done)
