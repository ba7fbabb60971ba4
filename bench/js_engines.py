"""The two embedded JavaScript engines on PyPI side by side (a script, not a test): why forms/js.py uses QuickJS.

For QuickJS (``quickjs``, the project's dependency) and V8 (``mini-racer``, measured only when installed:
``pip install mini-racer``): the cost of a fresh context (what one submission needs), of one evaluation of
a typical ``validate.custom`` snippet with its variables as JSON, and whether an endless loop and a runaway
allocation are stopped by the engine's time and memory limits (and how long that takes). Then the same for
:class:`forms.js.Sandbox` (context, prelude with frozen intrinsics, first and further evaluations).

Run: ``.venv/bin/python bench/js_engines.py``
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import quickjs  # noqa: E402

from forms import js  # noqa: E402

SNIPPET = "valid = (input || '').length >= 3 ? true : 'zu kurz';"
VARIABLES = json.dumps({"data": {"name": "Käthe", "items": list(range(20))}, "input": "abcd", "valid": True})
LOOP = "while (true) {}"
ALLOC = "var a = []; while (true) a.push('xxxxxxxxxxxxxxxx' + a.length);"


def per_call_ms(fn, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n * 1000


def stopped(fn) -> str:
    start = time.perf_counter()
    try:
        fn()
    except Exception as exc:  # each engine raises its own exception types
        return f"stopped after {(time.perf_counter() - start) * 1000:.0f} ms ({type(exc).__name__})"
    return "NOT stopped"


def quickjs_figures() -> None:
    wrapped = f"(function (data, input, valid) {{ {SNIPPET} return valid; }})"
    ctx = quickjs.Context()
    ctx.eval(f"var run = function (json) {{ var v = JSON.parse(json); return {wrapped}(v.data, v.input, v.valid); }}")
    run = ctx.get("run")
    print("QuickJS (quickjs)")
    print(f"  fresh context      : {per_call_ms(quickjs.Context, 500):7.3f} ms")
    print(f"  one evaluation     : {per_call_ms(lambda: run(VARIABLES), 5000):7.3f} ms")
    limited = quickjs.Context()
    limited.set_time_limit(0.05)
    print(f"  endless loop, 50 ms: {stopped(lambda: limited.eval(LOOP))}")
    limited = quickjs.Context()
    limited.set_memory_limit(16 * 1024 * 1024)
    limited.set_time_limit(5)
    print(f"  allocation, 16 MiB : {stopped(lambda: limited.eval(ALLOC))}")


def v8_figures() -> None:
    try:
        from py_mini_racer import MiniRacer
    except ImportError:
        print("V8 (mini-racer): not installed (pip install mini-racer) - skipped")
        return
    wrapped = f"(function (data, input, valid) {{ {SNIPPET} return valid; }})"
    ctx = MiniRacer()
    ctx.eval(f"var run = function (json) {{ var v = JSON.parse(json); return {wrapped}(v.data, v.input, v.valid); }}")
    print("V8 (mini-racer)")
    print(f"  fresh context      : {per_call_ms(MiniRacer, 10):7.3f} ms")
    print(f"  one evaluation     : {per_call_ms(lambda: ctx.call('run', VARIABLES), 2000):7.3f} ms")
    print(f"  endless loop, 50 ms: {stopped(lambda: MiniRacer().eval(LOOP, timeout=50))}")
    print(f"  allocation, 16 MiB : {stopped(lambda: MiniRacer().eval(ALLOC, max_memory=16 * 1024 * 1024))}")


def sandbox_figures() -> None:
    variables = json.loads(VARIABLES)

    def submission():  # what one validation does: take the thread's context, evaluate, reset it
        box = js.Sandbox()
        box.evaluate(SNIPPET, "valid", variables)
        box.close()

    def fresh():  # a sandbox never closed: its context is dropped, the next one is made from scratch
        js.Sandbox().evaluate(SNIPPET, "valid", variables)

    box = js.Sandbox()
    box.evaluate(SNIPPET, "valid", variables)
    print("forms.js.Sandbox (QuickJS, prelude, deep-frozen intrinsics, JSON in and out)")
    print(f"  new context + first evaluation: {per_call_ms(fresh, 50):7.3f} ms")
    print(f"  submission on the thread's reset context (evaluation + reset): {per_call_ms(submission, 5000):7.3f} ms")
    further = per_call_ms(lambda: box.evaluate(SNIPPET, "valid", variables), 5000)
    print(f"  further evaluation            : {further:7.3f} ms")
    print(f"  limits: {js.EVAL_SECONDS * 1000:.0f} ms per evaluation, {js.SUBMISSION_SECONDS * 1000:.0f} ms per "
          f"submission, {js.MEMORY_BYTES // 2**20} MiB heap, {js.STACK_BYTES // 1024} KiB stack")


def main() -> None:
    quickjs_figures()
    v8_figures()
    sandbox_figures()


if __name__ == "__main__":
    main()
