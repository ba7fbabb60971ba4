"""Frontdesk's Form.io engine: lint definitions, validate submissions, render answers.

Pure Python (no Flask, no MongoDB).  @formio/core is the reference for every rule; see FORMS.md.
"""

from forms.components import Component
from forms.errors import DefinitionError
from forms.expressions import Finding, find_code, find_refused_code
from forms.form import (
    RENDERER_VERSION,
    Form,
    Issue,
    Result,
    list_scripts,
    load,
    refused_code,
    to_renderer_errors,
    validate,
)
from forms.nested import MAX_NESTING, Included, NestedFormError, iter_nested, resolve_nested
from forms.registry import REGISTRY, SUPPORTED_TYPES

__all__ = [
    "MAX_NESTING",
    "REGISTRY",
    "RENDERER_VERSION",
    "SUPPORTED_TYPES",
    "Component",
    "DefinitionError",
    "Finding",
    "Form",
    "Included",
    "Issue",
    "NestedFormError",
    "Result",
    "find_code",
    "find_refused_code",
    "iter_nested",
    "list_scripts",
    "load",
    "refused_code",
    "resolve_nested",
    "to_renderer_errors",
    "validate",
]
