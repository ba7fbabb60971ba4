"""One class per supported Form.io component type.

A component is compiled once by :func:`forms.load`; it knows its data key, its children, its
condition and the list of validation rules that can apply to it.  The registry of types lives in
:mod:`forms.registry`.
"""

from __future__ import annotations

import json
import re
from typing import Any

from forms import datelimits, inputmask, jsonlogic, rules, scripting
from forms.base import (
    B64_RE,
    SIGNATURE_PREFIX,
    Check,
    ComponentBase,
    Issue,
    compile_mask,
    lodash_get,
    strict_eq_option,
)
from forms.conditions import Condition
from forms.errors import DefinitionError
from forms.jsvalues import UNDEF, is_number, js_json, js_string, js_truthy, lodash_is_equal

__all__ = ["SIGNATURE_PREFIX", "Component"]

_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,127}")


def refuse_source(comp: ComponentBase, allowed: tuple[Any, ...] = (None, "values")) -> None:
    """Options that need a request (``url``, ``resource``, ``custom``, ...) are refused, saying why."""
    src = comp.defn.get("dataSrc")
    if src in allowed:
        return
    raise DefinitionError(
        f"{comp.def_path}.dataSrc",
        f"options from {js_string(src)!r} would be fetched from another server or computed by a script, which"
        " questionnaires never do: enter the options as a fixed list (values or JSON)",
        code="dataSrc",
    )


class Component(ComponentBase):
    """Base class: a data component holding one value at ``key``, with its condition and rules."""

    def __init__(self, defn: dict[str, Any], path: str, parent: Component | None, strict: bool) -> None:
        self.condition: Condition | None = None
        super().__init__(defn, path, parent, strict)

    # -- compilation ------------------------------------------------------------------------------

    def compile_validation(self) -> None:
        v = self.validate_def
        path = f"{self.def_path}.validate"
        pat = v.get("pattern")
        if js_truthy(pat):
            if not isinstance(pat, str):
                raise DefinitionError(f"{path}.pattern", "must be a string")
            try:
                self.pattern_re = re.compile("^" + pat + r"\Z", re.ASCII)  # JS regexes: \d, \w are ASCII
            except re.error as exc:
                raise DefinitionError(f"{path}.pattern", f"invalid regular expression: {exc}") from exc
        mask = self.defn.get("inputMask")
        if js_truthy(mask) and self.type != "time" and not js_truthy(v.get("skipMaskValidation")):
            if not isinstance(mask, str):
                raise DefinitionError(f"{self.def_path}.inputMask", "must be a string")
            if self.type == "textfield" and inputmask.unsupported(mask):
                raise DefinitionError(f"{self.def_path}.inputMask",
                                      "input masks with optional parts, repeats or alternatives ([ ] { } | \\)"
                                      " are not supported")
            self.mask_array = compile_mask(mask)
        if js_truthy(self.defn.get("allowMultipleMasks")):
            raise DefinitionError(f"{self.def_path}.allowMultipleMasks", "multiple input masks are not supported")
        # (check, applies-to-multiple) in @formio/core's rule order: with a customMessage only the
        # first failing rule is reported (errors are de-duplicated by message), so order matters.
        t = self.type
        j = v.get("json")
        has_json = js_truthy(j) and isinstance(j, (dict, list))
        if has_json:
            jsonlogic.check(j, f"{path}.json")
        fields = self.defn.get("fields")
        req_day = (
            t == "day"
            and isinstance(fields, dict)
            and any(isinstance(f, dict) and js_truthy(f.get("required")) for f in fields.values())
        )
        table: list[tuple[bool, Check, Any]] = [
            (t == "datetime", rules.date, True),
            (t == "day", rules.day, True),
            (t == "email", rules.email, True),
            (has_json, rules.json_rule, True),
            (self.mask_array is not None, rules.mask, True),
            (t == "day" and "maxDate" in self.defn, datelimits.day_max_date, True),
            (t == "datetime", datelimits.max_date, True),
            ("maxLength" in v, rules.max_length, False),
            ("maxSelectedCount" in v, rules.max_selected_count, True),
            ("max" in v, rules.maximum, True),
            ("maxWords" in v, rules.max_words, True),
            (t == "day", datelimits.day_max_year, True),
            (t == "day" and "minDate" in self.defn, datelimits.day_min_date, True),
            (t == "datetime", datelimits.min_date, True),
            ("minLength" in v, rules.min_length, True),
            ("minSelectedCount" in v, rules.min_selected_count, True),
            ("min" in v, rules.minimum, rules.min_prefilter),
            ("minWords" in v, rules.min_words, False),
            (t == "day", datelimits.day_min_year, True),
            (True, rules.multiple, None),  # validateMultiple: a full-value rule
            (self.pattern_re is not None, rules.pattern, False),
            (js_truthy(v.get("required")), rules.required, True),
            (req_day, rules.required_day, True),
            (t == "number", rules.number, True),
            (isinstance(v.get("custom"), str) and bool(v["custom"].strip()), scripting.custom_rule, True),
            (
                js_truthy(v.get("onlyAvailableItems")) and t in ("radio", "select", "selectboxes"),
                rules.available_items,
                True,
            ),
        ]
        self.item_rules: list[tuple[Check, Any]] = [(fn, multi) for on, fn, multi in table if on]
        self.strict_rules: list[Check] = self.make_strict_rules() if self.strict else []

    def make_strict_rules(self) -> list[Check]:
        """Our own extra checks (strict mode): value types, option membership, shapes."""
        return [rules.strict_type]

    # -- validation -------------------------------------------------------------------------------

    def validate(self, value: Any, ctx: Any) -> list[Issue]:
        """All issues for ``value`` (the caller has already decided the component is validated).

        Issues are de-duplicated like @formio/core does: by message key, or by the custom message
        when ``validate.customMessage`` is set (then only the first failing rule is reported).
        """
        out: list[Issue] = []
        seen: set[str] = set()
        custom = self.custom_message

        def add(issue: Issue | None) -> None:
            if issue is None:
                return
            token = custom if custom is not None else issue[1]
            if token not in seen:
                seen.add(token)
                out.append(issue)

        if self.truncate_spaces and isinstance(value, str):
            value = re.sub(r"\s{2,}", " ", rules.js_trim(value))
        if self.multiple and isinstance(value, list) and value:
            active = [
                fn
                for fn, multi in self.item_rules
                if multi is True or (multi not in (None, False) and multi(self, value))
            ]
            for item in value:
                for fn in active:
                    add(fn(self, item, ctx))
            add(rules.multiple(self, value, ctx))
        else:
            for fn, _multi in self.item_rules:
                add(fn(self, value, ctx))
        for fn in self.strict_rules:
            if fn is rules.strict_type and out:
                continue  # the value is already reported (e.g. "not a valid number")
            add(fn(self, value, ctx))
        return out


# --- value components ----------------------------------------------------------------------------


class _StringComponent(Component):
    model_type = "string"
    multiple_allowed = True

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str)


class TextField(_StringComponent):
    """``textfield``."""

    type_name = "textfield"

    @property
    def empty_value_is_array(self) -> bool:
        return self.multiple


class TextArea(_StringComponent):
    """``textarea`` (model type "any" in @formio/core)."""

    type_name = "textarea"
    model_type = "any"

    @property
    def multiple_eligible(self) -> bool:
        return self.defn.get("as") == "json" and self.multiple


class Email(_StringComponent):
    """``email``."""

    type_name = "email"


class PhoneNumber(_StringComponent):
    """``phoneNumber`` (the input mask, if set, is checked)."""

    type_name = "phoneNumber"


class Number(Component):
    """``number``."""

    type_name = "number"
    model_type = "number"
    multiple_allowed = True

    def accepts(self, value: Any) -> bool:
        return is_number(value) or value == ""


class Checkbox(Component):
    """``checkbox`` (a boolean)."""

    type_name = "checkbox"
    model_type = "boolean"

    #: radio style (``inputType: "radio"``): the checkboxes sharing a ``name`` store the ``value`` of the
    #: chosen one under that name (@formio/core's ``getComponentKey``)
    radio_group = False

    def compile_options(self) -> None:
        if self.defn.get("inputType") != "radio":
            return
        name = self.defn.get("name")
        if not isinstance(name, str) or not _NAME_RE.fullmatch(name):
            raise DefinitionError(
                f"{self.def_path}.name",
                "a radio-style checkbox needs a 'name' (letters, digits, '_', '-'): the key its group stores the"
                " chosen value under",
            )
        value = self.defn.get("value")
        if isinstance(value, (dict, list)):
            raise DefinitionError(f"{self.def_path}.value", "option values must be scalars")
        self.radio_group = True
        self.radio_value = value
        self.key = name
        self.parts = (name,)

    def accepts(self, value: Any) -> bool:
        if self.radio_group:
            return isinstance(value, (str, bool)) or is_number(value)
        return isinstance(value, bool)


def _compile_value_list(comp: Component, values: Any, path: str) -> None:
    if values is None:
        values = []
    if not isinstance(values, list):
        raise DefinitionError(path, "must be a list of {label, value}")
    for i, opt in enumerate(values):
        if not isinstance(opt, dict) or "value" not in opt:
            raise DefinitionError(f"{path}[{i}]", "option must be an object with 'value' and 'label'")
        val = opt["value"]
        if isinstance(val, (dict, list)):
            raise DefinitionError(f"{path}[{i}].value", "option values must be scalars")
        comp.option_values.append(val)
        label = opt.get("label")
        comp.option_labels[js_string(val)] = label if isinstance(label, str) else js_string(val)


_ITEM_FIELD = re.compile(r"\s*(?:<span>)?\s*\{\{\s*item\.([A-Za-z0-9_.]+)\s*\}\}\s*(?:</span>)?\s*")


def _compile_json_list(comp: Component, items: Any) -> None:
    """``dataSrc: "json"``: options are objects in ``data.json``; ``valueProperty`` names the value, the
    item field the ``template`` shows (``<span>{{ item.name }}</span>``) the label."""
    path = f"{comp.def_path}.data.json"
    if isinstance(items, str):
        try:
            items = json.loads(items)
        except ValueError as exc:
            raise DefinitionError(path, "must be a JSON list of option objects") from exc
    if not isinstance(items, list):
        raise DefinitionError(path, "must be a JSON list of option objects")
    prop = comp.defn.get("valueProperty")
    if all(isinstance(item, (str, bool)) or is_number(item) for item in items):  # plain values
        _compile_value_list(comp, [{"value": item, "label": js_string(item)} for item in items], path)
        return
    template = comp.defn.get("template")
    m = _ITEM_FIELD.fullmatch(template) if isinstance(template, str) else None
    label_field = m.group(1) if m else "label"
    if not isinstance(prop, str) or not prop:
        _compile_object_options(comp, items, path, label_field)
        return
    values = []
    for i, item in enumerate(items):
        value = lodash_get(item, prop)
        if value is UNDEF or isinstance(value, (dict, list)):
            raise DefinitionError(f"{path}[{i}].{prop}", "each JSON option needs a scalar value there")
        label = lodash_get(item, label_field)
        values.append({"value": value, "label": label if isinstance(label, str) else js_string(value)})
    _compile_value_list(comp, values, path)


def _compile_object_options(comp: Component, items: list[Any], path: str, label_field: str) -> None:
    """JSON options without ``valueProperty``: as in Form.io, the answer is the whole option object (compared
    as ``JSON.stringify`` text, the way @formio/core's ``validateAvailableItems`` compares it)."""
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise DefinitionError(f"{path}[{i}]", "JSON options must all be objects, or all plain values")
        try:
            text = js_json(item)
        except ValueError as exc:
            raise DefinitionError(f"{path}[{i}]", "option nested too deeply") from exc
        comp.option_values.append(item)
        label = lodash_get(item, label_field)
        comp.option_labels[text] = label if isinstance(label, str) else text
    comp.object_options = True


class Radio(Component):
    """``radio`` (static ``values``)."""

    type_name = "radio"
    model_type = "boolean"
    has_options = True

    def compile_options(self) -> None:
        refuse_source(self)
        _compile_value_list(self, self.defn.get("values"), f"{self.def_path}.values")

    def make_strict_rules(self) -> list[Check]:
        out = [rules.strict_type]
        if not js_truthy(self.validate_def.get("onlyAvailableItems")):
            out.append(rules.strict_options)
        return out

    def accepts(self, value: Any) -> bool:
        return isinstance(value, (str, bool)) or is_number(value)

    def invalid_options(self, value: Any) -> bool:
        if value is None or value is UNDEF or value == "" or not self.accepts(value):
            return False
        return not any(strict_eq_option(o, value) or js_string(o) == js_string(value) for o in self.option_values)


class Select(Component):
    """``select`` with static ``data.values`` (``dataSrc`` "values" or absent); ``multiple`` allowed."""

    type_name = "select"
    multiple_allowed = True
    has_options = True

    def compile_options(self) -> None:
        refuse_source(self, (None, "values", "json"))
        data = self.defn.get("data")
        if self.defn.get("dataSrc") == "json":
            _compile_json_list(self, data.get("json") if isinstance(data, dict) else None)
            return
        values = data.get("values") if isinstance(data, dict) else None
        _compile_value_list(self, values, f"{self.def_path}.data.values")

    @property
    def multiple_eligible(self) -> bool:
        return False

    @property
    def empty_value_is_array(self) -> bool:
        return self.multiple

    def make_strict_rules(self) -> list[Check]:
        out = [rules.strict_type]
        if not js_truthy(self.validate_def.get("onlyAvailableItems")):
            out.append(rules.strict_options)
        return out

    def accepts(self, value: Any) -> bool:
        if self.object_options and isinstance(value, dict):
            return True
        return isinstance(value, (str, bool)) or is_number(value)

    def invalid_options(self, value: Any) -> bool:
        items = value if (self.multiple and isinstance(value, list)) else [value]
        for v in items:
            if v is None or v is UNDEF or v == "" or not self.accepts(v):
                continue
            if self.object_options:  # our own check: the same option, whatever the order of its keys
                if not isinstance(v, dict) or not any(lodash_is_equal(o, v) for o in self.option_values):
                    return True
            elif not any(strict_eq_option(o, v) or js_string(o) == js_string(v) for o in self.option_values):
                return True
        return False

    def option_label(self, value: Any) -> str:
        if self.object_options and isinstance(value, dict):
            text = _json_text(value)
            return self.option_labels.get(text, text)
        return super().option_label(value)


def _json_text(value: Any) -> str:
    try:
        return js_json(value)
    except ValueError:
        return ""


class SelectBoxes(Component):
    """``selectboxes``: ``{option: bool}``."""

    type_name = "selectboxes"
    has_options = True

    def compile_options(self) -> None:
        refuse_source(self)
        _compile_value_list(self, self.defn.get("values"), f"{self.def_path}.values")

    def make_strict_rules(self) -> list[Check]:
        out = [rules.strict_type]
        if not js_truthy(self.validate_def.get("onlyAvailableItems")):
            out.append(rules.strict_options)
        return out

    def accepts(self, value: Any) -> bool:
        return isinstance(value, dict) and all(isinstance(v, bool) for v in value.values())

    def invalid_options(self, value: Any) -> bool:
        if not isinstance(value, dict):
            return False
        allowed = {js_string(o) for o in self.option_values}
        return any(k not in allowed for k in value)


class Survey(Component):
    """``survey`` (Likert grid): ``{question: answer}``."""

    type_name = "survey"
    has_options = True

    def compile_options(self) -> None:
        self.questions: list[tuple[str, str]] = []
        qs = self.defn.get("questions") or []
        if not isinstance(qs, list):
            raise DefinitionError(f"{self.def_path}.questions", "must be a list of {label, value}")
        for i, q in enumerate(qs):
            if not isinstance(q, dict) or not isinstance(q.get("value"), str):
                raise DefinitionError(f"{self.def_path}.questions[{i}]", "question must have a string 'value'")
            label = q.get("label")
            self.questions.append((q["value"], label if isinstance(label, str) else q["value"]))
        _compile_value_list(self, self.defn.get("values"), f"{self.def_path}.values")

    def accepts(self, value: Any) -> bool:
        return isinstance(value, dict) and all(
            isinstance(v, (str, bool)) or is_number(v) or v is None for v in value.values()
        )

    def invalid_options(self, value: Any) -> bool:
        if not isinstance(value, dict):
            return False
        questions = {q for q, _ in self.questions}
        allowed = {js_string(o) for o in self.option_values}
        for k, v in value.items():
            if k not in questions:
                return True
            if v not in (None, "") and js_string(v) not in allowed:
                return True
        return False

    def make_strict_rules(self) -> list[Check]:
        return [rules.strict_type, rules.strict_options]


class Day(_StringComponent):
    """``day``: ``MM/DD/YYYY`` (or ``DD/MM/YYYY`` with ``dayFirst``)."""

    type_name = "day"
    multiple_allowed = False


class DateTime(_StringComponent):
    """``datetime`` (ISO 8601)."""

    type_name = "datetime"

    def make_strict_rules(self) -> list[Check]:
        return [rules.strict_type, rules.strict_iso_date]


def _signature_ok(c: Component, value: Any, ctx: Any) -> Issue | None:
    if not isinstance(value, str) or value == "":
        return None
    if value.startswith(SIGNATURE_PREFIX) and B64_RE.fullmatch(value[len(SIGNATURE_PREFIX) :]):
        return None
    return ("signature", "invalidSignature", {})


class Signature(_StringComponent):
    """``signature``: a ``data:image/png;base64,`` URL."""

    type_name = "signature"
    multiple_allowed = False

    def make_strict_rules(self) -> list[Check]:
        return [rules.strict_type, _signature_ok]


def file_entry_ok(entry: Any) -> bool:
    """Shape of one uploaded file: ``{name, size?, type?, url? | id?}`` (never fetched)."""
    if not isinstance(entry, dict):
        return False
    name = entry.get("name", entry.get("originalName"))
    if not isinstance(name, str) or not name or len(name) > 255:
        return False
    size = entry.get("size", 0)
    if not is_number(size) or size < 0:
        return False
    if not isinstance(entry.get("type", ""), str):
        return False
    url, ident = entry.get("url"), entry.get("id")
    if url is None and ident is None:
        return False
    if url is not None and not isinstance(url, str):
        return False
    return ident is None or isinstance(ident, str)


def _files_ok(c: Component, value: Any, ctx: Any) -> Issue | None:
    if not isinstance(value, list):
        return None
    return None if all(file_entry_ok(e) for e in value) else ("file", "invalidFile", {})


class File(Component):
    """``file``: a list of uploaded-file descriptors (validated for shape, never fetched)."""

    type_name = "file"
    multiple_allowed = True

    def compile_options(self) -> None:
        storage = self.defn.get("storage")
        if storage not in (None, "", "url", "base64"):
            raise DefinitionError(
                f"{self.def_path}.storage",
                f"files stored in {js_string(storage)!r} would be uploaded to another service, which questionnaires"
                " never do: choose 'url' (our upload endpoint) or 'base64' (the file is kept with the answers)",
            )

    def accepts(self, value: Any) -> bool:
        return isinstance(value, list)

    def validate(self, value: Any, ctx: Any) -> list[Issue]:
        # multiple only means "several files"; the value is always a list
        return super().validate(value, ctx)

    def make_strict_rules(self) -> list[Check]:
        return [rules.strict_type, _files_ok]


class Hidden(Component):
    """``hidden``: any JSON value, usually set by the app (e.g. locked prefill)."""

    type_name = "hidden"

    @property
    def multiple_eligible(self) -> bool:
        return False


# --- structure -----------------------------------------------------------------------------------


class Content(Component):
    """``content``: sanitised HTML, no data."""

    type_name = "content"
    kind = "none"
    model_type = "content"


class HtmlElement(Content):
    """``htmlelement``: sanitised HTML, no data."""

    type_name = "htmlelement"


class Button(Component):
    """``button``: no data is accepted from it."""

    type_name = "button"
    kind = "none"


class Panel(Component):
    """``panel`` (a wizard page when top-level in a wizard)."""

    type_name = "panel"
    kind = "layout"
    model_type = "none"


class Fieldset(Panel):
    """``fieldset``."""

    type_name = "fieldset"


class Well(Panel):
    """``well``."""

    type_name = "well"


class Columns(Panel):
    """``columns``: children in ``columns[].components``."""

    type_name = "columns"


class Table(Panel):
    """``table``: children in ``rows[][].components``."""

    type_name = "table"


class Container(Component):
    """``container``: a nested object level."""

    type_name = "container"
    kind = "container"
    model_type = "object"

    def accepts(self, value: Any) -> bool:
        return isinstance(value, dict)


def _rows_rule(c: Component, value: Any, ctx: Any) -> Issue | None:
    if not isinstance(value, list):
        return None
    n = len(value)
    lo = rules.parse_int(c.validate_def["minLength"]) if "minLength" in c.validate_def else None
    hi = rules.parse_int(c.validate_def["maxLength"]) if "maxLength" in c.validate_def else None
    if lo is not None and lo == lo and n < lo:
        return ("minRows", "minRows", {"length": int(lo)})
    if hi is not None and hi == hi and n > hi:
        return ("maxRows", "maxRows", {"length": int(hi)})
    return None


class DataGrid(Component):
    """``datagrid``: a list of row objects; ``validate.minLength/maxLength`` count rows (strict mode)."""

    type_name = "datagrid"
    kind = "grid"
    model_type = "nestedArray"
    model_array = True

    def accepts(self, value: Any) -> bool:
        return isinstance(value, list) and all(isinstance(r, dict) or r is None for r in value)

    def make_strict_rules(self) -> list[Check]:
        return [rules.strict_type, _rows_rule]


ALL_CLASSES: tuple[type[Component], ...] = (
    TextField,
    TextArea,
    Number,
    Email,
    PhoneNumber,
    Checkbox,
    Radio,
    Select,
    SelectBoxes,
    Day,
    DateTime,
    Signature,
    File,
    Survey,
    Hidden,
    Content,
    HtmlElement,
    Button,
    Panel,
    Columns,
    Fieldset,
    Well,
    Table,
    Container,
    DataGrid,
)
