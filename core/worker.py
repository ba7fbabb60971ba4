"""Entry point for ``celery -A core.worker worker|beat``: builds the app, exposes its Celery app; once the
worker has started, the garbage collector is tuned like the web process's (core.runtime)."""

import logging

from celery.signals import beat_init, worker_ready

from core.app import create_app
from core.runtime import tune_gc

flask_app = create_app()
celery = flask_app.extensions["celery"]


@worker_ready.connect(weak=False)
@beat_init.connect(weak=False)
def _tune_gc(**_kwargs) -> None:
    tuned = tune_gc()
    logging.getLogger(__name__).info("Garbage collector tuned: %s start-up objects frozen, thresholds %s.",
                                     tuned["frozen"], tuned["threshold"])
