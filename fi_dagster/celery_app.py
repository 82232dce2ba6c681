"""The Celery app fi_dagster's workers run: ``celery -A fi_dagster.celery_app worker -Q dagster``.

Broker and result backend come from ``CELERY_BROKER_URL`` (RabbitMQ ``pyamqp://…`` or Redis
``redis://…``) and ``CELERY_RESULT_BACKEND`` (default ``rpc://``), the same variables the
``fi_nightly_celery_job`` executor reads, so the run and its workers always agree.
"""

import os

from dagster_celery.make_app import make_app
from dagster_celery.tasks import create_task

DEFAULT_BROKER = "pyamqp://guest@localhost:5672//"

app = make_app(
    {
        "broker": os.environ.get("CELERY_BROKER_URL", DEFAULT_BROKER),
        "backend": os.environ.get("CELERY_RESULT_BACKEND", "rpc://"),
    }
)
app.conf.worker_prefetch_multiplier = 1  # one step at a time: judge steps are long
app.conf.task_acks_late = True  # a worker that dies mid-step leaves the step for another

execute_plan = create_task(app)


def worker_command(name: str, python: str = "python", pool: str = "solo") -> list[str]:
    """The command line of one fi_dagster worker listening on the ``dagster`` queue."""
    return [
        python, "-m", "celery", "-A", "fi_dagster.celery_app", "worker",
        "-Q", "dagster", "-P", pool, "-n", f"{name}@%h", "--loglevel", "WARNING",
    ]  # fmt: skip
