"""The production image's file set, installed outside the checkout, starts and serves the product.

No Docker engine runs here, so the test does what the Dockerfile does: it reads the Dockerfile's COPY
lines and the .dockerignore to lay out the build context, builds the wheel from it as the Dockerfile's
`pip wheel`/`pip install` line does, and installs it (non-editable) into a fresh virtualenv in a tmp
folder. The dependencies come from this test environment through a ``.pth`` file (offline and fast);
``.pth`` lines only add folders to ``sys.path``, so the editable install's finder for the checkout is not
active there, and the script asserts ``core`` is imported from the fresh virtualenv. With the working
directory outside the checkout, the installed console script runs ``frontdesk db upgrade``, then a script
builds the app on the embedded store, serves the four surfaces, checks static files, templates and
compiled translations, and renders a report PDF whose fonts are checked here.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path, PurePosixPath

import pytest

from tests.dialogs.conftest import ANSWERS, DEFINITION, SCORING
from tests.dialogs.test_reports import BULLETS, VERA, text_fonts

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("core", "admin", "forms", "portal", "kiosk", "tasks", "seed", "dialogs")
#: files in the product folders that are documentation for developers, not part of the installed package
NOT_SHIPPED = {"kiosk/SECURITY.md"}

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("image")]


# --- the build context: .dockerignore ------------------------------------------------------------

def _pattern_regex(pattern: str) -> re.Pattern:
    """A .dockerignore pattern (Go filepath.Match plus ``**``, relative to the context root)."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif pattern[i] == "*":
            out, i = out + "[^/]*", i + 1
        elif pattern[i] == "?":
            out, i = out + "[^/]", i + 1
        else:
            out, i = out + re.escape(pattern[i]), i + 1
    return re.compile(out)


def dockerignore(text: str):
    """``excluded(relative_posix_path)`` as Docker decides it: the last matching pattern wins, ``!``
    re-includes, and a pattern that matches a parent folder excludes everything below it."""
    rules = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = str(PurePosixPath(line.removeprefix("!").strip().lstrip("/")))
        rules.append((negate, _pattern_regex(pattern)))

    def excluded(path: str) -> bool:
        parts = path.split("/")
        prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
        verdict = False
        for negate, regex in rules:
            if any(regex.fullmatch(p) for p in prefixes):
                verdict = not negate
        return verdict

    return excluded


def test_dockerignore_matching():
    excluded = dockerignore("# c\n.git\n**/node_modules\n**/*.pyc\ntests\n!tests/keep.txt\n/build\n")
    assert excluded(".git/config") and excluded("tests/forms/x.py") and excluded("a/b/node_modules/x.js")
    assert excluded("core/__pycache__/x.pyc") and excluded("build/lib/x.py")
    assert not excluded("core/app.py") and not excluded("tests/keep.txt") and not excluded("core/build.py")
    assert not excluded("core/tests_helper.py")


def context_files(root: Path) -> list[str]:
    """The build context: every file under ``root`` that .dockerignore does not exclude."""
    ignore = root / ".dockerignore"
    excluded = dockerignore(ignore.read_text(encoding="utf-8") if ignore.exists() else "")
    files = []
    for folder, dirs, names in os.walk(root):
        rel = Path(folder).relative_to(root).as_posix()
        rel = "" if rel == "." else rel + "/"
        dirs[:] = [d for d in dirs if not excluded(rel + d)]
        files += [rel + n for n in names if not excluded(rel + n)]
    return sorted(files)


# --- the Dockerfile: COPY lines and the line that installs the source tree -----------------------

def dockerfile_build(text: str) -> tuple[list[tuple[list[str], str]], str]:
    """The COPY lines (sources, absolute destination) of the stage that installs the source tree, and
    the source folder it installs (absolute in the image). Fails if no RUN line pip-installs or builds
    a wheel from a local folder."""
    text = re.sub(r"\\\n", " ", text)
    copies: list[tuple[list[str], str]] = []
    workdir = PurePosixPath("/")
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        op, _, args = line.partition(" ")
        op = op.upper()
        if op == "FROM":
            copies, workdir = [], PurePosixPath("/")
        elif op == "WORKDIR":
            workdir = workdir / args.strip()
        elif op in ("COPY", "ADD"):
            words = json.loads(args) if args.lstrip().startswith("[") else shlex.split(args)
            words = [w for w in words if not w.startswith("--")] if not any(
                w.startswith("--from") for w in words) else []
            if words:
                folder = words[-1].endswith("/") or words[-1] == "."  # a file copied there keeps its name
                copies.append((words[:-1], str(workdir / words[-1]) + ("/" if folder else "")))
        elif op == "RUN":
            match = re.search(r"\bpip3?\s+(?:wheel|install)\b[^&;|]*?\s(\.(?:/[^\s&;|]*)?)(?=[\s&;|]|$)", args)
            if match:
                return copies, str(workdir / match.group(1))
    raise AssertionError("the Dockerfile never installs the source tree")


def test_dockerfile_parsing():
    copies, source = dockerfile_build("FROM x AS b\nWORKDIR /app\nCOPY a.toml README.md ./\nCOPY core core\n"
                                      "COPY --from=b /w /w\nRUN pip install --no-cache-dir . \\\n && useradd x\n")
    assert copies == [(["a.toml", "README.md"], "/app/"), (["core"], "/app/core")] and source == "/app"
    copies, source = dockerfile_build("FROM x AS build\nWORKDIR /src\nCOPY . .\nRUN pip wheel -w /w .\n"
                                      "FROM x\nRUN pip install /w/*.whl\n")
    assert copies == [(["."], "/src/")] and source == "/src"


def test_the_image_runs_gunicorn_as_an_unprivileged_user():
    final = re.split(r"(?m)^FROM ", (ROOT / "Dockerfile").read_text(encoding="utf-8"))[-1]
    users = re.findall(r"(?m)^USER\s+(\S+)", final)
    assert users and users[-1] not in ("root", "0")
    (cmd,) = re.findall(r"(?m)^CMD\s+(.+)$", final)
    assert json.loads(cmd)[0] == "gunicorn" and "core.wsgi:app" in json.loads(cmd)
    assert "/wheels/*.whl" in final  # installs the wheel the build stage made, nothing from the source tree


def lay_out(image: Path) -> Path:
    """The image's file system as far as the build needs it: the COPY lines applied to the context."""
    copies, source = dockerfile_build((ROOT / "Dockerfile").read_text(encoding="utf-8"))
    context = context_files(ROOT)
    for sources, dest in copies:
        target = image / dest.lstrip("/")
        for src in sources:
            src = PurePosixPath(src).as_posix()
            below = [f for f in context if src == "." or f.startswith(src + "/")]
            if below:  # a folder: its contents go into dest
                for f in below:
                    rel = f if src == "." else f[len(src) + 1:]
                    (target / rel).parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(ROOT / f, target / rel)
            elif src in context:  # a file: into dest/ (a folder) or as dest
                into = dest.endswith("/") or len(sources) > 1
                path = target / Path(src).name if into else target
                path.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / src, path)
            else:
                raise AssertionError(f"COPY {src}: not in the build context")
    return image / source.lstrip("/")


# --- build, install, run ---------------------------------------------------------------------------

SCRIPT = r'''
import json, logging, sys
from pathlib import Path

args = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
warnings = []

class Collect(logging.Handler):
    def emit(self, record):
        warnings.append(f"{record.name}: {record.getMessage()}")

logging.getLogger().addHandler(Collect(level=logging.WARNING))

import core
out = {"core": core.__file__, "cwd": str(Path.cwd())}
from core.app import create_app

app = create_app({"INSTANCE_PATH": args["instance"], "MONGODB_URI": "", "TESTING": True,
                  "CELERY_TASK_ALWAYS_EAGER": True, "RATELIMIT_STORAGE_URI": "memory://"})
client = app.test_client()
out["pages"] = {}
for url in ("/", "/admin/login", "/kiosk/display", "/portal/login"):
    response = client.get(url, headers={"Accept-Language": "de"})
    out["pages"][url] = [response.status_code, response.get_data(as_text=True)]
out["static"] = {}
folders = {"": app.static_folder, **{name: bp.static_folder for name, bp in app.blueprints.items() if bp.static_folder}}
for name, folder in folders.items():
    files = sorted(p.relative_to(folder).as_posix() for p in Path(folder).rglob("*") if p.is_file())
    with app.test_request_context():
        from flask import url_for
        url = url_for(f"{name}.static" if name else "static", filename=files[0])
    response = client.get(url)
    out["static"][name] = {"folder": folder, "files": files, "served": [url, response.status_code,
                                                                        len(response.get_data())]}
    response.close()
response = client.get("/static/formio/vendor/@formio/js/formio.full.min.js")
out["formio_js"] = [response.status_code, len(response.get_data())]
response.close()
out["templates"] = sorted(app.jinja_env.list_templates())
out["translations"] = app.config["BABEL_TRANSLATION_DIRECTORIES"]
out["packages"] = {}
site = Path(core.__file__).parents[1]
for name in args["packages"]:
    folder = site / name
    out["packages"][name] = sorted(p.relative_to(site).as_posix() for p in folder.rglob("*")
                                   if p.is_file() and "__pycache__" not in p.parts)

# a report, made the way the product makes it (the Celery task runs eagerly here)
from core.models import BusinessUnit, Customer, Questionnaire, StaffUser
from core.services import dialogs as service, questionnaires as qs, reports
from core.services.audit import Actor

with app.app_context():
    unit = BusinessUnit(name="Salon Sonnenschein", slug="salon").save()
    owner = StaffUser(role="owner", email="inhaberin@example.com", name="Inhaberin", business_unit=unit).save()
    actor = Actor.staff(owner)
    q = qs.create(actor, unit, name="Schlaf-Check", kind="survey", definition=args["definition"])
    Questionnaire.objects(pk=q.pk).update_one(set__scoring=args["scoring"])
    q.reload()
    version = qs.publish(actor, q)
    customer = Customer(business_unit=unit, first_name="Jürgen", last_name="Weiß", email="j@example.com").save()
    service.complete(service.start(actor, customer, version), {"nights": "good", "coffee": False})
    dialog = service.complete(service.start(actor, customer, version), args["answers"])
    out["reports"] = {}
    for kind in ("customer", "tips"):
        with app.test_request_context():
            report = reports.request_report(actor, dialog, kind)
        report.reload()
        Path(args["out"], kind + ".pdf").write_bytes(reports.report_bytes(report))
        out["reports"][kind] = report.status
out["font_dir"] = str(reports.FONT_DIR)
out["modules"] = sorted({getattr(m, "__file__", None) or "" for m in list(sys.modules.values())} - {""})
out["warnings"] = warnings
Path(args["out"], "result.json").write_text(json.dumps(out), encoding="utf-8")
'''


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "FRONTDESK_", "VIRTUAL_ENV"))}
    return {**env, "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1", **extra}


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """Build and install the image's wheel outside the checkout; run the checks there once."""
    tmp = tmp_path_factory.mktemp("image")
    assert not tmp.resolve().is_relative_to(ROOT)
    source = lay_out(tmp / "image")
    wheels = tmp / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
                    "--wheel-dir", str(wheels), str(source)], check=True, cwd=tmp, env=_env(), timeout=300)
    (wheel,) = wheels.glob("frontdesk-*.whl")
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
                    str(wheel)], check=True, cwd=tmp, env=_env(), timeout=300)
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True, env=_env()).stdout.strip())
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}  # this test environment
    (site / "zz_test_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n", encoding="utf-8")
    work, out, instance = tmp / "work", tmp / "out", tmp / "instance"
    work.mkdir()
    out.mkdir()
    upgrade = subprocess.run([str(env_dir / "bin" / "frontdesk"), "db", "upgrade"], cwd=work, capture_output=True,
                             text=True, timeout=300, env=_env(FRONTDESK_INSTANCE_PATH=str(instance)))
    assert upgrade.returncode == 0, upgrade.stderr[-3000:]
    args = tmp / "args.json"
    args.write_text(json.dumps({"instance": str(instance), "out": str(out), "packages": PRODUCT,
                                "definition": DEFINITION, "scoring": SCORING, "answers": ANSWERS}), encoding="utf-8")
    (work / "check.py").write_text(SCRIPT, encoding="utf-8")
    run = subprocess.run([str(python), "check.py", str(args)], cwd=work, capture_output=True, text=True, timeout=600,
                         env=_env())
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads((out / "result.json").read_text(encoding="utf-8"))
    return {"venv": env_dir.resolve(), "site": site.resolve(), "upgrade": upgrade.stdout, "out": out, **result}


def _inside(path: str, folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(folder)


def test_the_installed_image_starts_and_serves_the_product(installed):
    site = installed["site"]
    assert _inside(installed["core"], installed["venv"])  # the wheel, not the editable checkout
    assert not _inside(installed["cwd"], ROOT)
    # nothing of ours is imported from the checkout (only the test environment's dependencies are)
    from_checkout = [m for m in installed["modules"] if _inside(m, ROOT) and not _inside(m, ROOT / ".venv")]
    assert from_checkout == []
    assert installed["upgrade"].startswith("indexes created: ") and "Database is up to date." in installed["upgrade"]

    german = {"/": "Kunden, Termine und Fragebögen für Ihren Betrieb.", "/admin/login": "Anmeldung für Mitarbeiter",
              "/kiosk/display": "Dieses Tablet aktivieren", "/portal/login": "Bitte öffnen Sie zum Anmelden den Link"}
    for url, text in german.items():
        status, html = installed["pages"][url]
        assert status == 200 and text in html, url

    assert _inside(installed["translations"], site)
    assert (Path(installed["translations"]) / "de" / "LC_MESSAGES" / "messages.mo").is_file()
    assert installed["formio_js"][0] == 200 and installed["formio_js"][1] > 100_000
    ours = {"", "formio", "fd_admin", "portal", "kiosk"}  # "admin" is Flask-Admin's own; dialogs has no static
    assert ours <= set(installed["static"])
    for name in ours:
        static = installed["static"][name]
        assert _inside(static["folder"], site), name
        url, status, length = static["served"]
        assert status == 200 and length > 0, url

    templates = set(installed["templates"])
    for package in PRODUCT:
        for path in (ROOT / package).glob("templates/**/*"):
            if path.is_file():
                assert path.relative_to(ROOT / package / "templates").as_posix() in templates, path

    # every file of the product packages is in the wheel (only developer documentation stays behind)
    shipped = {f for files in installed["packages"].values() for f in files}
    expected = {p.relative_to(ROOT).as_posix() for package in PRODUCT for p in (ROOT / package).rglob("*")
                if p.is_file() and "__pycache__" not in p.parts}
    assert sorted(expected - shipped - NOT_SHIPPED) == []
    assert expected >= NOT_SHIPPED  # no stale entry


def test_the_installed_image_embeds_the_report_font(installed):
    assert installed["reports"] == {"customer": "ready", "tips": "ready"}
    tips = (installed["out"] / "tips.pdf").read_bytes()
    customer = (installed["out"] / "customer.pdf").read_bytes()
    assert text_fonts(tips) - {BULLETS} == VERA
    # the pages without charts (their labels are Helvetica): cover, answers, tips, imprint
    assert text_fonts(customer, [0, 3, 4, 6]) - {BULLETS} == VERA
    bad = [w for w in installed["warnings"] if w.startswith("xhtml2pdf") or "could not read" in w]
    assert bad == []
    assert _inside(installed["font_dir"], installed["site"])  # our package data, not another package's
