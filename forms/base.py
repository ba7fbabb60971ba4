"""The component base and the rule helpers shared by :mod:`forms.rules` and :mod:`forms.components`.

The modules of ``forms`` import downwards: ``jsvalues``, ``messages``, ``expressions`` → ``errors`` →
``jsonlogic`` → ``base`` → ``rules``, ``conditions`` → ``components`` → ``registry``, ``render`` →
``form`` → the package.  ``tests/forms/test_module_graph.py`` keeps it so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from forms.errors import DefinitionError
from forms.jsvalues import UNDEF, is_number, js_string, js_truthy

__all__ = ["B64_RE", "SIGNATURE_PREFIX", "Check", "ComponentBase", "Issue", "compile_mask", "lodash_get",
           "strict_eq_option"]

#: ``(rule, message key, parameters)``: one validation failure.
Issue = tuple[str, str, dict[str, Any]]
#: ``check(component, value, ctx) -> Issue | None``.
Check = Callable[["ComponentBase", Any, Any], "Issue | None"]

B64_RE = re.compile(r"[A-Za-z0-9+/]*={0,2}")
SIGNATURE_PREFIX = "data:image/png;base64,"


def compile_mask(mask: str) -> list[Any]:
    """A Form.io ``inputMask`` as a list of character patterns and literal characters."""
    table = {
        "9": re.compile(r"\d", re.ASCII),
        "A": re.compile(r"[a-zA-Z]"),
        "a": re.compile(r"[a-z]"),
        "*": re.compile(r"[a-zA-Z0-9]"),
    }
    return [table.get(ch, ch) for ch in mask]


def strict_eq_option(option: Any, value: Any) -> bool:
    """Whether ``value`` is option ``option`` (same JSON type; numbers compare by value, booleans by identity)."""
    if isinstance(option, bool) or isinstance(value, bool):
        return option is value
    if is_number(option) and is_number(value):
        return float(option) == float(value)
    return type(option) is type(value) and option == value


class ComponentBase:
    """What every component is, without its validation rules: data key, children, options, flags.

    :class:`forms.components.Component` adds the rule table and ``validate``; the rules in
    :mod:`forms.rules` and the conditions in :mod:`forms.conditions` only need this much of it.
    """

    type_name: ClassVar[str] = ""
    #: "value" (a leaf value), "layout" (children at the same data level), "container" (a dict
    #: level), "grid" (a list of dict rows) or "none" (no data, no children).
    kind: ClassVar[str] = "value"
    model_type: ClassVar[str] = "any"
    multiple_allowed: ClassVar[bool] = False
    has_options: ClassVar[bool] = False
    #: the component's JavaScript and logic (:class:`forms.scripting.Scripts`; set by the Form, None: none)
    scripts: Any = None

    def __init__(self, defn: dict[str, Any], path: str, parent: ComponentBase | None, strict: bool) -> None:
        self.defn = defn
        self.type: str = defn["type"]
        key = defn.get("key")
        self.key: str = key if isinstance(key, str) else ""
        self.parts: tuple[str, ...] = tuple(self.key.split(".")) if self.key else ()
        label = defn.get("label")
        self.label: str = label if isinstance(label, str) and label else self.key
        self.def_path = path
        self.parent = parent
        self.children: list[ComponentBase] = []
        self.strict = strict
        v = defn.get("validate")
        self.validate_def: dict[str, Any] = v if isinstance(v, dict) else {}
        self.multiple = bool(js_truthy(defn.get("multiple"))) and self.multiple_allowed
        if js_truthy(defn.get("multiple")) and not self.multiple_allowed:
            raise DefinitionError(f"{path}.multiple", f"'multiple' is not supported for {self.type}")
        self.clear_on_hide = js_truthy(defn.get("clearOnHide", True))
        self.hidden_prop = js_truthy(defn.get("hidden"))
        self.validate_when_hidden = js_truthy(defn.get("validateWhenHidden"))
        self.is_input = ("input" not in defn) or js_truthy(defn.get("input"))
        persistent = defn.get("persistent", True)
        self.value_hidden = not js_truthy(defn.get("protected")) and (
            ("persistent" in defn and not js_truthy(persistent)) or persistent == "client-only"
        )
        self.truncate_spaces = js_truthy(defn.get("truncateMultipleSpaces"))
        # paths (set by the Form)
        self.data_path = ""  # Form.io "path": data keys only, no row indices
        self.full_path = ""  # Form.io "fullPath": includes layout keys
        self.grids: tuple[ComponentBase, ...] = ()
        self.pattern_re: re.Pattern[str] | None = None
        self.mask_array: list[Any] | None = None
        self.option_values: list[Any] = []
        self.option_labels: dict[str, str] = {}
        #: JSON options without ``valueProperty``: the answer is the whole option object (``option_values``
        #: are dicts, ``option_labels`` keyed by their ``JSON.stringify`` text)
        self.object_options = False
        self.compile_options()
        self.compile_validation()
        errors = defn.get("errors")
        self.error_overrides: dict[str, str] = (
            {k: v for k, v in errors.items() if isinstance(v, str)} if isinstance(errors, dict) else {}
        )
        cm = self.validate_def.get("customMessage")
        self.custom_message: str | None = cm if isinstance(cm, str) and cm else None
        field = defn.get("errorLabel") or defn.get("label") or defn.get("placeholder") or self.key
        self.error_field = field if isinstance(field, str) else self.key
        props = defn.get("properties")
        self.properties: dict[str, Any] = props if isinstance(props, dict) else {}

    # -- information ------------------------------------------------------------------------------

    @property
    def has_data(self) -> bool:
        """Whether this component stores a value of its own (or a level of values)."""
        return self.kind in ("value", "container", "grid")

    def iter_data_children(self) -> Iterator[ComponentBase]:
        """Data components directly at the level below (looking through layout components)."""
        for child in self.children:
            if child.kind == "layout":
                yield from child.iter_data_children()
            elif child.has_data:
                yield child

    def get_in(self, row: Any) -> Any:
        """This component's value in ``row`` (``UNDEF`` when absent)."""
        cur = row
        for p in self.parts:
            if not isinstance(cur, dict):
                return UNDEF
            cur = cur.get(p, UNDEF)
            if cur is UNDEF:
                return UNDEF
        return cur

    def v_get(self, name: str) -> Any:
        """``component.validate[name]`` or ``UNDEF``."""
        return self.validate_def.get(name, UNDEF)

    # -- compilation ------------------------------------------------------------------------------

    def compile_options(self) -> None:
        """Reads the type's options (values and labels) from the definition; types with options override it."""

    def compile_validation(self) -> None:
        """Compiles ``validate``, the input mask and the rule table (in :class:`forms.components.Component`)."""

    # -- validateMultiple support -----------------------------------------------------------------

    @property
    def multiple_eligible(self) -> bool:
        return True

    @property
    def empty_value_is_array(self) -> bool:
        return True

    model_array: ClassVar[bool] = False

    # -- strict helpers ---------------------------------------------------------------------------

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` has an acceptable JSON type for this component (strict mode)."""
        return True

    def invalid_options(self, value: Any) -> bool:
        return False

    # -- rendering --------------------------------------------------------------------------------

    def option_label(self, value: Any) -> str:
        """The label of option ``value`` (the value itself when unknown)."""
        return self.option_labels.get(js_string(value), js_string(value)) if value is not None else ""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.full_path or self.key!r}>"


def lodash_get(obj: Any, path: str, default: Any = UNDEF) -> Any:
    """lodash's ``_.get`` over plain objects, as Form.io uses it for option items (``item.name.first``) and
    logic actions (``validate.required``): ``default`` where a part is missing or not an object."""
    cur = obj
    for part in (p for p in re.split(r"[.\[\]]", path) if p):
        if not isinstance(cur, dict) or part not in cur:
            return default
        cur = cur[part]
    return cur
