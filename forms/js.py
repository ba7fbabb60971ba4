"""JavaScript from a definition, run on the server in an embedded QuickJS engine with hard limits.

Form.io definitions carry JavaScript in six places: ``validate.custom``, ``calculateValue`` (run on the
server only with ``calculateServer``, as @formio/core does), ``customConditional``,
``customDefaultValue``, ``logic`` (JavaScript triggers, ``value``/``customAction`` actions and
``mergeComponentSchema``) and an editgrid's ``validate.row`` (run per row in strict mode only: @formio/core
never runs it, @formio/js's EditGrid does). :data:`PLACES` names them; nothing else in a definition is ever run here.

Why QuickJS (PyPI ``quickjs``) and not V8 (``mini-racer``), measured on this machine
(``bench/js_engines.py``): a fresh QuickJS context costs 0.1 to 0.3 ms and one evaluation about 0.01 ms, a
V8 isolate 10 to 17 ms and an evaluation 0.3 to 0.5 ms; both stop an endless loop (time limit) and a
runaway allocation (memory limit). A context per submission is what keeps customers apart, and only
QuickJS makes that cheap.

Isolation: the context has no ``require``, ``process``, ``fetch``, timers, ``console`` or file access,
and nothing of Python is reachable from it (no callables are added). Its intrinsic objects are frozen
before any definition code runs, so a snippet cannot change ``Object.prototype``, ``JSON`` or
``Array.prototype`` for the snippets after it (globals it adds live as long as the submission's
context), and the runner takes what it needs before any snippet runs. Values go in and out as JSON
text only.

Limits: :data:`EVAL_SECONDS` of CPU per evaluation, :data:`SUBMISSION_SECONDS` for one submission,
:data:`MEMORY_BYTES` of heap and :data:`STACK_BYTES` of stack per context. A snippet that hits one ends
with :class:`ScriptLimit`; the form engine reports it as a validation error and runs no more code for
that submission. A snippet that throws is treated as @formio/core treats it: its result is ``null``.

Variables (as @formio/core's ``normalizeContext`` gives them on the server; only those a snippet names
are copied in): ``data``, ``row``,
``rowIndex``, ``value``, ``input``, ``component``, ``form``, ``submission``, ``path``, ``config``
(``{server: true}``), ``options`` and ``t`` (returns its text); ``instance`` is undefined (there is no
rendered component on the server). They are copies: a snippet changes the submission only through its
result (``valid``, ``show``, ``value``, ``result``, ``schema``).

Not provided, as in @formio/core: ``_`` (lodash), ``utils``, ``moment``. The browser renderer
(@formio/js) has them, so code that uses them behaves differently there; it throws here, which counts as
"no result" (a rule passes, a condition shows), exactly as on Form.io's reference engine. Giving them
here would make the server hide fields the reference validates (measured on the corpus), so
:data:`BROWSER_ONLY` names them and the builder warns designers about code that uses them.
"""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import quickjs

from forms.jsvalues import UNDEF, json_copy

__all__ = [
    "BROWSER_ONLY",
    "EVAL_SECONDS",
    "MEMORY_BYTES",
    "PLACES",
    "STACK_BYTES",
    "SUBMISSION_SECONDS",
    "Sandbox",
    "ScriptLimit",
    "browser_only_names",
    "compile_error",
]

#: CPU seconds one evaluation may take
EVAL_SECONDS = 0.05
#: CPU seconds all evaluations of one submission may take together
SUBMISSION_SECONDS = 0.5
#: heap of one context (the prelude takes about 0.3 MiB of it)
MEMORY_BYTES = 32 * 1024 * 1024
STACK_BYTES = 256 * 1024
#: the largest JSON text handed in (bigger data is refused, not truncated)
MAX_JSON_CHARS = 2 * 1024 * 1024
#: the largest result a snippet may give (it is stored with the submission)
MAX_RESULT_CHARS = 256 * 1024

#: where a definition may hold JavaScript the engine runs (component property → the variable it returns)
PLACES: dict[str, str] = {
    "validate.custom": "valid",
    "validate.row": "valid",
    "calculateValue": "value",
    "customConditional": "show",
    "customDefaultValue": "value",
    "logic.trigger.javascript": "result",
    "logic.actions.value": "value",
    "logic.actions.customAction": "value",
    "logic.actions.schemaDefinition": "schema",
}

#: variables the browser renderer gives snippets and the server (like @formio/core) does not
BROWSER_ONLY = ("_", "utils", "util", "moment", "instance", "self", "token", "user")

_BROWSER_ONLY_RE = re.compile(r"(?<![\w$.])(" + "|".join(map(re.escape, BROWSER_ONLY)) + r")\s*[.(\[]")


def browser_only_names(code: str) -> list[str]:
    """The :data:`BROWSER_ONLY` variables ``code`` uses (it behaves differently in the browser then)."""
    return sorted(set(_BROWSER_ONLY_RE.findall(code)))


#: the prelude every context runs first (the runner, the compile check, frozen intrinsics)
_PRELUDE = (Path(__file__).parent / "data" / "sandbox.js").read_text(encoding="utf-8")

_COMPILE_LOCAL = threading.local()


class ScriptLimit(Exception):
    """A snippet used up its time, memory or stack (or the submission's time): evaluation stopped."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def _new_context() -> quickjs.Context:
    ctx = quickjs.Context()
    ctx.set_memory_limit(MEMORY_BYTES)
    ctx.set_max_stack_size(STACK_BYTES)
    ctx.set_time_limit(1.0)
    ctx.eval(_PRELUDE)
    return ctx


def compile_error(code: str, ret: str) -> str | None:
    """The syntax error of ``code`` as the body of the function @formio/core builds (None: it compiles)."""
    ctx = getattr(_COMPILE_LOCAL, "ctx", None)
    if ctx is None:  # one per thread: a QuickJS runtime must stay on the thread that made it
        ctx = _COMPILE_LOCAL.ctx = _new_context()
    ctx.set_time_limit(EVAL_SECONDS)
    try:
        return ctx.get("__frontdesk_check")(code, ret) or None
    except quickjs.JSException as exc:  # cannot happen for a string; refuse rather than guess
        return str(exc).splitlines()[0]


_IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
_NAMES: dict[str, frozenset[str]] = {}


def _names_in(code: str) -> frozenset[str]:
    """The identifiers ``code`` mentions (cached: a form's snippets are few and run again and again)."""
    found = _NAMES.get(code)
    if found is None:
        if len(_NAMES) > 4096:
            _NAMES.clear()
        found = _NAMES[code] = frozenset(_IDENTIFIER.findall(code))
    return found


def _storable_text(text: str) -> bool:
    """Whether ``text`` is valid Unicode (a lone surrogate from JavaScript could not be stored)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class Sandbox:
    """One JavaScript context for one submission (made on first use, never shared, never reused).

    After a limit is hit every further :meth:`evaluate` raises at once.
    """

    def __init__(self, *, budget: float = SUBMISSION_SECONDS, form: Any = None) -> None:
        self.form = form if isinstance(form, dict) else {}
        self.budget = budget
        self.spent = 0.0
        self.calls = 0
        self.stopped: ScriptLimit | None = None
        self._context: quickjs.Context | None = None
        self._run: Any = None
        self._form_set = False

    def evaluate(self, code: str, ret: str, variables: dict[str, Any]) -> Any:
        """The value of ``ret`` after running ``code`` with ``variables`` (``UNDEF`` for undefined).

        ``variables`` hold JSON values; one that is ``UNDEF`` is undefined in the snippet. ``form`` (the
        definition given to the sandbox) and ``submission`` (``{data}``) are added. Returns None when
        the code throws (what @formio/core's ``evaluate`` returns then); raises
        :class:`ScriptLimit` when it runs out of time, memory or stack.
        """
        if self.stopped is not None:
            raise self.stopped
        remaining = self.budget - self.spent
        if remaining <= 0:
            self.stopped = ScriptLimit("time")
            raise self.stopped
        used = _names_in(code)
        if "submission" in used:
            used = used | {"data"}
        # only the variables the code names are copied in (the data of a large form costs time)
        given = {k: v for k, v in variables.items() if k in used or k == ret}
        try:
            text = json.dumps({k: v for k, v in given.items() if v is not UNDEF}, separators=(",", ":"),
                              allow_nan=False, ensure_ascii=True)
        except (TypeError, ValueError, RecursionError):
            return None
        if len(text) > MAX_JSON_CHARS:
            self.stopped = ScriptLimit("memory")
            raise self.stopped
        if self._context is None:
            self._context = _new_context()
            self._run = self._context.get("__frontdesk_run")
            self._form_set = False
        if "form" in used and not self._form_set:
            self._context.set_time_limit(EVAL_SECONDS)
            self._context.get("__frontdesk_form")(json.dumps(self.form, ensure_ascii=True, allow_nan=False))
            self._form_set = True
        names = [*given, "form", "submission", "t"]
        self._context.set_time_limit(min(EVAL_SECONDS, remaining))
        started = time.thread_time()
        try:
            out = self._run(code, ret, ",".join(names), text)
        except quickjs.StackOverflow:
            self.stopped = ScriptLimit("stack")
        except quickjs.JSException as exc:
            message = str(exc)
            self.stopped = ScriptLimit("memory" if "out of memory" in message else "time")
        finally:
            self.spent += time.thread_time() - started
            self.calls += 1
        if self.stopped is not None:
            self._context = self._run = None  # a context that hit a limit is dropped
            raise self.stopped
        if not isinstance(out, str):
            return None
        if len(out) > MAX_RESULT_CHARS:
            self.stopped = ScriptLimit("memory")
            raise self.stopped
        try:
            result = json.loads(out)
        except RecursionError:  # nested deeper than Python reads: no result
            return None
        if "limit" in result:
            self.stopped = ScriptLimit(str(result["limit"]))
            raise self.stopped
        if result.get("thrown"):
            return None
        value = result.get("v", UNDEF)
        if value is UNDEF:
            return UNDEF
        # what a submission can store: JSON nested at most MAX_VALUE_DEPTH deep, valid Unicode
        value = json_copy(value)
        return value if _storable_text(json.dumps(value, ensure_ascii=False)) else None
