"""Import share of the real-form corpus (a script, not a test; tests/forms/test_corpus.py checks the targets).

The corpus is ``../shared/formio-corpus/forms.json`` (984 Form.io definitions from public projects, each
with its origin); it is read where it lies and never copied into the project.  How the share is counted:

* **a form imports** when ``forms.load(entry["form"])`` accepts it: the whitelist, the JavaScript rule and
  the code rule (``{{ }}``/``{% %}``, forms/expressions.py) included; ``lenient`` counts the same without
  the code rule (``check_code=False``), the way the first measurement (465 of 984) was made;
* **registry forms** are those whose component types all exist in the component registry of the vendored
  @formio/js (``Components.components`` in formio.full.min.js, read from the bundle);
* **20+ forms** hold 20 or more components (every object in a ``components``/``columns``/``rows`` tree);
* **blocked only by JavaScript**: refused for ``validate.custom``, ``calculateValue``, ``customConditional``,
  ``customDefaultValue`` or ``logic`` and accepted once those are removed from a copy: the forms the server-side
  JavaScript evaluation (a separate piece of work) lets in;
* every refusal is a ``DefinitionError`` with a path and a reason; the first reason of each refused form is
  tallied below.

Run: ``.venv/bin/python bench/corpus_import.py [--corpus PATH] [--reasons 25]``
"""

from __future__ import annotations

import argparse
import copy
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import forms  # noqa: E402

CORPUS = ROOT.parent / "shared" / "formio-corpus" / "forms.json"
BUNDLE = ROOT / "forms" / "static" / "vendor" / "@formio" / "js" / "formio.full.min.js"
JS_KEYS = ("customConditional", "customDefaultValue", "calculateValue", "logic")


def formiojs_registry(bundle: Path = BUNDLE) -> frozenset[str]:
    """The component types of @formio/js's registry, read from the bundle (``{address:…,well:…}``)."""
    text = bundle.read_text(encoding="utf-8")
    m = re.search(r"\{(address:[\w.$]+\.default,base:[^{}]*?well:[\w.$]+\.default)\}", text)
    if m is None:
        raise RuntimeError("component registry not found in the @formio/js bundle")
    return frozenset(part.split(":", 1)[0] for part in m.group(1).split(","))


def components_of(form: Any) -> list[dict[str, Any]]:
    """Every component object of a definition (through components, columns, table rows and tabs)."""
    out: list[dict[str, Any]] = []

    def visit(items: Any) -> None:
        for c in items if isinstance(items, list) else ():
            if not isinstance(c, dict):
                continue
            if "type" in c:
                out.append(c)
            visit(c.get("components"))
            for col in c.get("columns") if isinstance(c.get("columns"), list) else ():
                if isinstance(col, dict):
                    visit(col.get("components"))
            for row in c.get("rows") if isinstance(c.get("rows"), list) else ():
                for cell in row if isinstance(row, list) else ():
                    if isinstance(cell, dict):
                        visit(cell.get("components"))

    visit(form.get("components") if isinstance(form, dict) else None)
    return out


def without_javascript(form: Any) -> Any:
    """A copy without the JavaScript properties server-side evaluation would run."""
    out = copy.deepcopy(form)
    for c in components_of(out):
        for k in JS_KEYS:
            c.pop(k, None)
        if isinstance(c.get("validate"), dict):
            c["validate"].pop("custom", None)
    return out


def _refusal(form: Any, **kw: Any) -> forms.DefinitionError | None:
    try:
        forms.load(form, **kw)
    except forms.DefinitionError as exc:
        return exc
    return None


def _is_js(err: forms.DefinitionError) -> bool:
    return any(err.path.endswith(k) or f".{k}" in err.path for k in (*JS_KEYS, "validate.custom"))


@dataclass
class Share:
    """The counts of one run over the corpus."""

    total: int = 0
    loads: int = 0
    lenient: int = 0
    registry: int = 0
    registry_loads: int = 0
    registry_lenient: int = 0
    big: int = 0
    big_loads: int = 0
    big_lenient: int = 0
    js_only: int = 0
    registry_js_only: int = 0
    big_js_only: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    refused: list[tuple[str, forms.DefinitionError]] = field(default_factory=list)


def _reason_kind(err: forms.DefinitionError) -> str:
    return re.sub(r"'[^']*'", "'…'", err.reason) if "unknown component type" not in err.reason else err.reason


def measure(entries: list[dict[str, Any]], registry: frozenset[str]) -> Share:
    s = Share()
    for entry in entries:
        form = entry["form"]
        comps = components_of(form)
        in_registry = all(c.get("type") in registry for c in comps)
        big = len(comps) >= 20
        err = _refusal(form)
        lenient = err is None or _refusal(form, check_code=False) is None
        js_only = err is not None and _is_js(err) and _refusal(without_javascript(form)) is None
        s.total += 1
        s.loads += err is None
        s.lenient += lenient
        s.js_only += js_only
        if in_registry:
            s.registry += 1
            s.registry_loads += err is None
            s.registry_lenient += lenient
            s.registry_js_only += js_only
        if big:
            s.big += 1
            s.big_loads += err is None
            s.big_lenient += lenient
            s.big_js_only += js_only
        if err is not None:
            s.reasons[_reason_kind(err)] += 1
            s.refused.append((entry["id"], err))
    return s


def load_corpus(path: Path = CORPUS) -> list[dict[str, Any]]:
    return json.loads(path.read_text(encoding="utf-8"))["forms"]


def _pct(n: int, d: int) -> str:
    return f"{n:4d} / {d:4d} = {100 * n / d:5.1f} %" if d else "—"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--reasons", type=int, default=25)
    args = ap.parse_args()
    s = measure(load_corpus(args.corpus), formiojs_registry())
    rows = [
        ("all forms", s.loads, s.lenient, s.js_only, s.total),
        ("types all in @formio/js's registry", s.registry_loads, s.registry_lenient, s.registry_js_only, s.registry),
        ("20+ components", s.big_loads, s.big_lenient, s.big_js_only, s.big),
    ]
    print("share that imports (forms.load) | without the code rule | + blocked only by JavaScript")
    for name, loads, lenient, js, total in rows:
        print(f"  {name:36s} {_pct(loads, total)} | {_pct(lenient, total)} | {_pct(loads + js, total)}")
    print(f"\nfirst reason of the {len(s.refused)} refused forms (most common {args.reasons}):")
    for reason, n in s.reasons.most_common(args.reasons):
        print(f"  {n:4d}  {reason[:150]}")
    target = s.registry_loads + s.registry_js_only >= 0.85 * s.registry
    print(f"\ntarget: ≥ 85 % of the registry forms once JavaScript is evaluated: {'met' if target else 'MISSED'}")
    return 0 if target else 1


if __name__ == "__main__":
    raise SystemExit(main())
