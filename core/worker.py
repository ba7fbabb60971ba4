"""Entry point for ``celery -A core.worker worker|beat``: builds the app, exposes its Celery app."""

from core.app import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
