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
from forms.registry import REGISTRY, SUPPORTED_TYPES

__all__ = [
    "REGISTRY",
    "RENDERER_VERSION",
    "SUPPORTED_TYPES",
    "Component",
    "DefinitionError",
    "Finding",
    "Form",
    "Issue",
    "Result",
    "find_code",
    "find_refused_code",
    "list_scripts",
    "load",
    "refused_code",
    "to_renderer_errors",
    "validate",
]
