"""docker-compose.yml is the production shape; no engine runs here, so check it as data."""

from __future__ import annotations

from pathlib import Path

import yaml

from core.config import DEFAULTS, ENV_PREFIX

ROOT = Path(__file__).resolve().parents[1]


def test_services_images_health_checks():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"mongo", "redis", "migrate", "web", "worker", "beat"}
    assert services["mongo"]["image"].startswith("mongo:") and "--replSet" in services["mongo"]["command"]
    assert services["redis"]["image"].startswith("redis:")
    for name, service in services.items():
        if name != "migrate":  # a one-shot: it exits when done
            assert "healthcheck" in service and service["healthcheck"]["test"], name
    assert "gunicorn" in services["web"]["command"] and "core.wsgi:app" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "core.worker", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "core.worker", "beat"]
    assert services["beat"]["deploy"]["replicas"] == 1


def test_db_upgrade_runs_once_before_web_worker_and_beat(monkeypatch, tmp_path):
    """The app factory writes nothing, so indexes and migrations are the `migrate` one-shot's job."""
    import mongoengine
    from click.testing import CliRunner

    from core.cli import cli

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    migrate = services["migrate"]
    assert migrate["command"] == ["frontdesk", "db", "upgrade"] and migrate["restart"] == "no"
    assert migrate["environment"] == services["web"]["environment"]  # the same database
    assert set(migrate["depends_on"]) == {"mongo", "redis"}
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
        assert services[name]["depends_on"]["mongo"] == {"condition": "service_healthy"}, name
    # the command exists in the installed CLI (the console script `frontdesk` is core.cli:main)
    monkeypatch.setenv("FRONTDESK_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("FRONTDESK_MONGODB_URI", "mongomock://")
    result = CliRunner().invoke(cli, migrate["command"][1:])
    mongoengine.disconnect()
    assert result.exit_code == 0 and "Database is up to date." in result.output, result.output


def test_environment_names_match_the_configuration():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    known = set(DEFAULTS) | {"SECRET_KEY", "INSTANCE_PATH"}
    for name in ("web", "worker", "beat"):
        env = compose["services"][name]["environment"]
        for key in env:
            assert key.startswith(ENV_PREFIX + "_"), key
            assert key.removeprefix(ENV_PREFIX + "_") in known, key
        assert "replicaSet=rs0" in env["FRONTDESK_MONGODB_URI"]
        assert env["FRONTDESK_REDIS_URL"].startswith("redis://redis:")


def test_wsgi_module_builds_the_app(monkeypatch, tmp_path):
    import importlib

    import mongoengine

    monkeypatch.setenv("FRONTDESK_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("FRONTDESK_MONGODB_URI", "mongomock://")
    wsgi = importlib.import_module("core.wsgi")
    wsgi = importlib.reload(wsgi)
    assert wsgi.app.name == "frontdesk"
    mongoengine.disconnect()
