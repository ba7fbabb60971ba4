"""The ``frontdesk`` command: run, config, db upgrade, create-user, seed, export, export-submissions, import."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import subprocess
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, ScriptInfo, shell_command

from core.errors import FrontdeskError


def _make_app() -> Flask:
    from core.app import create_app

    return create_app()


def register_app_commands(app: Flask) -> None:
    """Commands that need an application (and so a database connection)."""

    @app.cli.command("config")
    def config_command():
        """Print the effective configuration (secrets masked)."""
        from core.config import effective_config

        for key, value in effective_config(current_app).items():
            click.echo(f"{key} = {value}")

    @app.cli.group("db")
    def db_group():
        """The database: ``frontdesk db upgrade`` after installing a release."""

    @db_group.command("upgrade")
    def db_upgrade_command():
        """Create the declared indexes and run the data migrations (idempotent; run before starting a release)."""
        from core.db import upgrade_database

        for name, count in upgrade_database().items():
            click.echo(f"{name}: {count}")
        click.echo("Database is up to date.")

    @app.cli.command("create-user")
    @click.argument("email")
    @click.option("--role", type=click.Choice(["owner", "staff", "designer"]), default="staff", show_default=True)
    @click.option("--name", default=None, help="Display name (defaults to the part before @).")
    @click.option("--unit", "unit_slug", default=None, help="Business unit slug (default: the only one).")
    @click.option("--password", envvar="FRONTDESK_NEW_PASSWORD", default=None,
                  help="Read from FRONTDESK_NEW_PASSWORD, or asked for (hidden) when missing.")
    def create_user_command(email, role, name, unit_slug, password):
        """Create a staff account."""
        from core.models import BusinessUnit
        from core.passwords import password_problems
        from core.services.audit import Actor
        from core.services.staff import create_user

        if password is None:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        problems = password_problems(password, email=email, name=name or "")
        if problems:  # checked before anything is written
            raise click.ClickException(" ".join(problems))
        from email_validator import EmailNotValidError, validate_email

        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError as exc:
            raise click.ClickException(f"Invalid e-mail address: {exc}") from exc
        units = BusinessUnit.objects(slug=unit_slug) if unit_slug else BusinessUnit.objects
        count = units.count()
        if count == 0 and not unit_slug:
            unit = BusinessUnit(name="Mein Betrieb", slug="main").save()
            click.echo("Created business unit 'main'.")
        elif count != 1:
            raise click.UsageError("Name the business unit with --unit SLUG." if count else
                                   f"No business unit with slug {unit_slug!r}.")
        else:
            unit = units.first()
        try:
            user = create_user(Actor.system("cli"), unit, email=email, name=name or email.split("@")[0],
                               role=role, password=password)
        except FrontdeskError as exc:
            details = "; ".join(f"{k}: {v}" for k, v in exc.field_errors.items())
            raise click.ClickException(f"{exc} {details}".strip()) from exc
        click.echo(f"Created {user.role} {user.email} in {unit.name}.")

    @app.cli.command("seed")
    def seed_command():
        """Load demo data (idempotent)."""
        from seed.demo import DEMO_LOGINS, load_demo

        created = load_demo()
        click.echo("Created: " + ", ".join(f"{v} {k}" for k, v in created.items()))
        _print_logins(DEMO_LOGINS)

    @app.cli.command("export")
    @click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
    def export_command(folder: Path):
        """Write every collection to FOLDER as Extended JSON lines (mongoimport-compatible)."""
        from core.services.exchange import export_all

        counts = export_all(folder)
        for name, n in counts.items():
            click.echo(f"{name}: {n}")

    @app.cli.command("export-submissions")
    @click.argument("questionnaire")
    @click.option("--unit", "unit_slug", default=None, help="Business unit slug (default: the only one).")
    @click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
    @click.option("--lang", type=click.Choice(["de", "en"]), default="de", show_default=True,
                  help="Language of headers and option labels.")
    @click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="File to write (default: the questionnaire's name with the format's suffix).")
    def export_submissions_command(questionnaire: str, unit_slug: str | None, fmt: str, lang: str,
                                   output: Path | None):
        """Write every submission of QUESTIONNAIRE (its name or id) as one table for analysis."""
        from core.models import BusinessUnit, Questionnaire
        from core.services.audit import Actor
        from core.services.submission_export import export_submissions

        units = BusinessUnit.objects(slug=unit_slug) if unit_slug else BusinessUnit.objects
        if units.count() != 1:
            raise click.UsageError("Name the business unit with --unit SLUG." if not unit_slug else
                                   f"No business unit with slug {unit_slug!r}.")
        unit = units.first()
        q = Questionnaire.objects(business_unit=unit, name=questionnaire).first() or \
            Questionnaire.objects.of_unit(unit).get_or_none(pk=questionnaire)
        if q is None:
            raise click.ClickException(f"No questionnaire {questionnaire!r} in {unit.name}.")
        try:
            done = export_submissions(Actor.system("cli"), q, fmt, lang)
        except FrontdeskError as exc:
            raise click.ClickException(str(exc)) from exc
        target = output or Path(done.filename)
        target.write_bytes(done.content)
        click.echo(f"{done.rows} submissions written to {target}")

    @app.cli.command("import")
    @click.argument("folder", type=click.Path(path_type=Path))
    @click.option("--drop", is_flag=True, help="Replace the collections that are in FOLDER.")
    def import_command(folder: Path, drop: bool):
        """Restore an export made with ``frontdesk export``."""
        from core.services.exchange import import_all

        try:
            counts = import_all(folder, drop=drop)
        except FrontdeskError as exc:
            raise click.ClickException(str(exc)) from exc
        for name, n in counts.items():
            click.echo(f"{name}: {n}")


def _print_logins(logins, base: str = "http://127.0.0.1:5000") -> None:
    click.echo(f"\nDemo logins ({base}/admin/):")
    for email, _name, role, password in logins:
        click.echo(f"  {role:<9} {email:<28} {password}")


#: request threads of ``frontdesk run``: enough that a slow upload, download or the deliberate delay of a
#: wrong portal code never holds the tablets and the staff (waitress buffers slow clients itself)
DEFAULT_THREADS = 8


@contextlib.contextmanager
def instance_lock(instance_path: str):
    """Hold ``<instance>/run.lock`` for as long as this ``frontdesk run`` serves that instance folder.

    Two servers on one folder would start two workers and two beats (every periodic task twice); the
    second one stops here with a clear message instead. The operating system releases the lock when the
    process ends, however it ends (``kill -9`` included), so a stale file never blocks a restart."""
    path = Path(instance_path)
    path.mkdir(parents=True, exist_ok=True)
    handle = open(path / "run.lock", "a+")  # noqa: SIM115 (held open for the whole run)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            owner = handle.read().strip() or "?"
            raise click.ClickException(
                f"Another 'frontdesk run' (pid {owner}) already serves the instance folder {path}. "
                "Stop it first, or give this one its own folder with FRONTDESK_INSTANCE_PATH.") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()


def _prepare(app: Flask, host: str, port: int) -> None:
    """Indexes and data upgrades, demo data on the first start, the demo logins: inside an app context
    that ends before the first request is served (requests get their own contexts from Flask)."""
    from core.db import upgrade_database
    from core.models import StaffUser
    from seed.demo import DEMO_LOGINS, load_demo

    with app.app_context():
        upgrade_database()
        if StaffUser.objects.count() == 0:
            click.echo("First start: loading demo data ...")
            load_demo()
        demo = [d for d in DEMO_LOGINS if StaffUser.objects(email=d[0]).count()]
    if demo:
        _print_logins(demo, f"http://{host}:{port}")


def _start_worker(app: Flask) -> subprocess.Popen:
    env = dict(os.environ, FRONTDESK_INSTANCE_PATH=app.instance_path)
    cmd = [sys.executable, "-m", "celery", "-A", "core.worker", "worker", "--beat", "--loglevel=INFO",
           "--concurrency=1", "--pool=solo", "-n", "embedded@%h"]
    proc = subprocess.Popen(cmd, env=env)  # noqa: S603 (fixed command line)
    click.echo(f"Worker + beat started (pid {proc.pid}).")
    return proc


def _stop_worker(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


@click.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=DEFAULT_THREADS, show_default=True, type=click.IntRange(1, 64),
              help="Request threads of the web server.")
@click.option("--worker/--no-worker", default=True, help="Start the Celery worker + beat alongside.")
@click.pass_obj
def run_command(info: ScriptInfo, host: str, port: int, threads: int, worker: bool):
    """Serve the whole product: web server (waitress), Celery worker and beat; demo data on the first start.

    The application is served outside any app context: each request gets its own (and so its own
    ``g``: the logged-in user, the CSRF token, the CSP nonce)."""
    from waitress.server import create_server

    from core.runtime import tune_gc

    app = info.load_app()
    with instance_lock(app.instance_path):
        _prepare(app, host, port)
        try:
            server = create_server(app, host=host, port=port, threads=threads, ident="Frontdesk")
        except OSError as exc:
            raise click.ClickException(f"Cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
        proc = _start_worker(app) if worker and not app.config["CELERY_TASK_ALWAYS_EAGER"] else None
        tuned = tune_gc()  # start-up is done: its objects leave the garbage collector's walks
        click.echo(f"Garbage collector tuned: {tuned['frozen']} start-up objects frozen, "
                   f"thresholds {tuned['threshold']}.")
        click.echo(f"Frontdesk on http://{host}:{port}/  ({threads} threads; Ctrl+C stops web and worker)")

        def stop(signum, frame):  # SIGTERM (kill, systemd, an IDE's stop button) ends like Ctrl+C
            raise SystemExit(0)

        # both set explicitly: a process started with SIGINT ignored (inherited from its parent) would
        # otherwise never stop on Ctrl+C
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            server.close()
            if proc is not None:
                _stop_worker(proc)


cli = FlaskGroup(create_app=_make_app, add_default_commands=False, add_version_option=False,
                 load_dotenv=False, help="Frontdesk: customers, appointments and questionnaires.")
cli.add_command(run_command)
cli.add_command(shell_command)


def main() -> None:
    cli.main(prog_name="frontdesk", obj=ScriptInfo(create_app=_make_app, load_dotenv_defaults=False))
