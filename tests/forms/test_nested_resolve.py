"""forms.resolve_nested: nested forms that name another form become inline, pinned; refusals with paths."""

from __future__ import annotations

import copy

import pytest

import forms
from forms.nested import NestedFormError

INNER = {"display": "form", "components": [
    {"type": "textfield", "key": "allergie", "label": "Allergie", "validate": {"required": True}}]}


def lookup_of(store: dict[str, dict[int, dict]], names: dict[str, str] | None = None):
    """A lookup over {id: {version: definition}} (newest = highest number); unknown ids give None."""
    calls = []

    def lookup(ref, revision):
        calls.append((ref, revision))
        versions = store.get(ref)
        if versions is None:
            return None
        if not versions:
            raise NestedFormError("", "unpublished", name=ref)
        number = revision if revision is not None else max(versions)
        if number not in versions:
            raise NestedFormError("", "revision", name=ref, revision=revision)
        return forms.Included(id=ref, revision=number, name=(names or {}).get(ref, ref), definition=versions[number])

    lookup.calls = calls
    return lookup


def outer(*nested):
    return {"display": "form", "components": [{"type": "textfield", "key": "name", "label": "Name"}, *nested]}


def ref(key="anamnese", form="b" * 24, **kw):
    return {"type": "form", "key": key, "label": "Anamnese", "input": True, "form": form, "reference": True, **kw}


def test_a_reference_becomes_inline_pinned_to_the_newest_version_and_validates_as_form_io_stores_it():
    definition = outer(ref())
    before = copy.deepcopy(definition)
    resolved = forms.resolve_nested(definition, lookup_of({"b" * 24: {1: {"components": []}, 2: INNER}}),
                                    root="a" * 24)
    assert definition == before  # the input is never changed
    nested = resolved["components"][1]
    assert nested["components"] == INNER["components"]
    assert nested["form"] == "b" * 24 and nested["revision"] == 2 and nested["reference"] is False
    form = forms.load(resolved)
    assert "anamnese.data.allergie" in form.data_paths()
    result = form.validate({"name": "X", "anamnese": {"data": {}}}, lang="de")
    assert not result.valid and list(result.errors) == ["anamnese.data.allergie"]
    ok = form.validate({"name": "X", "anamnese": {"data": {"allergie": "Nüsse"}}})
    assert ok.valid and ok.data == {"name": "X", "anamnese": {"data": {"allergie": "Nüsse"}}}


@pytest.mark.parametrize("revision", [1, "1"])
def test_a_revision_in_the_definition_pins_that_version(revision):
    store = {"b" * 24: {1: INNER, 2: {"components": [{"type": "number", "key": "n", "label": "N"}]}}}
    resolved = forms.resolve_nested(outer(ref(revision=revision)), lookup_of(store))
    assert resolved["components"][1]["revision"] == 1
    assert resolved["components"][1]["components"] == INNER["components"]


def test_references_inside_layout_are_found():
    definition = {"components": [
        {"type": "panel", "key": "p", "components": [
            {"type": "columns", "key": "c", "columns": [{"components": [ref("eins")]}, {"components": []}]}]},
        {"type": "tabs", "key": "t", "components": [{"key": "tab1", "label": "T", "components": [ref("zwei")]}]},
        {"type": "table", "key": "tb", "rows": [[{"components": [ref("drei")]}]]},
    ]}
    resolved = forms.resolve_nested(definition, lookup_of({"b" * 24: {1: INNER}}))
    paths = forms.load(resolved).data_paths()
    assert {"eins.data.allergie", "zwei.data.allergie", "drei.data.allergie"} <= set(paths)


@pytest.mark.parametrize(("nested", "code", "path"), [
    (ref(form="c" * 24), "unknown", "components[1].form"),   # not the unit's (the lookup does not know it)
    (ref(form=""), "missing", "components[1].form"),
    ({"type": "form", "key": "x", "label": "X"}, "missing", "components[1].form"),
    (ref(form="e" * 24), "unpublished", "components[1].form"),
    (ref(revision=7), "revision", "components[1].form"),
    (ref(revision="v2"), "bad_revision", "components[1].revision"),
    (ref(revision=True), "bad_revision", "components[1].revision"),
    (ref(revision=2**63), "bad_revision", "components[1].revision"),
    (ref(revision=0), "bad_revision", "components[1].revision"),
    (ref(form="a" * 24), "self", "components[1].form"),
])
def test_refusals_name_the_nested_form(nested, code, path):
    lookup = lookup_of({"b" * 24: {1: INNER}, "e" * 24: {}})
    with pytest.raises(NestedFormError) as exc:
        forms.resolve_nested(outer(nested), lookup, root="a" * 24)
    assert exc.value.nested_code == code and exc.value.path == path


def test_an_included_version_that_includes_the_root_again_is_a_cycle():
    # B's published version includes A (inline, with A's id): A including B would include A again
    b_v1 = {"components": [{"type": "form", "key": "a_in_b", "form": "a" * 24, "revision": 1, "reference": False,
                            "components": [{"type": "textfield", "key": "t", "label": "T"}]}]}
    with pytest.raises(NestedFormError) as exc:
        forms.resolve_nested(outer(ref()), lookup_of({"b" * 24: {1: b_v1}}), root="a" * 24)
    assert exc.value.nested_code == "cycle" and exc.value.path == "components[1].components[0].form"


def test_depth_is_limited_and_frozen_content_is_not_looked_up_again():
    def chain(n):  # a version nested n forms deep (inline, as published versions hold them)
        comps = [{"type": "textfield", "key": "leaf", "label": "L"}]
        for i in range(n):
            comps = [{"type": "form", "key": f"f{i}", "form": f"{i:024x}", "revision": 1, "components": comps}]
        return {"components": comps}

    ok_lookup = lookup_of({"b" * 24: {1: chain(forms.MAX_NESTING - 1)}})
    resolved = forms.resolve_nested(outer(ref()), ok_lookup)
    assert ok_lookup.calls == [("b" * 24, None)]  # the included version's own nested forms are frozen
    forms.load(resolved)
    with pytest.raises(NestedFormError) as exc:
        forms.resolve_nested(outer(ref()), lookup_of({"b" * 24: {1: chain(forms.MAX_NESTING)}}))
    assert exc.value.nested_code == "depth"


def test_inline_components_with_an_unknown_form_id_stay_inline():
    # a form exported from another Form.io project carries the nested form's components
    nested = ref(form="f" * 24, components=[{"type": "textfield", "key": "x", "label": "X"}])
    resolved = forms.resolve_nested(outer(nested), lookup_of({}))
    assert resolved["components"][1]["components"] == nested["components"]
    assert resolved["components"][1]["reference"] is True  # untouched


def test_an_empty_included_questionnaire_is_refused():
    with pytest.raises(NestedFormError) as exc:
        forms.resolve_nested(outer(ref()), lookup_of({"b" * 24: {1: {"components": []}}}))
    assert exc.value.nested_code == "empty"


def test_the_engine_alone_still_refuses_a_bare_reference():
    with pytest.raises(forms.DefinitionError) as exc:
        forms.load(outer(ref()))
    assert "not included" in exc.value.reason


def _hostile_values():
    from hypothesis import strategies as st

    scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=30),
                       st.sampled_from(["b" * 24, "a" * 24, "", "form"]))
    return st.recursive(scalar, lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(["type", "key", "form", "revision", "components", "columns", "rows",
                                         "label"]), inner, max_size=5),
        st.fixed_dictionaries({"type": st.just("form"), "key": st.text(max_size=5), "form": inner,
                               "revision": inner, "components": inner})), max_leaves=25)


def test_hostile_definitions_give_a_definition_or_a_nested_form_error():
    from hypothesis import given, settings

    lookup = lookup_of({"b" * 24: {1: INNER}})

    @settings(max_examples=150, deadline=None)
    @given(_hostile_values())
    def run(components):
        definition = {"components": components if isinstance(components, list) else [components]}
        try:
            resolved = forms.resolve_nested(definition, lookup, root="a" * 24)
        except NestedFormError as exc:
            assert exc.path and exc.nested_code
        else:
            assert isinstance(resolved, dict)

    run()
