"""Unit tests per validation rule, in German and English, plus the Form API around validation."""

from __future__ import annotations

from typing import Any

import pytest

import forms


def one(
    component: dict[str, Any],
    value: Any = None,
    *,
    lang: str = "de",
    strict: bool = True,
    present: bool = True,
) -> forms.Result:
    component = {"input": True, "label": "Feld", **component}
    component.setdefault("key", "f")
    data = {component["key"]: value} if present else {}
    return forms.load({"components": [component]}, strict=strict).validate(data, lang=lang)


def msgs(result: forms.Result, path: str = "f") -> list[str]:
    return result.errors.get(path, [])


RULE_CASES = [
    # (component, bad value, good value, rule, German message, English message)
    (
        {"type": "textfield", "validate": {"required": True}},
        "  ",
        "x",
        "required",
        "Feld ist ein Pflichtfeld",
        "Feld is required",
    ),
    (
        {"type": "textfield", "validate": {"minLength": 3}},
        "ab",
        "abc",
        "minLength",
        "Feld muss mindestens 3 Zeichen haben.",
        "Feld must have at least 3 characters.",
    ),
    (
        {"type": "textarea", "validate": {"maxLength": "4"}},
        "abcde",
        "abcd",
        "maxLength",
        "Feld darf nicht mehr als 4 Zeichen haben.",
        "Feld must have no more than 4 characters.",
    ),
    (
        {"type": "textfield", "validate": {"minWords": 2}},
        "one",
        "one two",
        "minWords",
        "Feld muss mindestens 2 Wörter haben.",
        "Feld must have at least 2 words.",
    ),
    (
        {"type": "textfield", "validate": {"maxWords": 2}},
        "a b c",
        "a b",
        "maxWords",
        "Feld darf nicht mehr als 2 Wörter haben.",
        "Feld must have no more than 2 words.",
    ),
    (
        {"type": "textfield", "validate": {"pattern": "[0-9]{5}"}},
        "1234",
        "12345",
        "pattern",
        "Feld entspricht nicht dem Muster [0-9]{5}",
        "Feld does not match the pattern [0-9]{5}",
    ),
    (
        {"type": "number", "validate": {"min": 18}},
        17,
        18,
        "min",
        "Feld darf nicht kleiner als 18 sein.",
        "Feld cannot be less than 18.",
    ),
    (
        {"type": "number", "validate": {"max": "10"}},
        10.5,
        10,
        "max",
        "Feld darf nicht größer als 10 sein.",
        "Feld cannot be greater than 10.",
    ),
    (
        {
            "type": "selectboxes",
            "values": [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}],
            "validate": {"minSelectedCount": 2},
        },
        {"a": True, "b": False},
        {"a": True, "b": True},
        "minSelectedCount",
        "Sie müssen mindestens 2 Einträge auswählen",
        "You must select at least 2 items",
    ),
    (
        {
            "type": "selectboxes",
            "values": [{"label": "A", "value": "a"}, {"label": "B", "value": "b"}],
            "validate": {"maxSelectedCount": 1},
        },
        {"a": True, "b": True},
        {"a": True, "b": False},
        "maxSelectedCount",
        "Sie dürfen höchstens 1 Einträge auswählen",
        "You may only select up to 1 items",
    ),
    (
        {
            "type": "radio",
            "values": [{"label": "Ja", "value": "yes"}],
            "validate": {"onlyAvailableItems": True},
        },
        "maybe",
        "yes",
        "onlyAvailableItems",
        "Feld ist ein ungültiger Wert.",
        "Feld is an invalid value.",
    ),
    (
        {"type": "email"},
        "no-at-sign",
        "a@example.com",
        "email",
        "Feld muss eine gültige E-Mail-Adresse sein.",
        "Feld must be a valid email.",
    ),
    ({"type": "number"}, "12", 12, "number", "Feld ist keine gültige Zahl.", "Feld is not a valid number."),
    (
        {"type": "day"},
        "13/01/2020",
        "12/31/2020",
        "day",
        "Feld ist kein gültiger Tag.",
        "Feld is not a valid day.",
    ),
    (
        {"type": "datetime"},
        "not a date",
        "2024-05-01T10:00:00Z",
        "date",
        "Feld ist kein gültiges Datum",
        "Feld is not a valid date",
    ),
    (
        {"type": "phoneNumber", "inputMask": "(999) 999-9999"},
        "12345",
        "(030) 123-4567",
        "mask",
        "Feld entspricht nicht der Eingabemaske.",
        "Feld does not match the mask.",
    ),
    (
        {
            "type": "textfield",
            "validate": {"json": {"if": [{"==": [{"var": "input"}, "bad"]}, "Nicht bad!", True]}},
        },
        "bad",
        "good",
        "json",
        "Nicht bad!",
        "Nicht bad!",
    ),
]


@pytest.mark.parametrize(("component", "bad", "good", "rule", "de", "en"), RULE_CASES, ids=[c[3] for c in RULE_CASES])
def test_rule(component: dict[str, Any], bad: Any, good: Any, rule: str, de: str, en: str) -> None:
    for strict in (True, False):
        r = one(component, bad, strict=strict)
        assert ("f", rule) in r.rejected(), r.issues
        assert de in msgs(r)
        assert en in msgs(one(component, bad, lang="en", strict=strict))
        assert one(component, good, strict=strict).valid


def test_empty_values_skip_format_rules() -> None:
    for comp in (
        {"type": "email"},
        {"type": "number", "validate": {"min": 3}},
        {"type": "textfield", "validate": {"minLength": 3, "pattern": "x+"}},
        {"type": "day"},
    ):
        assert one(comp, "", strict=False).valid
        assert one(comp, present=False).valid


def test_required_per_type() -> None:
    req = {"required": True}
    assert not one({"type": "checkbox", "validate": req}, False).valid
    assert one({"type": "checkbox", "validate": req}, True).valid
    sb = {"type": "selectboxes", "values": [{"label": "A", "value": "a"}], "validate": req}
    assert not one(sb, {"a": False}).valid
    assert one(sb, {"a": True}).valid
    assert not one({"type": "day", "validate": req}, "00/00/0000").valid
    assert one({"type": "number", "validate": req}, 0).valid
    assert not one({"type": "file", "validate": req}, []).valid
    assert not one({"type": "textfield", "validate": req}, present=False).valid


def test_custom_message_and_error_overrides() -> None:
    comp = {"type": "textfield", "validate": {"required": True, "customMessage": "Bitte {{field}} angeben"}}
    assert msgs(one(comp, "")) == ["Bitte Feld angeben"]
    comp = {"type": "textfield", "validate": {"required": True}, "errors": {"required": "{{field}} fehlt"}}
    assert msgs(one(comp, "")) == ["Feld fehlt"]
    comp = {"type": "textfield", "errorLabel": "Name", "validate": {"required": True}}
    assert msgs(one(comp, "", lang="en")) == ["Name is required"]


def test_multiple_values_checked_per_item() -> None:
    comp = {"type": "textfield", "multiple": True, "validate": {"required": True, "minLength": 3}}
    r = one(comp, ["abcd", "x"])
    assert r.rejected() == {("f", "minLength")}
    assert ("f", "nonarray") in one({"type": "textfield"}, ["a"], strict=False).rejected()
    assert ("f", "array") in one(comp, "abc", strict=False).rejected()


def test_datagrid_paths_and_row_counts() -> None:
    form = forms.load(
        {
            "components": [
                {
                    "type": "datagrid",
                    "key": "contacts",
                    "label": "Kontakte",
                    "validate": {"minLength": 2},
                    "components": [
                        {
                            "type": "phoneNumber",
                            "key": "phone",
                            "label": "Telefon",
                            "validate": {"required": True},
                        }
                    ],
                }
            ]
        }
    )
    r = form.validate({"contacts": [{"phone": "1"}, {"phone": ""}]})
    assert list(r.errors) == ["contacts[1].phone"]
    r = form.validate({"contacts": [{"phone": "1"}]}, lang="en")
    assert r.errors == {"contacts": ["Kontakte must have at least 2 rows."]}
    assert forms.load(form.definition, strict=False).validate({"contacts": [{"phone": "1"}]}).valid


def test_container_paths_and_dotted_keys() -> None:
    form = forms.load(
        {
            "components": [
                {
                    "type": "container",
                    "key": "address",
                    "label": "Adresse",
                    "components": [
                        {
                            "type": "textfield",
                            "key": "street",
                            "label": "Straße",
                            "validate": {"required": True},
                        }
                    ],
                },
                {"type": "email", "key": "contact.email", "label": "E-Mail"},
            ]
        }
    )
    r = form.validate({"address": {"street": ""}, "contact": {"email": "x"}})
    assert set(r.errors) == {"address.street", "contact.email"}


def test_unknown_keys_dropped_and_input_not_mutated() -> None:
    form = forms.load(
        {
            "components": [
                {"type": "textfield", "key": "a", "label": "A"},
                {
                    "type": "container",
                    "key": "c",
                    "components": [{"type": "textfield", "key": "x", "label": "X"}],
                },
            ]
        }
    )
    data = {"a": "1", "evil": {"$where": "1"}, "c": {"x": "2", "y": 3}}
    r = form.validate(data)
    assert r.data == {"a": "1", "c": {"x": "2"}}
    assert data == {"a": "1", "evil": {"$where": "1"}, "c": {"x": "2", "y": 3}}


def test_locked_values_are_reset_by_server() -> None:
    form = forms.load(
        {
            "components": [
                {"type": "email", "key": "email", "label": "E-Mail"},
                {
                    "type": "datagrid",
                    "key": "g",
                    "components": [{"type": "textfield", "key": "t", "label": "T"}],
                },
            ]
        }
    )
    r = form.validate(
        {"email": "attacker@evil.example", "g": [{"t": "a"}]},
        locked={"email": "kunde@example.com", "g[0].t": "fixed"},
    )
    assert r.data["email"] == "kunde@example.com"
    assert r.data["g"][0]["t"] == "fixed"
    with pytest.raises(ValueError, match="unknown"):
        form.validate({}, locked={"nope": 1})


def test_hidden_and_disabled_like_formio_core() -> None:
    comp = {"type": "textfield", "hidden": True, "validate": {"required": True}}
    r = one(comp, present=False)
    assert r.valid
    assert one({**comp, "key": "g"}, "keep").data == {"g": "keep"}  # hidden keeps its value
    assert not one({"type": "textfield", "disabled": True, "validate": {"required": True}}, "").valid


def test_strict_type_checks() -> None:
    assert ("f", "type") in one({"type": "checkbox"}, "yes").rejected()
    assert one({"type": "checkbox"}, "yes", strict=False).valid
    assert ("f", "type") in one({"type": "textfield"}, {"a": 1}).rejected()
    sel = {"type": "select", "data": {"values": [{"label": "A", "value": "a"}]}}
    assert ("f", "strictOption") in one(sel, "zzz").rejected()
    assert one(sel, "zzz", strict=False).valid
    survey = {
        "type": "survey",
        "questions": [{"label": "Q", "value": "q"}],
        "values": [{"label": "1", "value": "1"}],
    }
    assert one(survey, {"q": "1"}).valid
    assert ("f", "strictOption") in one(survey, {"q": "9"}).rejected()
    assert ("f", "strictOption") in one(survey, {"other": "1"}).rejected()


def test_file_and_signature_shapes() -> None:
    ok = [{"name": "a.pdf", "size": 10, "type": "application/pdf", "url": "/uploads/a.pdf"}]
    assert one({"type": "file"}, ok).valid
    assert ("f", "file") in one({"type": "file"}, [{"url": "http://x"}]).rejected()
    assert ("f", "file") in one({"type": "file"}, [{"name": "a", "size": -1, "id": "x"}]).rejected()
    assert one({"type": "signature"}, "data:image/png;base64,iVBORw0KGgo=").valid
    assert ("f", "signature") in one({"type": "signature"}, "javascript:alert(1)").rejected()


def test_result_shape_and_renderer_errors() -> None:
    form = forms.load(
        {
            "components": [
                {
                    "type": "datagrid",
                    "key": "contacts",
                    "label": "Kontakte",
                    "components": [
                        {
                            "type": "phoneNumber",
                            "key": "phone",
                            "label": "Telefon",
                            "validate": {"required": True},
                        }
                    ],
                }
            ]
        }
    )
    r = form.validate({"contacts": [{"phone": ""}]}, lang="en")
    assert not r.valid
    assert r.errors == {"contacts[0].phone": ["Telefon is required"]}
    assert (
        form.renderer_errors(r)
        == forms.to_renderer_errors(r)
        == [
            {
                "message": "Telefon is required",
                "level": "error",
                "path": ["contacts", 0, "phone"],
                "context": {
                    "key": "phone",
                    "label": "Telefon",
                    "path": "contacts[0].phone",
                    "validator": "required",
                    "hasLabel": True,
                },
            }
        ]
    )
    assert forms.validate(form.definition, {"contacts": []}).valid


def test_mapping_helpers() -> None:
    form = forms.load(
        {
            "components": [
                {
                    "type": "email",
                    "key": "email",
                    "label": "E-Mail",
                    "properties": {"customerField": "email"},
                },
                {
                    "type": "panel",
                    "key": "p",
                    "components": [
                        {
                            "type": "checkbox",
                            "key": "dsgvo",
                            "label": "Datenschutz",
                            "properties": {"consent": "true", "consentText": "Ich willige ein."},
                        },
                        {
                            "type": "checkbox",
                            "key": "news",
                            "label": "Newsletter",
                            "description": "monatlich",
                            "properties": {"consent": True},
                        },
                        {"type": "checkbox", "key": "other", "label": "Other"},
                    ],
                },
                {
                    "type": "datagrid",
                    "key": "kids",
                    "components": [{"type": "textfield", "key": "name", "label": "Name"}],
                },
            ]
        }
    )
    assert form.mapped_fields() == {"email": "email"}
    assert form.data_paths() == {
        "email": "email",
        "dsgvo": "checkbox",
        "news": "checkbox",
        "other": "checkbox",
        "kids": "datagrid",
        "kids.name": "textfield",
    }
    assert form.consent_components() == [
        {"path": "dsgvo", "label": "Datenschutz", "text": "Ich willige ein."},
        {"path": "news", "label": "Newsletter", "text": "Newsletter — monatlich"},
    ]
    assert [c.type for c in form.components][:2] == ["email", "panel"]
    assert [c.key for c in form][:2] == ["email", "p"]


def test_non_dict_data_is_an_error() -> None:
    form = forms.load({"components": [{"type": "textfield", "key": "a"}]})
    for data in (None, [], "x", 3):
        r = form.validate(data)  # type: ignore[arg-type]
        assert not r.valid and "" in r.errors
