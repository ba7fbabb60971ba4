"""The registry of supported Form.io component types (checked when the module is imported)."""

from __future__ import annotations

from forms.components import ALL_CLASSES, Component
from forms.extra import EXTRA_CLASSES

__all__ = ["REGISTRY", "SUPPORTED_TYPES"]


def _build() -> dict[str, type[Component]]:
    registry: dict[str, type[Component]] = {}
    for cls in (*ALL_CLASSES, *EXTRA_CLASSES):
        name = cls.type_name
        if not name or not issubclass(cls, Component):
            raise RuntimeError(f"{cls.__name__} has no Form.io type name")
        if name in registry:
            raise RuntimeError(f"duplicate Form.io type {name!r}: {registry[name].__name__} and {cls.__name__}")
        if cls.kind not in ("value", "layout", "container", "grid", "none"):
            raise RuntimeError(f"{cls.__name__} has unknown kind {cls.kind!r}")
        registry[name] = cls
    return registry


REGISTRY: dict[str, type[Component]] = _build()
SUPPORTED_TYPES: frozenset[str] = frozenset(REGISTRY)
