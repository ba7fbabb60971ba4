"""forms.load refuses every place @formio/js would run code from a definition (forms/expressions.py).

The proof that nothing was missed does not trust our own list: it reads the property names the
vendored bundle itself reads (``component.<name>`` in formio.full.min.js), puts template code into each
of them on every component type we support, and expects refusal; and it puts template code into every
string (and key) of the seeded sample questionnaires.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

import forms
from forms import DefinitionError
from forms.expressions import DATA_KEYS, iter_code

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "forms" / "static" / "vendor" / "@formio" / "js" / "formio.full.min.js"
SEED = ROOT / "seed" / "questionnaires"
PAYLOADS = ("{{ alert(document.cookie) }}", "{% top.location = 'https://evil.example' %}", "{{{ fetch('/admin/') }}}",
            "x{{y()}}z")


def _seed(name: str) -> dict[str, Any]:
    return json.loads((SEED / f"{name}.json").read_text(encoding="utf-8"))["schema"]


SAMPLES = sorted(p.stem for p in SEED.glob("*.json"))


def _form(*components: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"display": "form", "components": list(components), **extra}


def _minimal(type_name: str) -> dict[str, Any]:
    c: dict[str, Any] = {"type": type_name, "key": "k", "label": "Feld", "input": True}
    if type_name in ("radio", "selectboxes"):
        c["values"] = [{"label": "Ja", "value": "ja"}]
    if type_name == "select":
        c["data"] = {"values": [{"label": "Ja", "value": "ja"}]}
    if type_name == "survey":
        c["questions"] = [{"label": "Wie?", "value": "wie"}]
        c["values"] = [{"label": "Gut", "value": "gut"}]
    if type_name == "form":
        c["components"] = [{"type": "textfield", "key": "innen", "label": "Innen"}]
    return c


def _bundle_properties() -> set[str]:
    return set(re.findall(r"\bcomponent\.([A-Za-z_]\w*)", BUNDLE.read_text(encoding="utf-8")))


def _refused(definition: dict[str, Any]) -> DefinitionError:
    with pytest.raises(DefinitionError) as info:
        forms.load(definition)
    return info.value


def test_every_property_the_bundle_reads_is_refused_on_every_type() -> None:
    props = _bundle_properties()
    # the scan really reads the renderer's properties (a broken regex would make this test pass vacuously)
    assert {"label", "tooltip", "description", "placeholder", "html", "content", "prefix", "suffix",
            "legend", "title", "addAnother", "removeRow", "errorLabel", "template"} <= props
    assert len(props) > 200
    checked = 0
    for type_name in sorted(forms.SUPPORTED_TYPES):
        assert forms.load(_form(_minimal(type_name))) is not None  # the base component is fine
        for prop in sorted(props - DATA_KEYS):
            for payload in PAYLOADS[:2]:
                definition = _form(_minimal(type_name) | {prop: payload})
                assert any(f.path == f"components[0].{prop}" for f in iter_code(definition)), (type_name, prop)
                _refused(definition)
                checked += 1
    assert checked > 10_000


# nested places the renderer interpolates (option labels, messages, attributes, ...)
NESTED = [
    ({"type": "radio", "key": "r", "values": [{"label": "P", "value": "a"}]}, ("values", 0, "label")),
    ({"type": "selectboxes", "key": "s", "values": [{"label": "P", "value": "a"}]}, ("values", 0, "label")),
    ({"type": "select", "key": "s", "data": {"values": [{"label": "P", "value": "a"}]}},
     ("data", "values", 0, "label")),
    ({"type": "survey", "key": "s", "questions": [{"label": "P", "value": "q"}],
      "values": [{"label": "G", "value": "g"}]}, ("questions", 0, "label")),
    ({"type": "survey", "key": "s", "questions": [{"label": "Q", "value": "q"}],
      "values": [{"label": "P", "value": "g"}]}, ("values", 0, "label")),
    ({"type": "textfield", "key": "t", "validate": {"required": True, "customMessage": "P"}},
     ("validate", "customMessage")),
    ({"type": "textfield", "key": "t", "errors": {"required": "P"}}, ("errors", "required")),
    ({"type": "htmlelement", "key": "h", "tag": "p", "attrs": [{"attr": "title", "value": "P"}], "content": "x"},
     ("attrs", 0, "value")),
    ({"type": "htmlelement", "key": "h", "tag": "p", "content": "<b>P</b>"}, ("content",)),
    ({"type": "content", "key": "c", "html": "<p>P</p>"}, ("html",)),
    ({"type": "panel", "key": "p", "title": "P", "components": []}, ("title",)),
    ({"type": "fieldset", "key": "f", "legend": "P", "components": []}, ("legend",)),
    ({"type": "datagrid", "key": "d", "addAnother": "P", "components": [{"type": "textfield", "key": "t"}]},
     ("addAnother",)),
    ({"type": "datagrid", "key": "d", "components": [{"type": "textfield", "key": "t", "label": "P"}]},
     ("components", 0, "label")),
    ({"type": "columns", "key": "c", "columns": [{"components": [{"type": "textfield", "key": "t", "tooltip": "P"}]}]},
     ("columns", 0, "components", 0, "tooltip")),
    ({"type": "datetime", "key": "d", "widget": {"type": "calendar", "format": "P"}}, ("widget", "format")),
]


def _put(target: Any, where: tuple[Any, ...], value: str) -> str:
    for step in where[:-1]:
        target = target[step]
    old = target[where[-1]]
    target[where[-1]] = old.replace("P", value)
    return "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in where)


@pytest.mark.parametrize(("component", "where"), NESTED)
@pytest.mark.parametrize("payload", PAYLOADS)
def test_nested_interpolated_places_are_refused(component, where, payload) -> None:
    clean = _form(copy.deepcopy(component))
    forms.load(clean)
    definition = copy.deepcopy(clean)
    suffix = _put(definition["components"][0], where, payload)
    error = _refused(definition)
    assert error.path == f"components[0]{suffix}" and error.code == "template"


def test_top_level_texts_are_refused() -> None:
    error = _refused(_form(_minimal("textfield"), title="{{ alert(1) }}"))
    assert error.path == "title"
    assert _refused({"components": [], "{{ x }}": 1}).path == "{{ x }}"  # keys too


@pytest.mark.parametrize("name", SAMPLES)
def test_template_code_in_any_string_of_a_sample_is_refused(name) -> None:
    """Every string and key of the real samples, one at a time (except data: defaultValue, properties)."""
    schema = _seed(name)
    forms.load(schema)
    places: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in DATA_KEYS:
                    continue
                if isinstance(value, str):
                    places.append((node, key))
                walk(value)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                if isinstance(value, str):
                    places.append((node, i))
                walk(value)

    walk(schema)
    assert len(places) > 10
    for container, key in places:
        old = container[key]
        container[key] = old + " {{ alert(1) }}"
        with pytest.raises(DefinitionError):
            forms.load(schema)
        container[key] = old


@pytest.mark.parametrize(("component", "path", "kind"), [
    (_minimal("textfield") | {"onChange": "fetch('/x')"}, "components[0].onChange", "script"),
    (_minimal("select") | {"onSetItems": "items"}, "components[0].onSetItems", "script"),
    (_minimal("select") | {"data": {"values": [], "custom": "values = [1]"}}, "components[0].data.custom", "script"),
    (_minimal("button") | {"custom": "alert(1)"}, "components[0].custom", "script"),
    ({"type": "datagrid", "key": "d", "conditionalAddButton": "show = true", "components": []},
     "components[0].conditionalAddButton", "script"),
    ({"type": "panel", "key": "p", "nextPage": "next = 'x'", "components": []}, "components[0].nextPage", "script"),
    (_minimal("datetime") | {"widget": {"type": "calendar", "disableFunction": "alert(1)"}},
     "components[0].widget.disableFunction", "script"),
    (_minimal("datetime") | {"shortcutButtons": [{"label": "Heute", "onClick": "alert(1)"}]},
     "components[0].shortcutButtons[0].onClick", "script"),
    (_minimal("datetime") | {"widget": {"type": "calendar", "minDate": "moment(alert(1))"}},
     "components[0].widget.minDate", "moment"),
    (_minimal("datetime") | {"datePicker": {"maxDate": "moment().add(1, 'day').format()"}},
     "components[0].datePicker.maxDate", "moment"),
    (_minimal("datetime") | {"defaultDate": "moment().toDate()"}, "components[0].defaultDate", "moment"),
    (_minimal("textfield") | {"validate": {"customMessage": "{{ field.constructor }}"}},
     "components[0].validate.customMessage", "template"),
    (_minimal("textfield") | {"errors": {"required": "{{ alert(1) }} fehlt"}}, "components[0].errors.required",
     "template"),
])
def test_javascript_properties_are_refused(component, path, kind) -> None:
    error = _refused(_form(component))
    assert (error.path, error.code) == (path, kind)


def test_form_level_javascript_is_refused() -> None:
    assert _refused(_form(_minimal("textfield"), controller="alert(1)")).path == "controller"
    assert _refused(_form(_minimal("textfield"), module="({})")).path == "module"


@pytest.mark.parametrize("text", [
    "Preis {netto}", "a { b } c", "{ {", "} }", "{ % }", "%}", "}}", "Mengen: {1, 2}", "geschweift {}", "{ {x} }",
])
def test_single_braces_and_plain_text_are_allowed(text) -> None:
    forms.load(_form(_minimal("textfield") | {"label": text, "description": text, "tooltip": text},
                     {"type": "content", "key": "c", "html": f"<p>{text}</p>"}))


def test_allowed_data_and_message_placeholders() -> None:
    # data is never shown as text: a default answer and our own properties map
    forms.load(_form(_minimal("textfield") | {"defaultValue": "{{ nur Text }}",
                                              "properties": {"note": "{{ x }}"}}))
    # Form.io's own message placeholders (a bare name) stay usable in error messages
    forms.load(_form(_minimal("textfield") | {"validate": {"required": True, "customMessage": "{{field}} fehlt"},
                                              "errors": {"required": "{{ field }} ist Pflicht", "custom": "x"}}))
    # the builder's "none" values for JavaScript properties
    forms.load(_form(_minimal("textfield") | {"customConditional": "", "calculateValue": "", "logic": [],
                                              "validate": {"custom": ""}}))
    forms.load(_form(_minimal("datetime") | {"widget": {"type": "calendar", "minDate": "2024-01-01"}}))


@pytest.mark.parametrize("name", SAMPLES)
def test_seeded_samples_pass_lint(name) -> None:
    assert forms.find_code(_seed(name)) is None
    forms.load(_seed(name))


def test_messages_in_german_and_english() -> None:
    error = _refused(_form(_minimal("textfield") | {"tooltip": "{{ alert(1) }}"}))
    assert "Vorlagen-Code" in error.message("de") and "template code" in error.message("en")
    assert error.reason == error.message("en")
    error = _refused(_form(_minimal("textfield") | {"onChange": "x()"}))
    assert "JavaScript ist hier nicht erlaubt" in error.message("de")


def test_stored_definitions_still_load_for_the_server_only() -> None:
    """Validating answers and read-only answers of an old version never run its texts."""
    form = forms.load(_form(_minimal("textfield") | {"label": "{{ alert(1) }}"}), check_code=False)
    assert "{{ alert(1) }}" in str(form.render_answers({"k": "x"}))
    assert "<script" not in str(form.render_answers({"k": "<script>"}))


@pytest.mark.parametrize(("template", "allowed"), [
    ("<span>{{ item.label }}</span>", True),
    ("<span>{{item.data.name}}</span>", True),
    ("<span>{{ item.constructor.constructor('alert(1)')() }}</span>", False),
    ("<span>{{ item.constructor }}</span>", False),
    ("<span>{{ item.label }}</span><img src=x onerror=alert(1)>", False),
    ("<span>{{ alert(document.cookie) }}</span>", False),
    ("<span>{% item.label %}</span>", False),
])
def test_only_an_option_template_that_reads_a_field_is_allowed(template: str, allowed: bool) -> None:
    definition = _form({"type": "select", "key": "s", "template": template,
                        "data": {"values": [{"label": "Ja", "value": "ja"}]}})
    assert (find_code_in(definition) is None) is allowed


def find_code_in(definition: dict[str, Any]) -> Any:
    return next(iter_code(definition), None)


@pytest.mark.parametrize(("component", "allowed"), [
    ({"type": "textfield", "key": "t", "row": "0-0"}, True),  # the builder's layout mark in a datagrid
    ({"type": "textfield", "key": "t", "row": "12-3"}, True),
    ({"type": "textfield", "key": "t", "row": "alert(1)"}, False),
    ({"type": "textfield", "key": "t", "row": "0-0;fetch('/x')"}, False),
    ({"type": "textfield", "key": "t", "row": "0 - 0"}, False),
    ({"type": "editgrid", "key": "g", "components": [], "templates": {"row": "0-0"}}, False),
    ({"type": "editgrid", "key": "g", "components": [], "templates": {"row": "<div>{{ row.x }}</div>"}}, False),
])
def test_a_layout_row_mark_is_data_but_row_code_is_not(component: dict[str, Any], allowed: bool) -> None:
    definition = _form({"type": "datagrid", "key": "d", "components": [component]})
    assert (find_code_in(definition) is None) is allowed


def test_a_datagrid_with_layout_row_marks_loads_and_validates() -> None:
    import forms

    form = forms.load(_form({"type": "datagrid", "key": "d", "components": [
        {"type": "textfield", "key": "t", "input": True, "row": "0-0", "validate": {"required": True}}]}))
    assert form.validate({"d": [{"t": "x"}]}).valid
    assert form.validate({"d": [{"t": ""}]}).rejected() == {("d[0].t", "required")}
