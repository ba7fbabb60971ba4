"""Factory, configuration from the environment, the instance folder, ``frontdesk config``."""

from __future__ import annotations

import os
import stat

import mongoengine

from core.app import create_app
from core.config import mask


def test_factory_builds_independent_apps(tmp_path):
    a = create_app({"INSTANCE_PATH": str(tmp_path / "a"), "MONGODB_URI": "mongomock://", "TESTING": True})
    b = create_app({"INSTANCE_PATH": str(tmp_path / "b"), "MONGODB_URI": "mongomock://", "TESTING": True})
    assert a is not b and a.extensions["frontdesk_admin"] is not b.extensions["frontdesk_admin"]
    assert a.test_client().get("/").status_code == 200
    mongoengine.disconnect()


def test_environment_variables_with_prefix(tmp_path, monkeypatch):
    monkeypatch.setenv("FRONTDESK_TIMEZONE", "Europe/Vienna")
    monkeypatch.setenv("FRONTDESK_SMTP_PORT", "587")
    monkeypatch.setenv("FRONTDESK_DEFAULT_LANGUAGE", "en")
    monkeypatch.setenv("FRONTDESK_MONGODB_URI", "mongomock://")
    app = create_app({"INSTANCE_PATH": str(tmp_path)})
    assert app.config["TIMEZONE"] == "Europe/Vienna"
    assert app.config["SMTP_PORT"] == 587
    assert app.config["DEFAULT_LANGUAGE"] == "en"
    mongoengine.disconnect()


def test_secret_key_generated_once_in_the_instance_folder(tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path), "MONGODB_URI": "mongomock://"})
    key_file = tmp_path / "secret_key"
    assert key_file.exists() and len(app.config["SECRET_KEY"]) == 64
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    again = create_app({"INSTANCE_PATH": str(tmp_path), "MONGODB_URI": "mongomock://"})
    assert again.config["SECRET_KEY"] == app.config["SECRET_KEY"]
    mongoengine.disconnect()


def test_mask():
    assert mask("SECRET_KEY", "abc") == "********"
    assert mask("MONGODB_URI", "mongodb://user:pw@db:27017/x") == "mongodb://***@db:27017/x"
    assert mask("REDIS_URL", "redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"
    assert mask("SMTP_PASSWORD", "") == ""


def test_config_command_masks_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("FRONTDESK_SMTP_PASSWORD", "hunter2-geheim")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "MONGODB_URI": "mongomock://",
                      "SECRET_KEY": "very-secret-value"})
    result = app.test_cli_runner().invoke(args=["config"])
    assert result.exit_code == 0
    assert "hunter2-geheim" not in result.output and "very-secret-value" not in result.output
    assert "SMTP_PASSWORD = ********" in result.output and "TIMEZONE = Europe/Berlin" in result.output
    assert "mongomock" in result.output
    mongoengine.disconnect()
