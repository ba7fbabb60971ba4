"""Form benchmarks (a script, not a test): engine throughput vs @formio/core, answers, kiosk page.

1. Validations per second of the SEEDED anamnesis questionnaire (seed/questionnaires/anamnesebogen.json)
   in Python and in @formio/core under Node on the same submissions, in the same run, and the ratio
   (target ≥ 0.5x). Needs `npm install` in tests/forms/reference for the Node side.
2. ``render_answers`` p50/p95 for a 40-field form (target p50 < 5 ms).
3. Definition JavaScript: the five largest forms of the shared corpus (../shared/formio-corpus) that load
   and hold JavaScript, on the recorded submissions of tests/forms/reference/corpus-cases.json: validations
   per second in Python (sandbox included) and in @formio/core, and the JavaScript's cost per submission
   (the same form with its JavaScript removed, subtracted), with the sandbox's evaluations per submission.
4. Time until the kiosk page (kiosk/templates/kiosk/questionnaire.html, the shared renderer) shows a
   40-field form in headless Chromium, p50 of 20 loads (target < 1 s): from navigation start until the
   renderer's ``frontdesk:ready`` event has fired and 40 inputs are on the page.

Run: ``.venv/bin/python bench/forms.py [--seconds 2] [--loads 20]``
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# this script is itself called forms.py: keep its folder off the path so `import forms` is the engine
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

import importlib.util  # noqa: E402

import forms  # noqa: E402

_spec = importlib.util.spec_from_file_location("forms_engine_bench", ROOT / "bench" / "forms_engine.py")
_engine = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_engine)
forty_field_form, forty_submission = _engine.forty_field_form, _engine.forty_submission
node_rates, python_rate = _engine.node_rates, _engine.python_rate

CHROMIUM = "/usr/bin/chromium"


def anamnesis_submissions(rnd: random.Random, n: int = 50) -> list[dict]:
    """Valid and invalid answers to the seeded anamnesis form (conditions on and off)."""
    png = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQ"
           "AAAABJRU5ErkJggg==")
    out = []
    for i in range(n):
        allergic = rnd.random() < 0.5
        conditions = {k: rnd.random() < 0.3 for k in ("pregnancy", "diabetes", "skin", "anticoagulants")}
        data = {
            "allergies": "yes" if allergic else "no",
            "allergyDetails": "Nickel, Duftstoffe" if allergic and rnd.random() < 0.8 else "",
            "conditions": conditions,
            "medication": "Marcumar" if conditions["anticoagulants"] and rnd.random() < 0.8 else "",
            "hairType": rnd.choice(["fine", "normal", "thick", "curly", "bald"]),
            "scalpSensitive": rnd.random() < 0.4,
            "scalpNotes": "Bitte mildes Shampoo" if rnd.random() < 0.5 else "",
            "lastColouringWeeks": rnd.choice([2, 8, 30, -1, 600]),
            "truthful": rnd.random() < 0.9,
            "signature": png if rnd.random() < 0.9 else "",
        }
        if i % 7 == 0:
            data["unknown"] = {"junk": [1, 2, 3]}
        out.append(data)
    return out


def engine(seconds: float) -> None:
    sample = json.loads((ROOT / "seed" / "questionnaires" / "anamnesebogen.json").read_text(encoding="utf-8"))
    definition = sample["schema"]
    submissions = anamnesis_submissions(random.Random(7))
    form = forms.load(definition)
    valid = sum(form.validate(s).valid for s in submissions)
    rate = python_rate(form, submissions, seconds)
    print(f"seeded anamnesis ({len(form.data_paths())} data fields, wizard, conditions; "
          f"{valid}/{len(submissions)} submissions valid)")
    print(f"  Python engine : {rate:9.0f} validations/s")
    node = node_rates({"anamnesis": {"form": definition, "submissions": submissions}}, seconds)
    if node is None:
        print("  @formio/core  : skipped (run `npm install` in tests/forms/reference)")
    else:
        ratio = rate / node["anamnesis"]
        print(f"  @formio/core  : {node['anamnesis']:9.0f} validations/s  -> Python/Node = {ratio:.2f}x "
              f"({'meets' if ratio >= 0.5 else 'MISSES'} the 0.5x target)")
    rnd = random.Random(3)
    p50, p95 = _engine.render_percentiles(forms.load(forty_field_form()), [forty_submission(rnd) for _ in range(50)])
    print(f"render_answers, 40 fields: p50 {p50:.3f} ms, p95 {p95:.3f} ms (target p50 < 5 ms)")


_JS_KEYS = ("customConditional", "calculateValue", "customDefaultValue", "logic")


def without_javascript(value):
    """A copy of a definition without its JavaScript (to measure what the JavaScript costs)."""
    if isinstance(value, dict):
        out = {k: without_javascript(v) for k, v in value.items() if k not in _JS_KEYS}
        if isinstance(out.get("validate"), dict):
            out["validate"].pop("custom", None)
        return out
    if isinstance(value, list):
        return [without_javascript(v) for v in value]
    return value


def per_submission_ms(form, submissions, seconds: float) -> float:
    return 1000 / python_rate(form, submissions, seconds)


def javascript(seconds: float) -> None:
    corpus_file = ROOT.parent / "shared" / "formio-corpus" / "forms.json"
    if not corpus_file.exists():
        print("definition JavaScript: skipped (no ../shared/formio-corpus/forms.json)")
        return
    corpus = {f["hash"]: f["form"] for f in json.loads(corpus_file.read_text(encoding="utf-8"))["forms"]}
    cases = json.loads((ROOT / "tests" / "forms" / "reference" / "corpus-cases.json").read_text(encoding="utf-8"))
    by_form: dict[str, list[dict]] = {}
    for case in cases["cases"]:
        by_form.setdefault(case["hash"], []).append(case["data"])
    loaded = []
    for digest, subs in by_form.items():
        try:
            form = forms.load(corpus[digest])
        except forms.DefinitionError:
            continue
        if forms.list_scripts(corpus[digest]):
            loaded.append((len(form.components), digest, form, subs))
    loaded.sort(key=lambda t: (-t[0], t[1]))
    print("definition JavaScript (QuickJS sandbox), five largest corpus forms with JavaScript that load:")
    payload = {digest: {"form": corpus[digest], "submissions": subs} for _n, digest, _f, subs in loaded[:5]}
    node = node_rates(payload, seconds)
    for n, digest, form, subs in loaded[:5]:
        rate = python_rate(form, subs, seconds)
        plain = forms.load(without_javascript(corpus[digest]))
        cost = per_submission_ms(form, subs, seconds / 2) - per_submission_ms(plain, subs, seconds / 2)
        snippets = len(forms.list_scripts(corpus[digest]))
        line = (f"  {digest} ({n:3d} components, {snippets:2d} snippets): Python {rate:7.0f} validations/s, "
                f"JavaScript {cost:6.3f} ms per submission")
        if node is not None:
            ratio = rate / node[digest]
            line += f"; @formio/core {node[digest]:7.0f}/s -> {ratio:.2f}x ({'meets' if ratio >= 1 else 'MISSES'} 1.0x)"
        print(line)
    if node is None:
        print("  @formio/core: skipped (run `npm install` in tests/forms/reference)")


def kiosk_page(loads: int) -> None:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    if not Path(CHROMIUM).exists():
        print("kiosk page: skipped (no /usr/bin/chromium)")
        return
    import mongoengine
    from flask import Blueprint, render_template
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from core.app import create_app

    definition = forty_field_form()
    n_inputs = len(forms.load(definition).data_paths())
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"INSTANCE_PATH": tmp, "MONGODB_URI": "mongomock://", "SECRET_KEY": "bench"})
        page_bp = Blueprint("bench_kiosk", __name__)

        @page_bp.route("/bench/kiosk")
        def kiosk():
            return render_template("kiosk/questionnaire.html", definition=definition, submit_url="/bench/submit",
                                   lang="de", prefill={}, title="Bench")

        app.register_blueprint(page_bp)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_port}/bench/kiosk"
        times = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[
                "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"])
            context = browser.new_context()
            # the shared renderer announces a drawn form (inside its isolated frame) with "frontdesk:ready"
            context.add_init_script("document.addEventListener('frontdesk:ready', function () {"
                                    " window.__fdReady = performance.now(); });")
            page = context.new_page()
            page.goto(url)  # warm-up: the browser cache holds the static assets afterwards, as on a tablet
            for _ in range(loads):
                start = time.perf_counter()
                page.goto(url, wait_until="commit")
                page.wait_for_function("() => window.__fdReady !== undefined", timeout=10_000)
                frame = page.frame_locator("iframe[data-frontdesk-frame]")
                frame.locator(".formio-form .formio-component").nth(n_inputs - 1).wait_for(state="attached")
                times.append((time.perf_counter() - start) * 1000)
            browser.close()
        server.shutdown()
        mongoengine.disconnect()
    times.sort()
    print(f"kiosk page shows a {n_inputs}-field form: p50 {statistics.median(times):.0f} ms, "
          f"max {times[-1]:.0f} ms over {loads} loads (target < 1000 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--loads", type=int, default=20)
    args = parser.parse_args()
    engine(args.seconds)
    javascript(args.seconds)
    kiosk_page(args.loads)


if __name__ == "__main__":
    main()
