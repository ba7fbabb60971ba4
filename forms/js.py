"""JavaScript from a definition, run on the server in an embedded QuickJS engine with hard limits.

Form.io definitions carry JavaScript in six places: ``validate.custom``, ``calculateValue`` (run on the
server only with ``calculateServer``, as @formio/core does), ``customConditional``,
``customDefaultValue``, ``logic`` (JavaScript triggers, ``value``/``customAction`` actions and
``mergeComponentSchema``) and an editgrid's ``validate.row`` (run per row in strict mode only: @formio/core
never runs it, @formio/js's EditGrid does). :data:`PLACES` names them; nothing else in a definition is ever run here.

Why QuickJS (PyPI ``quickjs``) and not V8 (``mini-racer``), measured on this machine
(``bench/js_engines.py``): a fresh QuickJS context costs 0.1 to 0.3 ms and one evaluation about 0.01 ms, a
V8 isolate 10 to 17 ms and an evaluation 0.3 to 0.5 ms; both stop an endless loop (time limit) and a
runaway allocation (memory limit).

Isolation: the context has no ``require``, ``process``, ``fetch``, timers, ``console``, ``eval`` or file
access, and nothing of Python is reachable from it (no callables are added). Values go in and out as JSON
text only. Its prelude (``forms/data/sandbox.js``) freezes, before any definition code runs, every object
reachable from the global object and from the intrinsics only syntax reaches (generator, async and
iterator prototypes), makes the built-in globals read-only, and takes what the runner needs. So a snippet
cannot change ``Object.prototype``, ``JSON`` or ``Array.prototype.map`` for the snippets after it; the only
thing it can change is the global object, by adding globals (they live as long as the submission, as in
the browser).

One context per thread serves that thread's submissions one after another (a fresh context with its
frozen prelude costs about 3 to 8 ms, more than a whole validation; a submission's JavaScript now costs
about 0.05 ms per evaluation, see ``bench/README.md``). A submission takes the context on its first
snippet and gives it back in :meth:`Sandbox.close`, which resets it: the globals its snippets added are
deleted, its ``form`` is forgotten, ``Math.random`` is seeded afresh (the engine's own generator is
replaced: its position would pass from one submission to the next). Because everything else reachable is
frozen, the context is then in the state the prelude left, which the reset checks (the same global keys,
prototype and extensibility). A context is dropped instead, never reused, when a snippet hit a limit, a
job (a promise callback) is queued, a global cannot be deleted, the global object was otherwise changed,
the submission used more than :data:`FRESH_AFTER_SECONDS` of JavaScript time, its heap after a garbage
collection is :data:`MAX_GROWTH_BYTES` larger than the fresh one, or it served :data:`MAX_USES`
submissions. Two submissions at the same time (two threads, or a sandbox not closed yet) never share a
context. ``tests/forms/test_js_reuse.py`` checks each of these, and walks the object graph to show that
nothing but the global object is left unfrozen. What stays shared is what no snippet can read: the
compiled (frozen) functions of snippets seen before and the engine's symbol registry.

Limits: :data:`EVAL_SECONDS` of CPU per evaluation, :data:`SUBMISSION_SECONDS` for one submission,
:data:`MEMORY_BYTES` of heap and :data:`STACK_BYTES` of stack per context, which serves one submission at
a time (its cyclic garbage is collected after a submission that used more than :data:`GC_AFTER_SECONDS`
and every :data:`MEMORY_CHECK_EVERY` submissions, so a submission starts with at most a few MiB more in
use than in a fresh context). A snippet that hits one ends
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
import os
import re
import struct
import threading
import time
from pathlib import Path
from typing import Any

import quickjs

from forms.jsvalues import UNDEF, json_copy

__all__ = [
    "BROWSER_ONLY",
    "EVAL_SECONDS",
    "FRESH_AFTER_SECONDS",
    "MAX_GROWTH_BYTES",
    "MAX_USES",
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

#: JSON text for the sandbox (ASCII: no lone surrogate can get in) and to check a result (made once: json.dumps
#: with options builds an encoder per call)
_to_js = json.JSONEncoder(separators=(",", ":"), allow_nan=False, ensure_ascii=True).encode
_to_text = json.JSONEncoder(ensure_ascii=False).encode


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


#: idle contexts a thread keeps for its next submissions
POOL_SIZE = 2
#: a context is thrown away after this many submissions (bounds anything the engine itself accumulates)
MAX_USES = 5000
#: ... or when, after its reset, its heap is this much larger than the fresh context's
MAX_GROWTH_BYTES = 1024 * 1024
MEMORY_CHECK_EVERY = 8
#: JavaScript CPU seconds of a submission after which its context's garbage is collected at once (in less
#: time a snippet leaves well under 1 MiB of cyclic garbage, measured)
GC_AFTER_SECONDS = 0.0005
#: ... and after which the context is not reused at all (its engine tuned its collector to the big heap)
FRESH_AFTER_SECONDS = 0.005

_POOL = threading.local()


class _Context:
    """A prepared context and the prelude's functions (used by one submission at a time)."""

    __slots__ = ("ctx", "form", "reset", "run", "size", "thread", "uses")

    def __init__(self) -> None:
        self.ctx = _new_context()
        self.run = self.ctx.get("__frontdesk_run")
        self.form = self.ctx.get("__frontdesk_form")
        self.reset = self.ctx.get("__frontdesk_reset")
        self.reset(*_seed())
        self.size = _used(self.ctx)
        self.thread = threading.get_ident()
        self.uses = 0


def _seed() -> tuple[int, ...]:
    """A fresh seed for a context's Math.random (four unsigned 32-bit numbers)."""
    return struct.unpack("<4I", os.urandom(16))


def _acquire() -> _Context:
    idle = getattr(_POOL, "idle", None)
    if idle:
        return idle.pop()
    return _Context()


def _used(ctx: quickjs.Context) -> int:
    return ctx.memory()["memory_used_size"]


def _release(box: _Context, spent: float) -> None:
    """Reset ``box`` after a submission and keep it for the next one, or drop it when the reset cannot be
    shown to be complete (see :meth:`Sandbox.close`)."""
    if box.thread != threading.get_ident() or spent > FRESH_AFTER_SECONDS:
        return  # a context stays on its thread; one that served a heavy submission is not worth keeping
    box.uses += 1
    ctx = box.ctx
    ctx.set_time_limit(EVAL_SECONDS)
    try:
        # a job left queued (a promise callback) would run in a later submission: drop the context
        # (running one here only touches this submission's context, which is discarded)
        if ctx.execute_pending_job() or box.reset(*_seed()) is not True:
            return
        # after a heavier submission, and every MEMORY_CHECK_EVERY uses (reading the heap's size costs more
        # than the reset): collect cyclic garbage, and drop a context whose heap stays larger
        if spent > GC_AFTER_SECONDS or box.uses % MEMORY_CHECK_EVERY == 0:
            ctx.gc()
            if _used(ctx) > box.size + MAX_GROWTH_BYTES:
                return
    except quickjs.JSException:
        return
    if box.uses >= MAX_USES:
        return
    idle = getattr(_POOL, "idle", None)
    if idle is None:
        idle = _POOL.idle = []
    if len(idle) < POOL_SIZE:
        idle.append(box)


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
    """The JavaScript context of one submission (taken on first use; reset or dropped by :meth:`close`).

    After a limit is hit every further :meth:`evaluate` raises at once.
    """

    def __init__(self, *, budget: float = SUBMISSION_SECONDS, form: Any = None) -> None:
        self.form = form if isinstance(form, dict) else {}
        self.budget = budget
        self.spent = 0.0
        self.calls = 0
        self.stopped: ScriptLimit | None = None
        self._box: _Context | None = None
        self._form_set = False
        self._closed = False

    def close(self) -> None:
        """End of the submission: its context is reset for the thread's next submission, or dropped.

        Reset (``reset`` in ``forms/data/sandbox.js``) deletes the globals the snippets added and
        forgets the form; the prelude froze every other object a snippet can reach, so the context is
        then as fresh as a new one. A context that hit a limit, holds a queued job, kept a global it
        cannot delete, had its global object changed otherwise, grew by more than
        :data:`MAX_GROWTH_BYTES`, or served :data:`MAX_USES` submissions is dropped. A sandbox that is
        never closed drops its context (nothing is shared then either)."""
        box, self._box = self._box, None
        self._closed = True
        if box is not None and self.stopped is None:
            _release(box, self.spent)

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
            text = _to_js({k: v for k, v in given.items() if v is not UNDEF})
        except (TypeError, ValueError, RecursionError):
            return None
        if len(text) > MAX_JSON_CHARS:
            self.stopped = ScriptLimit("memory")
            raise self.stopped
        box = self._box
        if box is None:
            if self._closed:
                raise RuntimeError("the sandbox of a finished submission")
            box = self._box = _acquire()
            self._form_set = False
        if "form" in used and not self._form_set:
            box.ctx.set_time_limit(EVAL_SECONDS)
            box.form(json.dumps(self.form, ensure_ascii=True, allow_nan=False))
            self._form_set = True
        names = [*given, "form", "submission", "t"]
        box.ctx.set_time_limit(min(EVAL_SECONDS, remaining))
        started = time.thread_time()
        try:
            out = box.run(code, ret, ",".join(names), text)
        except quickjs.StackOverflow:
            self.stopped = ScriptLimit("stack")
        except quickjs.JSException as exc:
            message = str(exc)
            self.stopped = ScriptLimit("memory" if "out of memory" in message else "time")
        finally:
            self.spent += time.thread_time() - started
            self.calls += 1
        if self.stopped is not None:
            self._box = None  # a context that hit a limit is dropped, never reused
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
        if value is None or isinstance(value, (bool, int, float)):
            return value
        return value if _storable_text(_to_text(value)) else None
