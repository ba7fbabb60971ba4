"""Celery wired as in Flask's own example: the app is made in the factory, tasks run in an app context.

* ``REDIS_URL`` set → Redis is broker and result backend (production, separate worker + beat).
* otherwise → kombu's filesystem transport and a file result backend in the instance folder, so
  ``make run`` needs nothing installed; the worker it starts sees the web process's messages.

:func:`enqueue` is the one way code hands work to a task: by name, with ids, so services never import
``tasks``. It lives here rather than in ``core.web`` because services and tasks call it, not only views.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from celery import Celery, Task
from celery.result import AsyncResult, EagerResult
from flask import Flask, current_app

#: periodic jobs; each is short, idempotent and guarded against double runs
BEAT_SCHEDULE = {
    "appointment-reminders": {"task": "tasks.reminders.sweep", "schedule": timedelta(minutes=1)},
    "outbox-retry": {"task": "tasks.mail.retry_queued", "schedule": timedelta(minutes=5)},
    "kiosk-expire-runs": {"task": "tasks.kiosk.expire_runs", "schedule": timedelta(minutes=1)},  # issue 4
    "dialogs-sweep": {"task": "tasks.dialogs.sweep", "schedule": timedelta(minutes=2)},
    "reports-stale-renders": {"task": "tasks.reports.requeue_stale", "schedule": timedelta(minutes=1)},
    "document-request-reminders": {"task": "tasks.documents.remind_overdue", "schedule": timedelta(minutes=30)},
    "waitlist-expire-offers": {"task": "tasks.waitlist.expire", "schedule": timedelta(minutes=1)},
    "bonus-expire-points": {"task": "tasks.bonus.expire_points", "schedule": timedelta(hours=6)},
}


def celery_config(app: Flask) -> dict:
    instance = Path(app.instance_path)
    redis_url = app.config["REDIS_URL"]
    conf: dict = {
        "task_ignore_result": False,
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        "timezone": "UTC",
        "enable_utc": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
        "beat_schedule": BEAT_SCHEDULE,
        "beat_schedule_filename": str(instance / "celerybeat-schedule"),
        "task_always_eager": app.config.get("CELERY_TASK_ALWAYS_EAGER", False),
        "result_expires": 3600,
    }
    if redis_url:
        conf.update(broker_url=redis_url, result_backend=redis_url,
                    broker_transport_options={"visibility_timeout": 3600})
    else:
        broker = instance / "broker"
        (broker / "queue").mkdir(parents=True, exist_ok=True)
        (broker / "processed").mkdir(parents=True, exist_ok=True)
        (instance / "results").mkdir(parents=True, exist_ok=True)
        conf.update(
            broker_url="filesystem://",
            broker_transport_options={"data_folder_in": str(broker / "queue"),
                                      "data_folder_out": str(broker / "queue"),
                                      "processed_folder": str(broker / "processed"),
                                      # fanout/broadcast tables (worker control); default is ./control
                                      "control_folder": str(broker / "control"),
                                      "store_processed": False},
            result_backend=f"file://{instance / 'results'}",
        )
    conf.update(app.config.get("CELERY", {}))
    return conf


def celery_init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    celery.config_from_object(celery_config(app))
    celery.set_default()
    app.extensions["celery"] = celery
    return celery


def enqueue(task_name: str, *ids) -> AsyncResult | EagerResult:
    """Hand ``ids`` (as strings) to the task registered as ``task_name``, through ``send_task``.

    ``send_task`` ignores ``task_always_eager``; with it on (the tests) the registered task runs here
    and now with ``apply``, as ``delay`` would run it, so an unknown name fails in both modes.
    """
    celery: Celery = current_app.extensions["celery"]
    args = [str(i) for i in ids]
    if celery.conf.task_always_eager:
        return celery.tasks[task_name].apply(args=args)
    return celery.send_task(task_name, args=args)
