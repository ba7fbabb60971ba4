"""Shared fixtures: a fresh app + mongomock database per test, factories, login helpers.

Outbound SMTP and network are blocked: tests that need mail start their own aiosmtpd server.
"""

from __future__ import annotations

import contextlib
import itertools
import re
import socket
import uuid

import jinja2
import mongoengine
import pytest
from werkzeug.routing import Rule

from core.app import create_app
from core.db import upgrade_database

DEFAULT_PASSWORD = "korrekt-Pferd-Batterie-42"
#: argon2's minimum cost: hashing is not what the tests measure (tests/core/test_passwords.py checks the real one)
FAST_PASSWORD_HASH = {"time_cost": 1, "memory_cost": 8, "parallelism": 1, "hash_len": 32, "salt_len": 16}
_seq = itertools.count()


@pytest.fixture(autouse=True)
def _no_outside_network(monkeypatch):
    """Only loopback connections are allowed (Redis, local SMTP, the app's own server)."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (host.startswith("127.") or host in ("localhost", "::1")
                                          or host.startswith("/")):
            raise OSError(f"network access to {host!r} blocked in tests")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session", autouse=True)
def _url_builders_compiled_once():
    """Every test builds its own app, and werkzeug compiles two Python functions per URL rule while
    registering it: about half of ``create_app``. The compiled builder is a function of the rule's
    text, defaults and converters (it takes the rule as ``self``), so one compilation per rule serves
    every app of the test session. Only the compilation is shared; each app has its own rules."""
    compile_builder = Rule._compile_builder
    compiled: dict[tuple, object] = {}

    def memoised(self, append_unknown=True):
        key = (type(self), self.rule, tuple(self._trace), append_unknown, repr(sorted((self.defaults or {}).items())),
               tuple(sorted((name, type(conv), _settings(conv)) for name, conv in self._converters.items())))
        if key not in compiled:
            compiled[key] = compile_builder(self, append_unknown)
        return compiled[key]

    def _settings(conv) -> str:  # a converter's options, without the map (each app has its own)
        return repr(sorted((k, v) for k, v in vars(conv).items() if k != "map"))

    Rule._compile_builder = memoised
    yield
    Rule._compile_builder = compile_builder


class _TemplateCodeOfTheSession(jinja2.BytecodeCache):
    """Each test's app has its own Jinja environment, which would compile every template it renders
    again. All of them are configured by the same ``create_app``, so the compiled code (checked
    against the template source's checksum on every load) is kept for the session, in memory."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if (data := self.code.get(bucket.key)) is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATE_CODE = _TemplateCodeOfTheSession()


def make_app(tmp_path, **overrides):
    config = {
        "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"),
        "MONGODB_URI": "mongomock://localhost",
        "MONGODB_DB": f"test_{uuid.uuid4().hex[:12]}",
        "SECRET_KEY": "test-secret-key",
        "FLASK_ADMIN_RAISE_ON_VIEW_EXCEPTION": True,
        "CELERY_TASK_ALWAYS_EAGER": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": "localhost",
        "PASSWORD_HASH_PARAMS": FAST_PASSWORD_HASH,
        "PUBLIC_BASE_URL": "http://127.0.0.1:5000",  # tests of the derived address set it empty
    }
    config.update(overrides)
    app = create_app(config)
    app.jinja_env.undefined = jinja2.StrictUndefined
    app.jinja_env.bytecode_cache = _TEMPLATE_CODE
    with app.app_context():
        upgrade_database()  # what `frontdesk db upgrade` does before a release starts: indexes, migrations
    return app


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    yield app
    mongoengine.disconnect()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def make_unit(app):
    from core.models import BusinessUnit

    def factory(**kw):
        n = next(_seq)
        kw.setdefault("name", f"Salon {n}")
        kw.setdefault("slug", f"salon-{n}")
        with app.app_context():
            return BusinessUnit(**kw).save()

    return factory


@pytest.fixture
def unit(make_unit):
    return make_unit(name="Salon Sonnenschein", features=["reminders"])


@pytest.fixture
def make_user(app, unit):
    from core.models import StaffUser
    from core.passwords import hash_password

    with app.app_context():  # the app's hasher: argon2 at minimal cost
        hashed = hash_password(DEFAULT_PASSWORD)

    def factory(role="owner", **kw):
        n = next(_seq)
        kw.setdefault("email", f"{role}{n}@example.com")
        kw.setdefault("name", f"{role.title()} {n}")
        kw.setdefault("business_unit", unit)
        kw.setdefault("password_hash", hashed)
        with app.app_context():
            return StaffUser(role=role, **kw).save()

    return factory


@pytest.fixture
def make_customer(app, unit):
    from core.models import Customer

    def factory(**kw):
        n = next(_seq)
        kw.setdefault("first_name", "Jürgen")
        kw.setdefault("last_name", f"Müller{n}")
        kw.setdefault("business_unit", unit)
        with app.app_context():
            return Customer(**kw).save()

    return factory


@pytest.fixture
def make_appointment(app, unit, make_customer, make_user):
    from datetime import datetime, timedelta

    from core.models import Appointment

    def factory(**kw):
        kw.setdefault("business_unit", unit)
        if "customer" not in kw:
            kw["customer"] = make_customer(business_unit=kw["business_unit"])
        if "staff" not in kw:
            kw["staff"] = make_user("staff", business_unit=kw["business_unit"])
        kw.setdefault("start", datetime(2030, 1, 7, 9, 0))
        kw.setdefault("end", kw["start"] + timedelta(minutes=45))
        with app.app_context():
            return Appointment(**kw).save()

    return factory


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
                     r'|data-csrf-token="([^"]+)"')


def csrf_token(client, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2) or match.group(3)


def login(client, email: str, password: str = DEFAULT_PASSWORD, **extra):
    token = csrf_token(client, "/admin/login")
    return client.post("/admin/login", data={"email": email, "password": password, "csrf_token": token, **extra},
                       environ_base=extra.pop("environ_base", None) or {})


@pytest.fixture
def owner(make_user):
    return make_user("owner", name="Olivia Owner")


@pytest.fixture
def owner_client(client, owner):
    response = login(client, owner.email)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_smtp_server(hold_first_seconds: float = 0):
    """A real SMTP server (aiosmtpd) on a loopback port while the block runs; the handler's
    ``.messages`` collects what it received and ``.port`` is where it listens. With
    ``hold_first_seconds`` it takes that long to answer the first DATA (``.in_data`` is set when it
    arrives), so a test can kill the sender mid-send."""
    import asyncio
    import threading

    from aiosmtpd.controller import Controller

    class Handler:
        def __init__(self):
            self.messages = []
            self.in_data = threading.Event()

        async def handle_DATA(self, server, session, envelope):
            self.messages.append(envelope)
            if hold_first_seconds and len(self.messages) == 1:
                self.in_data.set()
                await asyncio.sleep(hold_first_seconds)
            return "250 Message accepted"

    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on a loopback port; ``.messages`` collects what it received."""
    with running_smtp_server() as handler:
        yield handler


@pytest.fixture
def slow_smtp():
    """An SMTP server that takes 5 s to answer the first DATA (so its sender can be killed meanwhile)."""
    with running_smtp_server(hold_first_seconds=5) as handler:
        yield handler


def redis_available(url: str = "redis://127.0.0.1:6379/0") -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture(scope="module")
def chromium():
    """Headless Chromium for the tests of one module. Playwright's sync API allows one running instance
    per thread, and tests that start their own (``with sync_playwright()``) may follow in the same
    process: so this one ends with its module, never lives for the session."""
    from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, require_chromium

    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
