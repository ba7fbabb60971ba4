"""Where @formio/js runs text from a definition as code, and the one rule that keeps code out.

Derived from the @formio/js 5.6.0 sources (``npm pack @formio/js@5.6.0``, ``lib/cjs``), not from memory:

* **Template syntax.** ``Evaluator.templateSettings`` (``utils/Evaluator.js``, set by @formio/core's
  ``DefaultEvaluator``; also in the vendored ``formio.full.min.js``) compiles strings with
  ``lodash.template`` (``new Function``) using ``interpolate: /{{([\\s\\S]+?)}}/``,
  ``evaluate: /\\{%([\\s\\S]+?)%\\}/`` and ``escape: /\\{\\{\\{([\\s\\S]+?)\\}\\}\\}/``. Because a custom
  ``interpolate`` replaces lodash's ``<%= %>``, neither ``<% %>`` nor ES ``${ }`` is evaluated. So the
  markers are ``{{`` (covers ``{{{``) and ``{%``.
* **Who is interpolated** (``grep -n "interpolate(" lib/cjs``): ``Component.js`` (tooltip, every
  ``renderTemplate``/``renderString``), ``Content.js`` (``html``), ``HTML.js`` (``content``,
  ``attrs[].value``), ``Checkbox.js`` (tooltip), ``Select.js`` / ``ListComponent.js`` (``template``,
  ``data.url``, ``filter``, ``data.headers[].value``), ``Radio.js`` (url), ``File.js`` (``dir``, ``url``,
  ``fileMinSize``, ``fileMaxSize``), ``Button.js`` (``event``, ``url``, ``oauth.redirectURI``),
  ``Address.js`` (``url``, ``manualModeViewString``), ``Webform.js`` (``headers``, translations URL),
  ``utils.js`` (logic "property" actions), ``PasswordStrengthAddon.js`` (template); and every text the
  templates pass through ``ctx.t()`` (labels, descriptions, placeholders, prefix/suffix, option labels
  ``values[].label`` / ``data.values[].label``, survey ``questions``, ``title``, ``legend``,
  ``addAnother``, ``removeRow``, ``errors{}``, ``validate.customMessage``, ...) goes through i18next
  with ``{{ }}`` substitution of ``data``/``row``/``component``. The list of places is long and grows
  with every release, so the rule is not a list: **no string anywhere in a definition (keys included)
  may contain ``{{`` or ``{%``**, except under :data:`DATA_KEYS`, and except Form.io's message
  placeholders — a single name such as ``{{field}}`` — in error messages (``validate.customMessage``,
  ``errors{}``): a bare name is a variable read, never a call or an assignment; likewise a select's
  ``template`` that is only ``<span>{{ item.<field> }}</span>`` (:data:`ITEM_TEMPLATE`, the builder's default).
  A component's own ``row`` that is only the builder's layout mark (``"0-0"``, :data:`LAYOUT_ROW`) is data
  too: @formio/js evaluates only ``validate.row`` (EditGrid) and renders ``templates.row``.
* **Evaluated as JavaScript** (``grep -n "evaluate(" lib/cjs``): ``customDefaultValue``,
  ``calculateValue``, ``customConditional``, ``validate.custom``, ``validate.row`` (EditGrid),
  ``logic[]`` actions, ``onChange``, ``onSetItems`` and ``data.custom`` (Select), ``custom`` (Button),
  ``conditionalAddButton`` (NestedArray), ``nextPage`` (Wizard), ``widget.disableFunction`` and
  ``shortcutButtons[].onClick`` (CalendarWidget), the form's ``module`` and ``controller`` (Webform), and
  any date setting (``minDate``, ``maxDate``, ``defaultDate``, e.g. ``widget.minDate``) that contains
  ``moment(`` (``utils.getDateSetting``). :data:`SCRIPT_KEYS` and :data:`DATE_KEYS` list them; a
  non-empty value is refused wherever the key occurs, except a date setting in the strict ``moment()``
  language :func:`forms.datelimits.parse_moment` reads (``moment().add(10, 'days')``): the server
  evaluates it without JavaScript, and in the browser it can only compute a date.

* **Run on the server instead.** JavaScript in the places :data:`forms.js.PLACES` names
  (``validate.custom``, an editgrid's ``validate.row``, ``calculateValue``, ``customConditional``,
  ``customDefaultValue`` and the JavaScript of ``logic`` triggers and actions) is reported as kind
  ``"javascript"``: the server runs it in its sandbox (:mod:`forms.js`) and the browser only inside the
  isolated renderer frame, so it is allowed where it compiles (:func:`find_refused_code`). Everything else
  above stays refused.

``tests/forms/test_expressions.py`` proves the rule covers every string property of every component
type we support and every string the vendored bundle reads with ``interpolate``/``t``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from forms.datelimits import parse_moment

__all__ = [
    "DATA_KEYS", "DATE_KEYS", "ENGINE_KEYS", "ITEM_TEMPLATE", "LAYOUT_ROW", "MARKERS", "MESSAGE_KEYS", "SCRIPT_KEYS",
    "Finding",
    "find_code", "find_refused_code", "iter_code",
]

#: lodash template delimiters as @formio/js configures them ({{{ }}} starts with {{)
MARKERS = ("{{", "{%")

#: component properties whose strings are data, never text the renderer shows or evaluates:
#: ``defaultValue`` (an answer, set as the input's value) and ``properties`` (our own key/value map;
#: @formio/js only hands it to file processors, e.g. ``customerField``, ``consentText``)
DATA_KEYS = frozenset({"defaultValue", "properties"})

#: error-message properties (``validate.customMessage``; every value of ``errors{}``), where
#: placeholders of the form ``{{ name }}`` (what Form.io's own messages use: ``{{field}}``,
#: ``{{min}}``, ...) are allowed
MESSAGE_KEYS = frozenset({"customMessage", "errors"})
_PLACEHOLDER = re.compile(r"\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\}")

#: a select's option ``template`` that only shows a field of the option (the builder's own default,
#: ``<span>{{ item.label }}</span>``): lodash compiles it to a property read, like a message placeholder
ITEM_TEMPLATE = re.compile(
    r"\s*(?:<span>)?\s*\{\{\s*item(?:\.(?!constructor\b|prototype\b|__proto__\b)[A-Za-z_][A-Za-z0-9_]*)+\s*\}\}"
    r"\s*(?:</span>)?\s*"
)

#: properties @formio/js runs as JavaScript (``Evaluator.evaluate`` → ``new Function``)
SCRIPT_KEYS = frozenset({
    "customDefaultValue", "calculateValue", "customConditional", "custom", "row", "logic", "onChange",
    "onSetItems", "conditionalAddButton", "nextPage", "disableFunction", "onClick", "module", "controller",
})

#: component properties whose JavaScript the server's engine runs (``validate.custom`` and ``logic`` too)
ENGINE_KEYS = frozenset({"customDefaultValue", "calculateValue", "customConditional"})
#: the JavaScript of a ``logic`` entry: trigger type "javascript", action property → the variable it returns
_LOGIC_ACTION_CODE = {"value": "value", "customAction": "value", "schemaDefinition": "schema"}

#: the builder's layout mark on a component (``row: "0-0"``, written by @formio/js's builder for the grid
#: cell a component sits in): data, never code (``templates.row`` and ``validate.row`` are not components)
LAYOUT_ROW = re.compile(r"\d{1,4}-\d{1,4}", re.ASCII)

#: date settings ``utils.getDateSetting`` evaluates as JavaScript when they contain ``moment(``
DATE_KEYS = frozenset({"minDate", "maxDate", "defaultDate"})


@dataclass(frozen=True)
class Finding:
    """Code found in a definition: where (``components[0].tooltip`` style) and what kind.

    ``kind`` is ``"template"`` ({{ }} / {% %} in a text), ``"script"`` (a JavaScript property),
    ``"moment"`` (a date setting computed with ``moment(...)``), ``"javascript"`` (JavaScript in a place
    the server's engine runs; ``code`` is the source, ``ret`` the variable it sets) or ``"jsSyntax"``
    (such JavaScript that does not compile).
    """

    path: str
    kind: str
    code: str = ""
    ret: str = ""


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _has_marker(text: str) -> bool:
    return any(m in text for m in MARKERS)


def _script_value(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, list | dict):
        return bool(value)
    return False


def iter_code(value: Any, path: str = "", *, message: bool = False, owner: Any = None) -> Iterator[Finding]:
    """Every place in a definition (or any part of one) where @formio/js would run code, in order.

    ``message``: ``value`` is (inside) an error message, where bare ``{{ name }}`` placeholders are fine.
    ``owner``: the type of the component whose property ``value`` is (``validate.row`` runs on an editgrid
    only; elsewhere it is JavaScript nothing runs, refused like any other).
    """
    if isinstance(value, str):
        if _has_marker(_PLACEHOLDER.sub("", value) if message else value):
            yield Finding(path, "template")
    elif isinstance(value, dict):
        for key, item in value.items():
            where = _join(path, str(key))
            if isinstance(key, str) and _has_marker(key):
                yield Finding(where, "template")
            if key in DATA_KEYS:
                continue
            if key == "template" and isinstance(item, str) and ITEM_TEMPLATE.fullmatch(item):
                continue
            if key == "row" and "type" in value and isinstance(item, str) and LAYOUT_ROW.fullmatch(item):
                continue
            if message:  # e.g. errors.custom: the message shown when a rule fails, not the rule
                yield from iter_code(item, where, message=True)
                continue
            # ``custom``/``row``/``logic`` are JavaScript wherever they occur in a definition; an empty
            # value (what the builder writes for "none") is allowed
            if key in SCRIPT_KEYS and _script_value(item):
                if key == "calculateValue" and isinstance(item, dict):  # JSON logic: data, not code
                    yield from iter_code(item, where)
                elif key == "logic" and isinstance(item, list):
                    yield from _iter_logic(item, where)
                elif isinstance(item, str) and (
                    key in ENGINE_KEYS
                    or (key == "custom" and _is_validate(path))
                    or (key == "row" and _is_validate(path) and owner == "editgrid")
                ):
                    ret = {"customConditional": "show", "custom": "valid", "row": "valid"}.get(key, "value")
                    yield Finding(where, "javascript", item, ret)
                else:
                    yield Finding(where, "script")
                continue
            if key in DATE_KEYS and isinstance(item, str) and "moment(" in item:
                # the strict moment() language forms/datelimits.py evaluates is data (and harmless where
                # the browser renderer runs it); anything else is JavaScript
                if parse_moment(item) is None:
                    yield Finding(where, "moment")
                continue
            yield from iter_code(item, where, message=message or key in MESSAGE_KEYS,
                                 owner=value.get("type") if key == "validate" else None)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from iter_code(item, f"{path}[{i}]", message=message)


def _is_validate(path: str) -> bool:
    return path == "validate" or path.endswith(".validate")


def _iter_logic(logic: list[Any], path: str) -> Iterator[Finding]:
    """The code of a ``logic`` list: its JavaScript as ``"javascript"``, anything else as the rule says."""
    for i, entry in enumerate(logic):
        where = f"{path}[{i}]"
        if not isinstance(entry, dict):
            yield from iter_code(entry, where)
            continue
        for key, item in entry.items():
            at = _join(where, str(key))
            if key == "trigger" and isinstance(item, dict):
                for tkey, titem in item.items():
                    if tkey == "javascript" and isinstance(titem, str):
                        if titem.strip():
                            yield Finding(_join(at, tkey), "javascript", titem, "result")
                    else:
                        yield from iter_code({tkey: titem}, at)
            elif key == "actions" and isinstance(item, list):
                for j, action in enumerate(item):
                    yield from _iter_action(action, f"{at}[{j}]")
            else:
                yield from iter_code({key: item}, where)


def _iter_action(action: Any, path: str) -> Iterator[Finding]:
    if not isinstance(action, dict):
        yield from iter_code(action, path)
        return
    for key, item in action.items():
        if key in _LOGIC_ACTION_CODE and isinstance(item, str):
            if item.strip():
                yield Finding(_join(path, key), "javascript", item, _LOGIC_ACTION_CODE[key])
        else:
            yield from iter_code({key: item}, path)


def find_code(definition: Any) -> Finding | None:
    """The first place where @formio/js would run code from ``definition``, or None."""
    return next(iter_code(definition), None)


def find_refused_code(definition: Any, compile_error: Any) -> Finding | None:
    """The first code a definition may not hold: anything but JavaScript in the engine's places, or
    such JavaScript that ``compile_error(code, ret)`` (:func:`forms.js.compile_error`) refuses."""
    for found in iter_code(definition):
        if found.kind != "javascript":
            return found
        if "{{" in found.code or "{%" in found.code:  # validate.custom is interpolated before it runs
            return Finding(found.path, "template")
        if compile_error(found.code, found.ret) is not None:
            return Finding(found.path, "jsSyntax", found.code, found.ret)
    return None
